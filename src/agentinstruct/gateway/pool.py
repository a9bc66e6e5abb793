"""Worker processes for batches whose bound is the client's CPU, not the endpoint.

LiteLLM and Instructor cost about 4 ms of CPU a call, so one process tops out near 250 calls/s
whatever the endpoint could take. With `workers: N` the calls of a batch that the cache cannot
answer are dealt round-robin to N processes, each running its own gateway with 1/N of the
concurrency and rate limits; they share the cache file (SQLite WAL).
"""

import math
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context
from typing import Any

from agentinstruct.gateway.config import Credentials, GatewayConfig

_worker_gateway: Any = None  # the gateway of this worker process


def _start_worker(config_json: str, credentials: Credentials) -> None:
    from agentinstruct.gateway.gateway import LLMGateway

    global _worker_gateway
    _worker_gateway = LLMGateway(GatewayConfig.model_validate_json(config_json), credentials)


def _run_share(stage: str, requests: list) -> list[tuple[str | None, dict[str, Any]]]:
    """Results as plain data: the validated JSON of each output and its call record."""
    results = _worker_gateway.generate(stage, requests)
    return [
        (None if result.output is None else result.output.model_dump_json(), asdict(result.record))
        for result in results
    ]


def _share_config(config: GatewayConfig) -> GatewayConfig:
    """One worker's part of the limits."""
    workers = config.workers

    def part(limit: float | None) -> float | None:
        return None if limit is None else limit / workers

    return config.model_copy(
        update={
            "workers": 1,
            "progress": False,
            "concurrency": math.ceil(config.concurrency / workers),
            "requests_per_minute": part(config.requests_per_minute),
            "tokens_per_minute": part(config.tokens_per_minute),
        }
    )


class WorkerPool:
    """Started on first use and kept for the gateway's life, so imports are paid once."""

    def __init__(self, config: GatewayConfig, credentials: Credentials) -> None:
        self.workers = config.workers
        self._executor = ProcessPoolExecutor(
            max_workers=config.workers,
            mp_context=get_context("spawn"),  # no fork of a process with threads and event loops
            initializer=_start_worker,
            initargs=(_share_config(config).model_dump_json(), credentials),
        )

    def run(self, stage: str, requests: list, on_done: Any) -> list[tuple[str | None, dict]]:
        """Answers in request order; `on_done(n)` is called as each share of n calls finishes."""
        shares = [list(range(start, len(requests), self.workers)) for start in range(self.workers)]
        futures = {
            self._executor.submit(_run_share, stage, [requests[i] for i in share]): share
            for share in shares
            if share
        }
        answers: list[Any] = [None] * len(requests)
        for future in as_completed(futures):
            share = futures[future]
            for index, answer in zip(share, future.result(), strict=True):
                answers[index] = answer
            on_done(len(share))
        return answers
