"""The OpenAI Batch API of the fake server: `/v1/files` and `/v1/batches`, with batch faults.

A batch answers each line of its input file with the chat endpoint's answer (`completion`), in
output and error files as OpenAI writes them. Lines complete evenly over `completion_s`, so a
client polling it sees progress. Faults, drawn per line: `failed_line` (an error-file line with a
500 response), `expired_line` (not done in the window: status `expired`, an error-file line with
code `batch_expired`); the chat faults `malformed` / `truncated` also apply to output lines.
State lives in the server, so a client killed mid-batch finds its batch again.
"""

import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class BatchFaults:
    """Share of batch lines that fail or expire, and how long a batch takes to complete."""

    failed_line: float = 0.0
    expired_line: float = 0.0
    completion_s: float = 0.0


@dataclass
class FakeBatchAPI:
    """Files and batches in memory; `answer(body, fault)` is the chat endpoint's answer."""

    answer: Callable[[dict[str, Any], str | None], dict[str, Any]]
    chat_fault: Callable[[], str | None]
    served: Counter
    faults: BatchFaults = field(default_factory=BatchFaults)
    seed: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/files", self._upload)
        app.router.add_get("/v1/files/{file_id}", self._file)
        app.router.add_get("/v1/files/{file_id}/content", self._content)
        app.router.add_post("/v1/batches", self._create)
        app.router.add_get("/v1/batches", self._list)
        app.router.add_get("/v1/batches/{batch_id}", self._retrieve)
        app.router.add_post("/v1/batches/{batch_id}/cancel", self._cancel)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids):06d}"

    def _file_object(self, file_id: str, purpose: str = "batch") -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(self.files[file_id]),
            "created_at": int(time.time()),
            "filename": f"{file_id}.jsonl",
            "purpose": purpose,
            "status": "processed",
        }

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["file"]
        file_id = self._new_id("file")
        self.files[file_id] = upload.file.read() if hasattr(upload, "file") else bytes(upload)
        self.served["files"] += 1
        return web.json_response(self._file_object(file_id, str(form.get("purpose", "batch"))))

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return _not_found(f"No such file: {file_id}")
        return web.json_response(self._file_object(file_id))

    async def _content(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            return _not_found(f"No such file: {file_id}")
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        file_id = body["input_file_id"]
        if file_id not in self.files:
            return _not_found(f"No such file: {file_id}")
        lines = [json.loads(line) for line in self.files[file_id].splitlines() if line.strip()]
        batch_id = self._new_id("batch")
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint", "/v1/chat/completions"),
            "input_file_id": file_id,
            "completion_window": body.get("completion_window", "24h"),
            "status": "in_progress",
            "created_at": int(time.time()),
            "metadata": body.get("metadata"),
            "output_file_id": None,
            "error_file_id": None,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "_lines": lines,
            "_started": time.monotonic(),
        }
        self.served["batches"] += 1
        self.served["batch_lines"] += len(lines)
        return web.json_response(public_view(self.batches[batch_id]))

    async def _list(self, request: web.Request) -> web.Response:
        """Batches newest first, a page of `limit` after the id `after`."""
        ids = sorted(self.batches, reverse=True)
        after = request.query.get("after")
        if after in ids:
            ids = ids[ids.index(after) + 1 :]
        limit = int(request.query.get("limit", 20))
        page = [public_view(self.batches[batch_id]) for batch_id in ids[:limit]]
        return web.json_response(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(ids) > limit,
            }
        )

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _not_found("No such batch")
        if batch["status"] == "in_progress":
            self._advance(batch)
        return web.json_response(public_view(batch))

    async def _cancel(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _not_found("No such batch")
        if batch["status"] == "in_progress":
            batch["status"] = "cancelled"
        return web.json_response(public_view(batch))

    def _advance(self, batch: dict[str, Any]) -> None:
        """Progress by elapsed time; at the end, answer every line and write the files."""
        total = batch["request_counts"]["total"]
        elapsed = time.monotonic() - batch["_started"]
        if elapsed < self.faults.completion_s:
            done = int(total * elapsed / self.faults.completion_s)
            batch["request_counts"]["completed"] = done
            return
        outputs, errors = [], []
        for number, line in enumerate(batch["_lines"]):
            outcome = self.line_outcome()
            request_id = f"{batch['id']}-req{number}"
            if outcome == "expired":
                errors.append(_line(request_id, line["custom_id"], None, _EXPIRED))
            elif outcome == "failed":
                failure = {"error": {"message": "boom", "type": "server_error"}}
                errors.append(_line(request_id, line["custom_id"], (500, failure), None))
            else:
                answer = self.answer(line["body"], self.chat_fault())
                outputs.append(_line(request_id, line["custom_id"], (200, answer), None))
        batch["output_file_id"] = self._store(outputs)
        batch["error_file_id"] = self._store(errors)
        batch["request_counts"] = {
            "total": total,
            "completed": len(outputs),
            "failed": len(errors),
        }
        expired = any(error["error"] == _EXPIRED for error in errors)
        batch["status"] = "expired" if expired else "completed"

    def line_outcome(self) -> str:
        faults = self.faults
        if faults.expired_line and self._rng.random() < faults.expired_line:
            return "expired"
        if faults.failed_line and self._rng.random() < faults.failed_line:
            return "failed"
        return "ok"

    def _store(self, lines: list[dict[str, Any]]) -> str | None:
        if not lines:
            return None
        file_id = self._new_id("file")
        self.files[file_id] = "".join(json.dumps(line) + "\n" for line in lines).encode()
        return file_id


_EXPIRED = {
    "code": "batch_expired",
    "message": "This request could not be executed before the completion window expired.",
}


def _line(
    request_id: str,
    custom_id: str,
    response: tuple[int, dict[str, Any]] | None,
    error: dict[str, Any] | None,
) -> dict[str, Any]:
    """One line of an output or error file, as OpenAI writes it."""
    return {
        "id": request_id,
        "custom_id": custom_id,
        "response": None
        if response is None
        else {"status_code": response[0], "request_id": request_id, "body": response[1]},
        "error": error,
    }


def public_view(batch: dict[str, Any]) -> dict[str, Any]:
    """A batch as the API shows it: without the server's own fields (`_lines`, `_started`)."""
    return {name: value for name, value in batch.items() if not name.startswith("_")}


def _not_found(message: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": "invalid_request_error"}}, status=404
    )
