"""The one door to models: LiteLLM + Instructor, concurrency, cache, retries and accounting.

Nodes hand the gateway a batch of requests and get results back in the same order; a request
that still fails after its retries comes back as a failure record, never as a crash or a gap.
"""

import asyncio
import contextvars
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import instructor
import litellm
from pydantic import BaseModel
from tqdm.auto import tqdm

from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.embedded.provider import register_embedded_provider
from agentinstruct.gateway.online.errors import (
    MAX_BACKOFF_S,
    TIMEOUT_RETRIES,
    DeadlinePassed,
    FatalEndpointError,
    SecretInAnswer,
    answer_record,
    error_usage,
    failure_reason,
    failure_record,
    fatal_error,
    is_fatal,
    is_timeout,
    is_transient,
    redacted_output,
    refusal_text,
    retry_after_s,
    transport_cause,
)
from agentinstruct.gateway.online.event_loop import run_on_gateway_loop
from agentinstruct.gateway.online.fleet import build_router
from agentinstruct.gateway.online.instructor_internals import MODES, call_model, speed_up_instructor
from agentinstruct.gateway.online.providers import output_cap, require_api_key
from agentinstruct.gateway.online.throttle import Throttle
from agentinstruct.gateway.records import CallRecord, LLMRequest, LLMResult
from agentinstruct.gateway.spend.budget import Budget
from agentinstruct.gateway.spend.pricing import Pricing
from agentinstruct.gateway.store import CachedResponse, cache_key, open_store
from agentinstruct.redaction import redact, remember_secret
from agentinstruct.run_lock import RUN_STARTED_ENV
from agentinstruct.schemas.frames import is_permanent

litellm.suppress_debug_info = True
speed_up_instructor()
BUDGET_WAIT_S = 0.2  # how often a call the budget cannot fit yet looks again
_attempts: contextvars.ContextVar[list[int]] = contextvars.ContextVar("llm_attempts")


