"""What a model needs before its first call: a key where it needs one, and a price."""

import litellm

from agentinstruct.gateway.config import Credentials, GatewayConfig, is_embedded


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


def require_api_key(model: str, credentials: Credentials) -> None:
    """Fail before the first call when the provider's key is nowhere to be found.

    Without a key LiteLLM raises a retryable-looking error per request, and a run would end
    with every item a failure record instead of one clear message.
    """
    if credentials.api_key is not None:
        return
    missing = litellm.validate_environment(model=model, api_base=credentials.api_base)[
        "missing_keys"
    ]
    keys = [name for name in missing if name.endswith("_KEY")]
    if keys:
        raise ValueError(
            f"Model {model!r} needs {' or '.join(keys)}: set it in the environment, or put "
            "api_key in conf/local/credentials.yml and name that entry in the teacher_llm "
            "catalog entry (`credentials: <entry>`)."
        )


def output_cap(config: GatewayConfig) -> int | None:
    """The most tokens the model writes in one answer, where LiteLLM's map knows it (16,384
    for gpt-4o-mini, 4,096 for gpt-4-turbo): a request asking for more is refused by the
    provider, so the gateway asks for at most this. For a fleet, its first deployment's."""
    model = config.deployments[0].model if config.deployments else config.model
    try:
        cap = litellm.get_model_info(model).get("max_output_tokens")
    except Exception:  # LiteLLM raises several kinds for a model missing from its map
        return None
    return int(cap) if cap else None
