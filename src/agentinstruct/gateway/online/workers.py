"""Worker processes for batches whose bound is the client's CPU, not the endpoint.

LiteLLM and Instructor cost about 4 ms of CPU a call, so one process tops out near 250 calls/s
whatever the endpoint could take. With `workers: N` the calls of a batch that the cache cannot
answer are dealt round-robin to N processes, each running its own gateway with 1/N of the
concurrency and rate limits; they share the cache file (SQLite WAL).

Built on top of the gateway (it imports the gateway, never the reverse): `PooledGateway` is an
`LLMGateway` whose cache misses go to the workers; `opening.open_gateway` picks it when
`workers > 1`.
"""

import pickle
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any

import cloudpickle
from tqdm.auto import tqdm

from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.online.engine import LLMGateway
from agentinstruct.gateway.records import CallRecord, LLMRequest, LLMResult

_worker_gateway: LLMGateway | None = None  # the gateway of this worker process


def _start_worker(config_json: str, credentials: Credentials | dict[str, Credentials]) -> None:
    global _worker_gateway
    _worker_gateway = LLMGateway(GatewayConfig.model_validate_json(config_json), credentials)


def _run_share(stage: str, requests: bytes) -> list[tuple[str | None, CallRecord]]:
    """The validated JSON of each output (response models may not pickle) and its record.

    `requests` come cloudpickled: their response models are built at run time from a size
    profile (`schemas.llm_outputs.contracts`), classes pickle cannot find by name."""
    results = _worker_gateway.generate(stage, pickle.loads(requests))
    return [
        (None if result.output is None else result.output.model_dump_json(), result.record)
        for result in results
    ]


def _share_config(config: GatewayConfig) -> GatewayConfig:
    """One worker's part of the limits."""
    return config.share(config.workers).model_copy(update={"workers": 1, "progress": False})


class PooledGateway(LLMGateway):
    """A gateway whose cache misses are answered by worker processes, started on first use and
    kept for the gateway's life, so their imports are paid once."""

    def __init__(
        self, config: GatewayConfig, credentials: Credentials | dict[str, Credentials] | None = None
    ) -> None:
        super().__init__(config, credentials)
        self._executor: ProcessPoolExecutor | None = None

    def _workers(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.config.workers,
                mp_context=get_context("spawn"),  # no fork of a process with threads and loops
                initializer=_start_worker,
                initargs=(_share_config(self.config).model_dump_json(), self._credentials),
            )
        return self._executor

    def _answer(
        self, stage: str, requests: list[LLMRequest], keys: list[str], bar: tqdm
    ) -> list[LLMResult]:
        """Answers in request order; the bar moves as each worker's share finishes."""
        workers = self.config.workers
        shares = [list(range(start, len(requests), workers)) for start in range(workers)]
        futures = {
            self._workers().submit(
                _run_share, stage, cloudpickle.dumps([requests[i] for i in share])
            ): share
            for share in shares
            if share
        }
        answers: list[Any] = [None] * len(requests)
        for future in as_completed(futures):
            share = futures[future]
            for index, (content, record) in zip(share, future.result(), strict=True):
                request = requests[index]
                output = (
                    None if content is None else request.response_model.model_validate_json(content)
                )
                answers[index] = LLMResult(request, output, record)
            bar.update(len(share))
        return answers
