"""The gateway as a catalog entry: the catalog owns model and credentials, nodes get a client."""

from typing import Any

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.online.engine import LLMGateway
from agentinstruct.gateway.online.fleet import fleet_credentials
from agentinstruct.gateway.opening import open_gateway
from agentinstruct.gateway.store.postgres import is_postgres, without_password


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


def student_models(models: str | list[str]) -> list[str]:
    """The students' LiteLLM model names: a list, or one string with `;` between them (what
    `--params students=a;b` can carry, as Kedro splits `--params` at commas)."""
    names = models.split(";") if isinstance(models, str) else models
    names = [name.strip() for name in names if name and name.strip()]
    if not names:
        raise ValueError("student_llms: name at least one model")
    return list(dict.fromkeys(names))


class StudentGatewaysDataset(ReadOnlyDataset[dict[str, LLMGateway]]):
    """Loads one `LLMGateway` per student model, by model name; read-only.

    The students of `kedro run --pipeline=evaluate` are catalog entries like the teacher (their
    settings follow the teacher's, as a judge of another model does; config_loader.py), so the
    cache, the budget, batch mode and the estimate apply to them alike. Example::

        student_llms:
          type: agentinstruct.gateway.dataset.StudentGatewaysDataset
          models: [local/smollm2-135m-instruct, hosted_vllm/my-org/llama-3-8b-ours]
          credentials: students     # api_base / api_key shared by every student (optional)
          generation: {temperature: 0.0, max_tokens: 512, seed: 42}
    """

    def __init__(
        self,
        models: str | list[str],
        filepath: str = GatewayConfig.model_fields["cache_path"].default,
        credentials: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        **config: Any,
    ) -> None:
        self._configs = {
            model: GatewayConfig(model=model, cache_path=filepath, **config)
            for model in student_models(models)
        }
        self._credentials = Credentials(**(credentials or {}))
        self.metadata = metadata
        self._gateways: dict[str, LLMGateway] | None = None

    @property
    def configs(self) -> dict[str, GatewayConfig]:
        return dict(self._configs)

    def estimate_only(self) -> None:
        """Make no call: every student answers with placeholders (an estimate)."""
        if self._gateways is not None:
            raise RuntimeError("the students were loaded before the run became an estimate")
        self._configs = {
            model: config.model_copy(update={"estimate_only": True})
            for model, config in self._configs.items()
        }

    def load(self) -> dict[str, LLMGateway]:
        if self._gateways is None:
            self._gateways = {
                model: open_gateway(config, self._credentials)
                for model, config in self._configs.items()
            }
        return self._gateways

    def _describe(self) -> dict[str, Any]:
        # Credentials are left out on purpose: _describe ends up in logs and in Kedro-Viz.
        described = {model: c.model_dump(mode="json") for model, c in self._configs.items()}
        for config in described.values():
            if is_postgres(config["cache_path"]):
                config["cache_path"] = without_password(config["cache_path"])
        return {"students": described}
