"""A provider's batch API through LiteLLM: upload a JSONL file of chat requests, start a batch,
read its state, download its output and error files.

LiteLLM's batch API covers OpenAI, Azure OpenAI and vLLM's OpenAI server (`hosted_vllm`), the
providers whose batch files are OpenAI's JSONL.
"""

import json
from collections.abc import Iterator
from typing import Any

import litellm

from agentinstruct.gateway.batch.provider import BatchLine, BatchState, ProviderBatches

ENDPOINT = "/v1/chat/completions"
LIST_PAGE, LIST_PAGES = 100, 10  # how far back `find` looks for a batch started on a file


class OpenAIBatches(ProviderBatches):
    """OpenAI-format batch files and batches (OpenAI, Azure OpenAI, vLLM's OpenAI server)."""

    keeps_files = True  # an uploaded file outlives this process: a re-run can start its batch

    def upload(self, data: bytes) -> str:
        """Upload a batch file (JSONL of `request_line`s); its file id."""
        return litellm.create_file(file=("batch.jsonl", data), purpose="batch", **self._kwargs).id

    def start(self, file_id: str, metadata: dict[str, str]) -> str:
        """Start the batch of an uploaded file; its batch id."""
        batch = litellm.create_batch(
            completion_window=self._completion_window,
            endpoint=ENDPOINT,
            input_file_id=file_id,
            metadata=metadata,
            **self._kwargs,
        )
        return batch.id

    def find(self, file_id: str) -> str | None:
        """The batch started on `file_id`, if the provider has one (newest first, a few pages):
        for a run killed between starting a batch and writing its id down."""
        after = None
        for _ in range(LIST_PAGES):
            page = litellm.list_batches(after=after, limit=LIST_PAGE, **self._kwargs)
            batches = list(page.data or [])
            for batch in batches:
                if batch.input_file_id == file_id:
                    return batch.id
            if not getattr(page, "has_more", False) or not batches:
                return None
            after = batches[-1].id
        return None

    def results(self, state: BatchState) -> Iterator[BatchLine]:
        """Every line of the output and error files, answered or not."""
        for file_id in (state.output_file_id, state.error_file_id):
            if file_id is None:
                continue
            content = litellm.file_content(file_id=file_id, **self._kwargs).content
            for text in content.decode("utf-8").splitlines():
                if text.strip():
                    yield _batch_line(json.loads(text))


def request_line(key: str, body: dict[str, Any]) -> bytes:
    """A batch file line, encoded; its custom id is the request's cache key."""
    line = {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}
    return (json.dumps(line, ensure_ascii=False) + "\n").encode()


def _batch_line(line: dict[str, Any]) -> BatchLine:
    response = line.get("response") or {}
    if line.get("error") is None and response.get("status_code") == 200:
        return BatchLine(line["custom_id"], response["body"], None)
    error = line.get("error") or (response.get("body") or {}).get("error") or {}
    reason = error.get("code") or error.get("type") or f"status {response.get('status_code')}"
    return BatchLine(line["custom_id"], None, f"{reason}: {error.get('message', '')}".strip())
