"""The gateway as a catalog entry: the catalog owns model and credentials, nodes get a client."""

from typing import Any

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.fleet import fleet_credentials
from agentinstruct.gateway.gateway import LLMGateway
from agentinstruct.gateway.pool import open_gateway
from agentinstruct.gateway.postgres_cache import is_postgres, without_password


class LLMGatewayDataset(ReadOnlyDataset[LLMGateway]):
    """Loads an `LLMGateway`; read-only.

    Example `conf/base/catalog_llm.yml`::

        teacher_llm:
          type: agentinstruct.gateway.dataset.LLMGatewayDataset
          model: openai/gpt-4o-mini
          filepath: data/llm_cache/responses.sqlite   # the response cache, or
          # postgresql://user@host:5432/db to share it (password: PGPASSWORD or ~/.pgpass)
          credentials: openai      # api_key / api_base / api_version
          generation: {temperature: 0.7, max_tokens: 1024, seed: 42}
          concurrency: 32

    Several endpoints serving one model (LiteLLM's Router balances them; `model` names the
    fleet, `credentials` then holds one entry per deployment)::

        teacher_llm:
          type: agentinstruct.gateway.dataset.LLMGatewayDataset
          model: llama-3.1-70b
          credentials: vllm_fleet     # {node1: {api_base: ...}, node2: {api_base: ...}}
          deployments:
            - {model: hosted_vllm/meta-llama/Llama-3.1-70B-Instruct, credentials: node1}
            - {model: hosted_vllm/meta-llama/Llama-3.1-70B-Instruct, credentials: node2}
    """

    def __init__(
        self,
        model: str,
        filepath: str = GatewayConfig.model_fields["cache_path"].default,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        **config: Any,
    ) -> None:
        """`filepath` is the response cache (named so Kedro resolves it against the project): a
        SQLite file, or a `postgresql://` server that every worker of a cluster shares."""
        self._config = GatewayConfig(model=model, cache_path=filepath, **config)
        self._credentials = (
            fleet_credentials(self._config, credentials)
            if self._config.deployments
            else Credentials(**(credentials or {}))
        )
        self.metadata = metadata
        self._gateway: LLMGateway | None = None

    @property
    def config(self) -> GatewayConfig:
        return self._config

    def estimate_only(self) -> None:
        """Make no call: the gateway, once loaded, answers with placeholders (an estimate)."""
        if self._gateway is not None and not self._config.estimate_only:
            raise RuntimeError("the gateway was loaded before the run became an estimate")
        self._config = self._config.model_copy(update={"estimate_only": True})

    def load(self) -> LLMGateway:
        # One gateway per catalog: every stage shares its cache connection and the loaded model.
        if self._gateway is None:
            self._gateway = open_gateway(self._config, self._credentials)
        return self._gateway

    def _describe(self) -> dict[str, Any]:
        # Credentials are left out on purpose: _describe ends up in logs and in Kedro-Viz.
        described = self._config.model_dump(mode="json")
        if is_postgres(self._config.cache_path):
            described["cache_path"] = without_password(self._config.cache_path)
        return described
