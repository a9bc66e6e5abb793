"""What tokens cost, online and through a provider's batch API, from LiteLLM's price map (or
the prices configured on the teacher's entry, registered by `register_price`)."""

import litellm
from litellm.cost_calculator import batch_cost_calculator
from litellm.types.utils import Usage

from agentinstruct.gateway.config import GatewayConfig, is_embedded
from agentinstruct.gateway.records import LLMRequest


def register_price(config: GatewayConfig) -> None:
    """Tell LiteLLM the configured price of a model its price map lacks (it also spares LiteLLM
    a fuzzy search of the map on every call, ~1 ms); for a fleet, of each deployment's model."""
    embedded = is_embedded(config.model)  # runs here: free
    if (
        config.input_cost_per_token is None
        and config.output_cost_per_token is None
        and not embedded
    ):
        return
    input_cost = config.input_cost_per_token or 0.0
    models = [deployment.model for deployment in config.deployments] or [config.model]
    prices = {}
    for model in models:
        provider, _, name = model.partition("/")
        price = {
            "litellm_provider": provider,
            "mode": "chat",
            "input_cost_per_token": input_cost,
            "output_cost_per_token": config.output_cost_per_token or 0.0,
            "cache_creation_input_token_cost": input_cost,
            "cache_read_input_token_cost": input_cost,
        }
        prices.update({model: price, name or model: price})  # LiteLLM looks up both spellings
    litellm.register_model(prices)


class Pricing:
    """USD for a number of tokens of one model; zero for a model LiteLLM cannot price.

    The per-token rates are read from LiteLLM once: its cost functions take ~0.1 ms a call,
    which batch mode and budgets would pay per request. Prices are linear in tokens here; the
    tiers a few models charge past 128k or 200k prompt tokens are not applied."""

    def __init__(self, config: GatewayConfig) -> None:
        register_price(config)  # the configured price of a model the map lacks
        # a fleet's deployments serve one model: the first one's price stands for all
        self.model = config.deployments[0].model if config.deployments else config.model
        self.max_retries = config.max_retries
        try:
            self._online = _rates(
                lambda p, c: litellm.cost_per_token(
                    model=self.model, prompt_tokens=p, completion_tokens=c
                )
            )
            self.known = True
        except Exception:  # LiteLLM raises several kinds for a model missing from its map
            self._online, self.known = (0.0, 0.0), False
        self._batch = _rates(self._batch_cost) if self.known else (0.0, 0.0)

    def online_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        return prompt_tokens * self._online[0] + completion_tokens * self._online[1]

    def batch_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        """The batch price where the map has one, else half the online price (LiteLLM's rule)."""
        return prompt_tokens * self._batch[0] + completion_tokens * self._batch[1]

    def _batch_cost(self, prompt_tokens: int, completion_tokens: int) -> tuple[float, float]:
        usage = Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        return batch_cost_calculator(usage, model=self.model)

    def most_usd(self, request: LLMRequest, max_tokens: int, batch: bool = False) -> float:
        """The most a request can cost, re-asks included: the hold a budget keeps for it.

        Prompt tokens are over-counted (a token per 3 bytes of UTF-8); each re-ask re-sends the
        prompt with the previous answer, at most `max_tokens` longer each time."""
        prompt = sum(len((m["content"] or "").encode()) for m in request.messages) // 3 + 1
        tries = self.max_retries + 1
        prompt_tokens = sum(prompt + retry * max_tokens for retry in range(tries))
        price = self.batch_usd if batch else self.online_usd
        return price(prompt_tokens, tries * max_tokens)


_PER = 1_000_000  # tokens priced to read a per-token rate without rounding it away


def _rates(cost) -> tuple[float, float]:
    """USD per prompt token and per completion token, from a (prompt, completion) cost."""
    return sum(cost(_PER, 0)) / _PER, sum(cost(0, _PER)) / _PER
