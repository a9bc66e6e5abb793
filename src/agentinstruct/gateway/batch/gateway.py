"""Batch mode (`calls: batch`): a stage's uncached requests go to the provider's batch API.

Nodes call the same `generate()`. The requests the cache cannot answer become batch files (one
line per cache key, Instructor's request body), split by the provider's limits, submitted and
recorded in the ledger, then polled with a progress bar. Each answered line is parsed and
validated as Instructor parses a call, cached and priced at the batch rate. Lines that failed
or expired go into new batches (`batch.resubmits`); lines still unanswered after those, and
answers that fail their schema, are asked online, with Instructor's re-asks. An answer cut at
max_tokens or past a guard of its contract is a failure record: asked again, it would be again.
A re-run finds batches already submitted in the ledger and waits for them instead of
submitting again.
"""

import time
from collections.abc import Iterator
from typing import Any

import litellm
from tqdm.auto import tqdm

from agentinstruct.gateway.batch.anthropic import AnthropicBatches
from agentinstruct.gateway.batch.ledger import BatchLedger, LedgerEntry
from agentinstruct.gateway.batch.openai_files import OpenAIBatches, request_line
from agentinstruct.gateway.batch.provider import BATCH_PROVIDERS, BatchState, ProviderBatches
from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.online.engine import LLMGateway
from agentinstruct.gateway.online.errors import (
    FINAL_OUTPUT_FAILURES,
    answer_record,
    failure_record,
    is_transient,
)
from agentinstruct.gateway.online.instructor_internals import RequestBodies, parse_completion
from agentinstruct.gateway.records import LLMRequest, LLMResult
from agentinstruct.gateway.spend.budget import BudgetExhausted
from agentinstruct.gateway.store import CachedResponse

BATCH_HOLD_S = 2 * 24 * 3600.0  # a budget hold outlives the 24 h completion window
SCHEMA_FAILURES = (ValueError,)  # ValidationError, JSONDecodeError: asked online, re-asked


