"""What every provider's batch API gives the batch gateway: a batch's state, its result lines,
and the one way to read a state (LiteLLM's `retrieve_batch`, which covers every provider here).

OpenAI-format files (OpenAI, Azure OpenAI, vLLM's OpenAI server) are in `openai_files.py`,
Anthropic's Message Batches in `anthropic.py`; the gateway refuses batch mode for others.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import litellm

BATCH_PROVIDERS = ("openai", "azure", "hosted_vllm", "anthropic")
# "missing": the provider no longer knows the batch (ours, for a ledger entry it cannot find)
FINAL_STATES = ("completed", "expired", "failed", "cancelled", "missing")


@dataclass(frozen=True)
class BatchState:
    status: str
    total: int
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATES


@dataclass(frozen=True)
class BatchLine:
    """One answered or failed line: the chat completion, or why there is none."""

    key: str
    completion: dict[str, Any] | None
    error: str | None


class ProviderBatches(ABC):
    """The batch endpoints of one provider, with the teacher's credentials (`call_kwargs`): a
    file of requests is uploaded (or kept), started as a batch, polled, and its lines read."""

    keeps_files: bool  # whether an uploaded file outlives this process (a re-run starts it)

    def __init__(self, call_kwargs: dict[str, Any], completion_window: str = "24h") -> None:
        self._kwargs = dict(call_kwargs)
        self._completion_window = completion_window

    @abstractmethod
    def upload(self, data: bytes) -> str:
        """Hand over a batch file (JSONL of `openai_files.request_line`s); its file id."""

    @abstractmethod
    def start(self, file_id: str, metadata: dict[str, str]) -> str:
        """Start the batch of an uploaded file; its batch id."""

    @abstractmethod
    def find(self, file_id: str) -> str | None:
        """The batch started on `file_id`, if the provider can tell: for a run killed between
        starting a batch and writing its id down."""

    @abstractmethod
    def results(self, state: BatchState) -> Iterator[BatchLine]:
        """Every line of a finished batch, answered or not."""

    def state(self, batch_id: str) -> BatchState:
        batch = litellm.retrieve_batch(batch_id=batch_id, **self._kwargs)
        counts = batch.request_counts
        return BatchState(
            status=batch.status,
            total=getattr(counts, "total", 0) or 0,
            completed=getattr(counts, "completed", 0) or 0,
            failed=getattr(counts, "failed", 0) or 0,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
        )
