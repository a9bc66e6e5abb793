"""The one door to models: LiteLLM + Instructor, concurrency, cache, retries and accounting.

Nodes hand the gateway a batch of requests and get results back in the same order; a request
that still fails after its retries comes back as a failure record, never as a crash or a gap.
"""

import asyncio
import contextvars
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import instructor
import litellm
from pydantic import BaseModel
from tqdm.auto import tqdm

from agentinstruct.gateway.cache import CachedResponse, ResponseCache, cache_key
from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.local_model import register_embedded_provider

INSTRUCTOR_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
# Misconfiguration fails the run at once instead of turning every item into a failure record.
FATAL_ERRORS = (
    litellm.AuthenticationError,
    litellm.PermissionDeniedError,
    litellm.NotFoundError,
)
ERROR_CHARS = 500

litellm.suppress_debug_info = True
_attempts: contextvars.ContextVar[list[int]] = contextvars.ContextVar("llm_attempts")


async def _counted_acompletion(*args: Any, **kwargs: Any) -> Any:
    """litellm.acompletion that counts its attempts (Instructor re-asks) for the calling task."""
    _attempts.get()[0] += 1
    return await litellm.acompletion(*args, **kwargs)


@dataclass(frozen=True)
class LLMRequest:
    """One structured call: `response_model` is its contract."""

    item_id: str
    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    max_tokens: int | None = None


@dataclass(frozen=True)
class CallRecord:
    """What one request cost and how it ended; a row of the stage's call log."""

    stage: str
    item_id: str
    model: str
    status: str
    cached: bool
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    error_type: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class LLMResult:
    request: LLMRequest
    output: BaseModel | None
    record: CallRecord


class LLMGateway:
    """Runs batches of structured LLM calls against one configured model."""

    def __init__(self, config: GatewayConfig, credentials: Credentials | None = None) -> None:
        self.config = config
        self._credentials = credentials or Credentials()
        self._cache = ResponseCache(config.cache_path)
        register_embedded_provider(litellm)
        self._client = instructor.from_litellm(
            _counted_acompletion, mode=INSTRUCTOR_MODES[config.mode]
        )

    @property
    def model(self) -> str:
        return self.config.model

    def generate(self, stage: str, requests: Sequence[LLMRequest]) -> list[LLMResult]:
        """Run `requests` concurrently; results come back in request order."""
        coroutine = self._generate(stage, list(requests))
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(coroutine)
        # Inside a running loop (a notebook): asyncio.run would fail, so use a worker thread.
        with ThreadPoolExecutor(max_workers=1) as worker:
            return worker.submit(asyncio.run, coroutine).result()

    async def _generate(self, stage: str, requests: list[LLMRequest]) -> list[LLMResult]:
        limit = asyncio.Semaphore(self.config.concurrency)
        failed = 0
        with tqdm(
            total=len(requests), desc=stage, unit="call", disable=not self.config.progress
        ) as bar:

            async def run_one(request: LLMRequest) -> LLMResult:
                nonlocal failed
                async with limit:
                    result = await self._call(stage, request)
                failed += result.record.status == "failed"
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
                return result

            return list(await asyncio.gather(*(run_one(request) for request in requests)))

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        params = self.config.generation.model_dump(exclude_none=True)
        if request.max_tokens is not None:
            params["max_tokens"] = request.max_tokens
        return params

    async def _call(self, stage: str, request: LLMRequest) -> LLMResult:
        params = self._params(request)
        key = cache_key(
            self.model,
            request.messages,
            request.response_model.model_json_schema(),
            {**params, "mode": self.config.mode},
        )
        record = {"stage": stage, "item_id": request.item_id, "model": self.model}
        if (hit := self._cache.get(key)) is not None:
            output = request.response_model.model_validate_json(hit.content)
            return LLMResult(
                request,
                output,
                CallRecord(
                    **record,
                    status="ok",
                    cached=True,
                    attempts=0,
                    prompt_tokens=hit.prompt_tokens,
                    completion_tokens=hit.completion_tokens,
                    latency_s=0.0,
                ),
            )

        attempts = [0]
        _attempts.set(attempts)
        started = time.perf_counter()
        try:
            output, completion = await self._client.chat.completions.create_with_completion(
                model=self.model,
                messages=request.messages,
                response_model=request.response_model,
                max_retries=self.config.max_retries,
                num_retries=self.config.transport_retries,
                timeout=self.config.timeout_s,
                drop_params=True,
                **params,
                **self._credentials.as_call_kwargs(),
            )
        except Exception as error:  # one bad call must not end the run: it becomes a record
            if isinstance(error, FATAL_ERRORS) or isinstance(error.__cause__, FATAL_ERRORS):
                raise
            usage = getattr(error, "total_usage", None)
            return LLMResult(
                request,
                None,
                CallRecord(
                    **record,
                    status="failed",
                    cached=False,
                    attempts=attempts[0],
                    prompt_tokens=_tokens(usage, "prompt_tokens"),
                    completion_tokens=_tokens(usage, "completion_tokens"),
                    latency_s=time.perf_counter() - started,
                    error_type=type(error).__name__,
                    error=str(error)[:ERROR_CHARS],
                ),
            )
        usage = getattr(completion, "usage", None)
        response = CachedResponse(
            content=output.model_dump_json(),
            prompt_tokens=_tokens(usage, "prompt_tokens"),
            completion_tokens=_tokens(usage, "completion_tokens"),
        )
        self._cache.put(key, self.model, response)
        return LLMResult(
            request,
            output,
            CallRecord(
                **record,
                status="ok",
                cached=False,
                attempts=attempts[0],
                prompt_tokens=response.prompt_tokens,
                completion_tokens=response.completion_tokens,
                latency_s=time.perf_counter() - started,
            ),
        )


def _tokens(usage: Any, field: str) -> int:
    return int(getattr(usage, field, 0) or 0)