class BatchGateway(LLMGateway):
    """An `LLMGateway` whose cache misses are answered through the provider's batch API."""

    def __init__(
        self, config: GatewayConfig, credentials: Credentials | dict[str, Credentials] | None = None
    ) -> None:
        if config.deployments:
            raise ValueError("calls: batch needs one endpoint, not a list of deployments")
        super().__init__(config, credentials)
        provider_model, provider = litellm.get_llm_provider(config.model)[:2]
        if provider not in BATCH_PROVIDERS:
            raise ValueError(
                f"calls: batch works with {', '.join(BATCH_PROVIDERS)} (LiteLLM's batch API);"
                f" {config.model!r} is {provider}: use calls: online"
            )
        if provider == "anthropic" and config.mode != "tools":
            raise ValueError(
                "calls: batch with Anthropic needs mode: tools (LiteLLM reads Anthropic's batch"
                f" results as tool calls); this teacher has mode: {config.mode}"
            )
        self._provider_model = provider_model
        batches = AnthropicBatches if provider == "anthropic" else OpenAIBatches
        self._batches: ProviderBatches = batches(self._call_kwargs, config.batch.completion_window)
        self.ledger = BatchLedger(self._cache, self.model)
        self._bodies = RequestBodies(config.mode)

    def _answer(
        self, stage: str, requests: list[LLMRequest], keys: list[str], bar: tqdm
    ) -> list[LLMResult]:
        wanted = dict(zip(keys, requests, strict=True))  # a key asked twice is one line
        settled: dict[str, tuple[CachedResponse, float]] = {}
        pending = list(wanted)
        for _ in range(self.config.batch.resubmits + 1):
            if not pending:
                break
            pending = self._round(stage, wanted, pending, settled, bar)
        results: list[LLMResult | None] = [None] * len(requests)
        costed: set[str] = set()
        for index, (request, key) in enumerate(zip(requests, keys, strict=True)):
            if key in settled:
                response, cost_usd = settled[key]
                paid = response.error_type != BudgetExhausted.__name__
                results[index] = self._result(
                    stage,
                    request,
                    response,
                    cached=False,
                    attempts=int(paid),
                    latency_s=0.0,
                    cost_usd=0.0 if key in costed else cost_usd,
                )
                costed.add(key)
        online = [index for index, result in enumerate(results) if result is None]
        if online:  # still unanswered, or answered outside the schema: Instructor's re-asks
            answered = super()._answer(
                stage, [requests[i] for i in online], [keys[i] for i in online], bar
            )
            for index, result in zip(online, answered, strict=True):
                results[index] = result
        return results

    def _round(
        self,
        stage: str,
        wanted: dict[str, LLMRequest],
        pending: list[str],
        settled: dict[str, tuple[CachedResponse, float]],
        bar: tqdm,
    ) -> list[str]:
        """Submit what no batch holds yet, wait for every batch holding a pending key, collect;
        the keys whose lines failed or expired."""
        waiting: dict[str, LedgerEntry] = {}  # by batch id
        for entry in self.ledger.waiting(pending):  # a killed run's files and batches
            batch_id = entry.batch_id or self._started(entry.file_id, stage, resumed=True)
            if batch_id is not None:
                waiting[batch_id] = entry
        held = {key for entry in waiting.values() for key in entry.keys}
        new = self._within_budget_lines(
            [key for key in pending if key not in held], wanted, settled
        )
        for chunk_keys, data in self._chunks(new, wanted):
            file_id = self._batches.upload(data)
            self.ledger.record(file_id, stage, chunk_keys)
            waiting[self._started(file_id, stage)] = LedgerEntry(file_id, None, chunk_keys)
        retry: list[str] = []
        for batch_id, state in self._wait(waiting, bar):
            retry += self._collect(state, waiting[batch_id], wanted, settled, bar)
        pending_set = set(pending)
        return [key for key in retry if key in pending_set]

    def _started(self, file_id: str, stage: str, resumed: bool = False) -> str | None:
        """The batch of an uploaded file: for a file a killed run left, the one the provider
        may already run (killed before writing its id down); else a new one. Its id, written
        down; None for a file a killed run kept in its own memory (Anthropic's), whose lines
        are asked again."""
        batch_id = self._batches.find(file_id) if resumed else None
        if resumed and batch_id is None and not self._batches.keeps_files:
            self.ledger.collected(file_id)
            return None
        batch_id = batch_id or self._batches.start(file_id, {"stage": stage})
        self.ledger.started(file_id, batch_id)
        return batch_id

    def _within_budget_lines(
        self,
        keys: list[str],
        wanted: dict[str, LLMRequest],
        settled: dict[str, tuple[CachedResponse, float]],
    ) -> list[str]:
        """The keys whose hold fits the budget; the others become `budget exhausted` records
        (lines in flight settle only when their batch ends, so there is nothing to wait for)."""
        if self.budget is None:
            return keys
        fitting = []
        for key in keys:
            request = wanted[key]
            most_usd = self.pricing.most_usd(request, self._params(request)["max_tokens"], True)
            if not self._budget_spent_out and self.budget.hold(key, most_usd, BATCH_HOLD_S):
                fitting.append(key)
            else:
                self._budget_spent_out = True
                settled[key] = (failure_record(self.budget.exhausted(most_usd)), 0.0)
        return fitting

    def _chunks(
        self, keys: list[str], wanted: dict[str, LLMRequest]
    ) -> Iterator[tuple[list[str], bytes]]:
        """Batch files within the provider's limits on lines and bytes, with their keys."""
        limits = self.config.batch
        chunk_keys: list[str] = []
        lines: list[bytes] = []
        size = 0
        for key in keys:
            line = request_line(key, self._body(wanted[key]))
            full = len(lines) == limits.max_requests or size + len(line) > limits.max_bytes
            if lines and full:
                yield chunk_keys, b"".join(lines)
                chunk_keys, lines, size = [], [], 0
            chunk_keys.append(key)
            lines.append(line)
            size += len(line)
        if lines:
            yield chunk_keys, b"".join(lines)

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        body = self._bodies(request.response_model, request.messages, self._params(request))
        return {"model": self._provider_model, **body}

    def _wait(self, waiting: dict[str, LedgerEntry], bar: tqdm) -> Iterator[tuple[str, BatchState]]:
        """Each batch once it has ended, polling every `poll_s`; the bar's postfix shows the
        lines the provider has done so far."""
        open_batches = dict.fromkeys(waiting, 0)
        while open_batches:
            for batch_id in list(open_batches):
                try:
                    state = self._batches.state(batch_id)
                except Exception as error:
                    status = getattr(error, "status_code", None)
                    if status == 404:  # gone at the provider: its lines are asked again
                        state = BatchState("missing", 0, 0, 0, None, None)
                    elif _retryable(error, status):
                        continue  # the provider hiccuped: look again at the next poll
                    else:
                        raise
                if state.final:
                    del open_batches[batch_id]
                    yield batch_id, state
                else:
                    open_batches[batch_id] = state.completed + state.failed
            if open_batches:
                total = sum(len(waiting[batch_id].keys) for batch_id in open_batches)
                bar.set_postfix(
                    batches=len(open_batches),
                    provider_done=f"{sum(open_batches.values())}/{total}",
                    refresh=True,
                )
                time.sleep(self.config.batch.poll_s)

    def _collect(
        self,
        state: BatchState,
        entry: LedgerEntry,
        wanted: dict[str, LLMRequest],
        settled: dict[str, tuple[CachedResponse, float]],
        bar: tqdm,
    ) -> list[str]:
        """Cache a finished batch's valid answers; the keys to ask again."""
        retry, seen, answered = [], set(), []
        for line in self._batches.results(state):
            seen.add(line.key)
            request = wanted.get(line.key)
            if request is None:  # asked by an earlier run, not by this one: no schema to check
                continue
            if line.completion is None:
                retry.append(line.key)
                continue
            usage = line.completion.get("usage") or {}
            prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
            cost_usd = self.pricing.batch_usd(prompt, completion)
            if self.budget is not None:
                self.budget.settle(line.key, cost_usd)
            try:
                completion_object = litellm.ModelResponse(**line.completion)
                output = parse_completion(
                    completion_object, request.response_model, self.config.mode
                )
            except FINAL_OUTPUT_FAILURES as error:  # asked again, it would be cut again
                failed = failure_record(error, completion_object.usage)
                if self.config.cache_failures:
                    answered.append((line.key, failed))
                settled[line.key] = (failed, cost_usd)
                bar.update(1)
                continue
            except SCHEMA_FAILURES:
                continue  # left unsettled: asked online, where Instructor re-asks
            response = answer_record(output, prompt, completion)
            if response.content is not None:  # else redacting a quoted secret broke it
                answered.append((line.key, response))
            settled[line.key] = (response, cost_usd)
            bar.update(1)
        # one transaction for the batch; killed before it, the re-run collects the batch again
        self._cache.put_many(self.model, answered)
        retry += [key for key in entry.keys if key not in seen and key in wanted]
        self.ledger.collected(entry.file_id)
        return retry


def _retryable(error: Exception, status: int | None) -> bool:
    """A failure of the batch endpoints worth another look. LiteLLM passes the OpenAI SDK's
    errors through unmapped here, so they are told by status and by kind."""
    if status is not None:
        return status in (408, 409, 429) or status >= 500
    return is_transient(error) or type(error).__name__ in ("APIConnectionError", "APITimeoutError")