def _counted(complete: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """LiteLLM's acompletion (or a Router's) that counts its attempts (Instructor re-asks) for
    the calling task."""

    async def counted_acompletion(*args: Any, **kwargs: Any) -> Any:
        _attempts.get()[0] += 1
        return await complete(*args, **kwargs)

    return counted_acompletion


class LLMGateway:
    """Runs batches of structured LLM calls against one configured model."""

    def __init__(
        self,
        config: GatewayConfig,
        credentials: Credentials | dict[str, Credentials] | None = None,
    ) -> None:
        """`credentials`: the endpoint's, or each deployment's by name when `deployments`."""
        self.config = config
        self._generation = config.generation.model_dump(exclude_none=True)
        self._credentials = credentials or Credentials()
        for entry in _each(self._credentials):
            if entry.api_key is not None:
                remember_secret(entry.api_key.get_secret_value())
        self._deadline = _deadline(config.run_timeout_s)
        self._fatal: FatalEndpointError | None = None
        self.throttle = Throttle(
            config.concurrency, config.requests_per_minute, config.tokens_per_minute
        )
        register_embedded_provider()
        self.pricing = Pricing(config)  # registers a configured price with LiteLLM
        self._output_cap = output_cap(config)
        self._cache = open_store(config.cache_path)
        self.budget = self._open_budget()
        self._budget_spent_out = False
        if config.deployments:
            router = build_router(config, self._credentials)
            complete, self._call_kwargs = router.acompletion, {}
        else:
            if not config.estimate_only:  # an estimate makes no call: it needs no key
                require_api_key(config.model, self._credentials)
            complete = litellm.acompletion
            # the provider named once: LiteLLM would otherwise work it out on every call
            provider = litellm.get_llm_provider(config.model)[1]
            self._call_kwargs = {
                "custom_llm_provider": provider,
                **self._credentials.as_call_kwargs(),
            }
        self._client = instructor.from_litellm(_counted(complete), mode=MODES[config.mode])

    @property
    def model(self) -> str:
        return self.config.model

    def _open_budget(self) -> Budget | None:
        if self.config.budget_usd is None:
            return None
        if not self.pricing.known:
            raise ValueError(
                f"budget_usd needs a price for {self.pricing.model!r}, which LiteLLM's price map"
                " lacks: set input_cost_per_token and output_cost_per_token on the teacher's"
                " catalog entry."
            )
        return Budget(self._cache, self.config.budget_name or self.model, self.config.budget_usd)

    def generate(self, stage: str, requests: Sequence[LLMRequest]) -> list[LLMResult]:
        """Answer `requests` from the cache, the rest concurrently; results in request order."""
        requests = list(requests)
        keys = [self._cache_key(request) for request in requests]
        hits = self._cache.get_many(keys)
        results: list[LLMResult | None] = [
            self._result(stage, request, hit, cached=True, attempts=0, latency_s=0.0)
            if self._usable(hit := hits.get(key))
            else None
            for request, key in zip(requests, keys, strict=True)
        ]
        # Misses in prompt order, so calls that share a prefix (the same passage) run back to
        # back and a local model re-reads only what differs from the previous prompt.
        misses = sorted(
            (index for index, result in enumerate(results) if result is None),
            key=lambda index: [message["content"] or "" for message in requests[index].messages],
        )
        with tqdm(
            total=len(requests),
            initial=len(requests) - len(misses),
            desc=stage,
            unit="call",
            disable=not self.config.progress,
        ) as bar:
            if misses:
                asked = [requests[index] for index in misses]
                answered = self._answer(stage, asked, [keys[i] for i in misses], bar)
                for index, result in zip(misses, answered, strict=True):
                    results[index] = result
        return results

    def _answer(
        self, stage: str, requests: list[LLMRequest], keys: list[str], bar: tqdm
    ) -> list[LLMResult]:
        """The cache misses, answered concurrently in this process (a pool overrides this)."""

        async def run_all() -> list[LLMResult]:
            failed = 0

            async def run_one(request: LLMRequest, key: str) -> LLMResult:
                nonlocal failed
                result = await self._call(stage, request, key)
                failed += result.record.status == "failed"
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
                return result

            pairs = zip(requests, keys, strict=True)
            tasks = [asyncio.ensure_future(run_one(request, key)) for request, key in pairs]
            try:
                return list(await asyncio.gather(*tasks))
            except BaseException:  # a fatal answer: nothing queued behind it is sent
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise

        return run_on_gateway_loop(run_all())

    def _usable(self, hit: CachedResponse | None) -> bool:
        """An answer, or a failure the same request would meet again (cached by an earlier
        version for any reason: only a permanent one is kept)."""
        if hit is None:
            return False
        return hit.content is not None or (
            self.config.cache_failures and is_permanent(failure_reason(hit.error_type, hit.error))
        )

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        """The generation settings of a request: its own max_tokens, at most the model's cap."""
        max_tokens = request.max_tokens or self._generation["max_tokens"]
        if self._output_cap is not None:
            max_tokens = min(max_tokens, self._output_cap)
        if max_tokens == self._generation["max_tokens"]:
            return self._generation
        return {**self._generation, "max_tokens": max_tokens}

    def _timeout_s(self, max_tokens: int) -> float:
        """`timeout_s`, or by default a minute plus the time a slow endpoint (25 tokens a
        second) takes to write `max_tokens`: 80 s for 512, 6.5 min for 8,192."""
        if self.config.timeout_s is not None:
            return self.config.timeout_s
        return 60 + max_tokens / 25

    def _cache_key(self, request: LLMRequest) -> str:
        return cache_key(
            self.model,
            request.messages,
            request.response_model.model_json_schema(),  # built once per class (Contract)
            {**self._params(request), "mode": self.config.mode},
        )

    async def _call(self, stage: str, request: LLMRequest, key: str) -> LLMResult:
        """The retry policy around single attempts; the outcome is cached and recorded."""
        params = self._params(request)
        tokens = _estimated_tokens(request, params["max_tokens"])
        attempts = [0]  # Instructor's re-asks included, counted by _counted_acompletion
        _attempts.set(attempts)
        latency_s = 0.0  # time at the endpoint, not in the queue before it
        for retry in range(self.config.transport_retries + 1):
            attempt = await self._attempt(request, key, params, tokens)
            latency_s += attempt.latency_s
            if attempt.error is None or not await self._will_retry(attempt, retry):
                break
        response, cost_usd = self._settle(attempt, key)
        return self._result(
            stage,
            request,
            response,
            cached=False,
            attempts=attempts[0],
            latency_s=latency_s,
            cost_usd=cost_usd,
        )

    async def _attempt(
        self, request: LLMRequest, key: str, params: dict[str, Any], tokens: int
    ) -> "_Attempt":
        """One try, once the throttle and the budget allow it: an Instructor call with its
        re-asks."""
        async with self.throttle.slot(tokens):
            sent_at = time.monotonic()
            if self._fatal is not None:  # another call met a fatal answer while this one queued
                raise self._fatal
            if self._deadline is not None and time.time() > self._deadline:
                return _Attempt(sent_at, 0.0, error=DeadlinePassed(self.config.run_timeout_s))
            if self.budget is not None:
                most_usd = self.pricing.most_usd(request, params["max_tokens"])
                if not await self._within_budget(key, most_usd, params["max_tokens"]):
                    return _Attempt(sent_at, 0.0, error=self.budget.exhausted(most_usd))
            try:
                output, completion = await self._ask(request, params)
            except Exception as error:  # one bad call must not end the run: it becomes a record
                self._spent(key, error_usage(error))
                return _Attempt(sent_at, time.monotonic() - sent_at, error=error)
            latency_s = time.monotonic() - sent_at
            self._spent(key, getattr(completion, "usage", None))
        await self.throttle.succeeded()
        return _Attempt(sent_at, latency_s, output, completion)

    async def _within_budget(self, key: str, most_usd: float, max_tokens: int) -> bool:
        """Hold the most this call can cost; while it does not fit but calls are in flight (in
        any process), wait for them to settle; with none in flight, the budget is spent."""
        hold_s = self._timeout_s(max_tokens) * (self.config.transport_retries + 1) + 60
        while not self._budget_spent_out:
            if self.budget.hold(key, most_usd, hold_s):
                return True
            if self.budget.standing().holds == 0:
                self._budget_spent_out = True
            else:
                await asyncio.sleep(BUDGET_WAIT_S)
        return False

    def _spent(self, key: str, usage: Any) -> None:
        """Settle the call's hold at what its tokens cost (re-asks included in Instructor's
        usage)."""
        if self.budget is not None:
            usd = self.pricing.online_usd(
                _tokens(usage, "prompt_tokens"), _tokens(usage, "completion_tokens")
            )
            self.budget.settle(key, usd)

    async def _will_retry(self, attempt: "_Attempt", retry: int) -> bool:
        """True after backing off when the endpoint, not the request, failed and tries remain;
        misconfiguration (bad key, unknown model) ends the run."""
        cause = transport_cause(attempt.error)
        if is_fatal(attempt.error) or is_fatal(cause):
            if self._fatal is None:
                self._fatal = fatal_error(self.model, cause if is_fatal(cause) else attempt.error)
            raise self._fatal from None  # the endpoint's error is in the message, redacted
        if is_timeout(cause) and retry >= TIMEOUT_RETRIES:
            return False
        if is_transient(cause) and retry < self.config.transport_retries:
            await self._back_off(cause, retry, attempt.sent_at)
            return True
        return False

    def _settle(self, attempt: "_Attempt", key: str) -> tuple[CachedResponse, float]:
        """The attempt as a cache entry and its cost; answers are cached, and failures the
        same request would meet again too when `cache_failures` is on."""
        if attempt.error is not None:
            # what failed reads better than Instructor's wrapper around it (and names the reason)
            reported = transport_cause(attempt.error) or attempt.error
            response = failure_record(
                reported, error_usage(attempt.error), refusal_text(attempt.error)
            )
            if self.config.cache_failures and is_permanent(
                failure_reason(response.error_type, response.error)
            ):
                self._cache.put(key, self.model, response)
            return response, 0.0
        usage = getattr(attempt.completion, "usage", None)
        response = answer_record(
            attempt.output,
            _tokens(usage, "prompt_tokens"),
            _tokens(usage, "completion_tokens"),
        )
        if response.content is None:  # redacting a quoted secret broke the answer
            return response, 0.0
        self._cache.put(key, self.model, response)
        hidden = getattr(attempt.completion, "_hidden_params", None) or {}
        return response, float(hidden.get("response_cost") or 0.0)

    async def _ask(self, request: LLMRequest, params: dict[str, Any]) -> tuple[BaseModel, Any]:
        """One Instructor call (with its re-asks); transport retries are ours, not LiteLLM's."""
        return await self._client.chat.completions.create_with_completion(
            model=self.model,
            messages=request.messages,
            response_model=call_model(request.response_model),
            max_retries=self.config.max_retries,
            num_retries=0,
            timeout=self._timeout_s(params["max_tokens"]),
            drop_params=True,
            **params,
            **self._call_kwargs,
        )

    async def _back_off(self, error: Exception, retry: int, sent_at: float) -> None:
        """On 429 slow everyone down for Retry-After; on other transient errors, wait alone."""
        delay = retry_after_s(error)
        if isinstance(error, litellm.RateLimitError):
            pause = delay if delay is not None else 2.0**retry
            await self.throttle.rate_limited_for(pause, sent_at)
        else:
            await asyncio.sleep(min(MAX_BACKOFF_S, delay or 0.5 * 2.0**retry))

    def _result(
        self,
        stage: str,
        request: LLMRequest,
        response: CachedResponse,
        status: str = "ok",
        max_prompt_tokens: int | None = None,
        **record: Any,
    ) -> LLMResult:
        """`status` and `max_prompt_tokens` differ only for an estimate (`estimated`, a bound).
        A cache hit is redacted here (a cache written before redaction existed may hold a
        secret); a new answer or failure was redacted as it was settled."""
        output = (
            None
            if response.content is None
            else request.response_model.model_validate_json(response.content)
        )
        if record.get("cached"):
            response = replace(response, error=redact(response.error))
            if output is not None:
                try:
                    output = redacted_output(output)
                except SecretInAnswer as error:
                    kind = type(error).__name__
                    response = replace(response, content=None, error_type=kind, error=str(error))
                    output = None
        return LLMResult(
            request,
            output,
            CallRecord(
                stage=stage,
                item_id=request.item_id,
                model=self.model,
                status="failed" if output is None else status,
                max_tokens=self._params(request)["max_tokens"],
                max_prompt_tokens=response.prompt_tokens
                if max_prompt_tokens is None
                else max_prompt_tokens,
                prompt_tokens=response.prompt_tokens,
                completion_tokens=response.completion_tokens,
                error_type=response.error_type,
                error=response.error,
                reason=None
                if output is not None
                else failure_reason(response.error_type, response.error),
                **record,
            ),
        )


@dataclass(frozen=True)
class _Attempt:
    """One try at the endpoint: its output and completion, or the error it ended with."""

    sent_at: float
    latency_s: float
    output: BaseModel | None = None
    completion: Any = None
    error: Exception | None = None


def _each(credentials: Credentials | dict[str, Credentials]) -> list[Credentials]:
    return list(credentials.values()) if isinstance(credentials, dict) else [credentials]


def _deadline(run_timeout_s: float | None) -> float | None:
    """The epoch second after which no call starts: `run_timeout_s` after the run began (set
    for each run by `kedro run` or the project's hooks), or after this gateway opened."""
    if run_timeout_s is None:
        return None
    return float(os.environ.get(RUN_STARTED_ENV) or time.time()) + run_timeout_s


def _estimated_tokens(request: LLMRequest, max_tokens: int) -> int:
    """What a request may cost against a tokens-per-minute limit (4 characters a token)."""
    return sum(len(message["content"]) for message in request.messages) // 4 + max_tokens


def _tokens(usage: Any, field: str) -> int:
    return int(getattr(usage, field, 0) or 0)
