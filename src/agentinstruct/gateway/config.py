"""What a gateway needs to know about its model: typed, validated once, shown without secrets."""

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

# `local/<model>`: a model embedded in this process (gateway/embedded/provider.py), no endpoint.
EMBEDDED_PROVIDER = "local"


def is_embedded(model: str) -> bool:
    return model.startswith(f"{EMBEDDED_PROVIDER}/")


class GenerationParams(BaseModel):
    """Sampling settings; every field is part of the cache key."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(default=0.7, ge=0, le=2)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_tokens: int = Field(default=512, gt=0)
    seed: int | None = 42


class Deployment(BaseModel):
    """One endpoint serving the teacher's model: a vLLM server, an API key, a region."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="LiteLLM model name of this endpoint, e.g. hosted_vllm/llama")
    credentials: str | None = Field(
        default=None, description="its entry inside the teacher's credentials (api_key, api_base)"
    )
    weight: float = Field(default=1.0, gt=0, description="its share of the calls")


class BatchSettings(BaseModel):
    """How batch mode (`calls: batch`) uses a provider's batch API."""

    model_config = ConfigDict(extra="forbid")

    max_requests: int = Field(default=50_000, gt=0, description="lines per batch (OpenAI's cap)")
    max_bytes: int = Field(
        default=200_000_000, gt=0, description="bytes of a batch's input file (OpenAI: 200 MB)"
    )
    poll_s: float = Field(default=30.0, gt=0, description="seconds between looks at a batch")
    resubmits: int = Field(
        default=2,
        ge=0,
        description="new batches for lines that failed or expired; after them, online calls",
    )
    completion_window: Literal["24h"] = "24h"


class GatewayConfig(BaseModel):
    """One model endpoint and how to call it."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="LiteLLM model name, e.g. local/smollm2-135m-instruct")
    mode: Literal["json_schema", "tools", "json", "md_json"] = "json_schema"
    size_profile: str = Field(
        default="auto",
        description="the size profile of runs with this model (conf/base/size_profiles.yml);"
        " auto: compact for the embedded model, full for every other",
    )
    deployments: list[Deployment] = Field(
        default_factory=list,
        description="several endpoints serving `model`, balanced by LiteLLM's Router; `model` is"
        " then the fleet's name (and part of the cache key)",
    )
    generation: GenerationParams = GenerationParams()
    calls: Literal["online", "batch"] = Field(
        default="online",
        description="batch: a stage's uncached requests go to the provider's batch API (half"
        " price, results within the completion window); online: one HTTP call each",
    )
    batch: BatchSettings = BatchSettings()
    budget_usd: float | None = Field(
        default=None,
        ge=0,
        description="the most the calls named `budget_name` may spend, counted in the cache"
        " database across runs, partitions and workers; past it, items become failure records",
    )
    budget_name: str | None = Field(
        default=None, description="what the budget counts; default: the model's name"
    )
    estimate_only: bool = Field(
        default=False,
        description="make no call: answer with placeholders and record what each call would"
        " cost (the projection run)",
    )
    concurrency: int = Field(
        default=8, gt=0, description="most requests in flight; halved on each 429, then regrown"
    )
    requests_per_minute: float | None = Field(default=None, gt=0)
    tokens_per_minute: float | None = Field(
        default=None, gt=0, description="prompt (estimated) plus max_tokens of each request"
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="processes sharing a batch's calls; more than 1 when the client's CPU is the"
        " bound (LiteLLM + Instructor take ~4 ms a call)",
    )
    max_retries: int = Field(default=2, ge=0, description="re-asks after a schema failure")
    transport_retries: int = Field(
        default=3, ge=0, description="retries on 429, 5xx, timeouts and connection errors"
    )
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="seconds one request may take; default: a minute plus max_tokens at 25"
        " tokens a second (80 s for 512, 6.5 min for 8,192). A request that timed out is tried"
        " once more, not transport_retries times",
    )
    run_timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="seconds after the run's start past which no new call starts (calls in"
        " flight finish): the items left become failure records (`deadline`) that a re-run"
        " asks again",
    )
    input_cost_per_token: float | None = Field(
        default=None, ge=0, description="USD, for a model missing from LiteLLM's price map"
    )
    output_cost_per_token: float | None = Field(default=None, ge=0)
    cache_path: str = "data/llm_cache/responses.sqlite"
    cache_failures: bool = Field(
        default=True,
        description="also cache failures the same request would meet again (cut at max_tokens,"
        " past a guard, a well-formed answer outside its schema, a 400), so a re-run repeats"
        " them without calls; false asks them again. Transient failures (429, 5xx, timeouts,"
        " budget, refusals, invalid JSON) are never cached: a re-run asks them again",
    )
    progress: bool = True
    shared_by: int = Field(
        default=1,
        ge=1,
        description="processes calling the same endpoints at once (a partitioned run on a"
        " cluster sets it): each takes its share of concurrency and rate limits",
    )

    def share(self, parts: int) -> "GatewayConfig":
        """This config for one of `parts` processes: its part of the concurrency and limits."""
        if parts == 1:
            return self

        def part(limit: float | None) -> float | None:
            return None if limit is None else limit / parts

        return self.model_copy(
            update={
                "concurrency": math.ceil(self.concurrency / parts),
                "requests_per_minute": part(self.requests_per_minute),
                "tokens_per_minute": part(self.tokens_per_minute),
            }
        )


class Credentials(BaseModel):
    """Endpoint secrets from conf/local/credentials.yml; never logged, cached or saved."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = None
    api_base: str | None = None
    api_version: str | None = None

    def as_call_kwargs(self) -> dict[str, str]:
        kwargs = {"api_base": self.api_base, "api_version": self.api_version}
        if self.api_key is not None:
            kwargs["api_key"] = self.api_key.get_secret_value()
        return {name: value for name, value in kwargs.items() if value}
