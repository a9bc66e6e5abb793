"""The gateway as a catalog entry: the catalog owns model and credentials, nodes get a client."""

from typing import Any

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.gateway import LLMGateway
from agentinstruct.gateway.pool import open_gateway


class LLMGatewayDataset(ReadOnlyDataset[LLMGateway]):
    """Loads an `LLMGateway`; read-only.

    Example `conf/base/catalog_llm.yml`::

        teacher_llm:
          type: agentinstruct.gateway.dataset.LLMGatewayDataset
          model: openai/gpt-4o-mini
          filepath: data/llm_cache/responses.sqlite   # the response cache
          credentials: openai      # api_key / api_base / api_version
          generation: {temperature: 0.7, max_tokens: 1024, seed: 42}
          concurrency: 32
    """

    def __init__(
        self,
        model: str,
        filepath: str = GatewayConfig.model_fields["cache_path"].default,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        **config: Any,
    ) -> None:
        """`filepath` is the response cache (named so Kedro resolves it against the project)."""
        self._config = GatewayConfig(model=model, cache_path=filepath, **config)
        self._credentials = Credentials(**(credentials or {}))
        self.metadata = metadata
        self._gateway: LLMGateway | None = None

    def load(self) -> LLMGateway:
        # One gateway per catalog: every stage shares its cache connection and the loaded model.
        if self._gateway is None:
            self._gateway = open_gateway(self._config, self._credentials)
        return self._gateway

    def _describe(self) -> dict[str, Any]:
        # Credentials are left out on purpose: _describe ends up in logs and in Kedro-Viz.
        return self._config.model_dump(mode="json")
