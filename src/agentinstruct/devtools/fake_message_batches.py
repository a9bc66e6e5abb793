"""Anthropic's Message Batches on the fake server: `/v1/messages/batches`, with the batch faults,
and the Messages endpoint (`/v1/messages`) that answers the same requests online.

Each request's `params` (an Anthropic Messages body with one tool) gets the chat endpoint's
answer to the same tool, as Anthropic's message. A batch's lines end evenly over
`completion_s` as `succeeded`, `errored` (`failed_line`) or `expired` (`expired_line`), and its
results are JSONL as Anthropic writes them. Counts go into the
server's `served`, as OpenAI's batches do (`batches`, `batch_lines`).
"""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from agentinstruct.devtools.fake_batches import FakeBatchAPI, public_view


@dataclass
class FakeMessageBatches:
    """Message batches in memory; outcomes, faults and counts are `batch_api`'s."""

    batch_api: FakeBatchAPI
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._online)
        app.router.add_post("/v1/messages/batches", self._create)
        app.router.add_get("/v1/messages/batches/{batch_id}", self._retrieve)
        app.router.add_get("/v1/messages/batches/{batch_id}/results", self._results)

    async def _online(self, request: web.Request) -> web.Response:
        """One request answered at once, as its batch line would be."""
        self.batch_api.served["ok"] += 1
        return web.json_response(self._message(await request.json()))

    async def _create(self, request: web.Request) -> web.Response:
        if "anthropic-version" not in request.headers:
            return _error(400, "anthropic-version header is required")
        requests = (await request.json())["requests"]
        batch_id = f"msgbatch_fake{len(self.batches) + 1:06d}"
        now = datetime.now(UTC)
        self.batches[batch_id] = {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": _counts(processing=len(requests)),
            "created_at": now.isoformat(),
            "expires_at": (now + timedelta(hours=24)).isoformat(),
            "ended_at": None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": None,
            "_requests": requests,
            "_started": time.monotonic(),
            "_results": None,
        }
        self.batch_api.served["batches"] += 1
        self.batch_api.served["batch_lines"] += len(requests)
        return web.json_response(public_view(self.batches[batch_id]))

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None:
            return _error(404, "No such batch")
        if batch["processing_status"] == "in_progress":
            self._advance(batch, request.url.origin())
        return web.json_response(public_view(batch))

    async def _results(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["batch_id"])
        if batch is None or batch["_results"] is None:
            return _error(404, "No results for this batch yet")
        text = "".join(json.dumps(line) + "\n" for line in batch["_results"])
        return web.Response(text=text, content_type="application/x-jsonl")

    def _advance(self, batch: dict[str, Any], origin: Any) -> None:
        """Progress by elapsed time; at the end, answer every request and keep the results."""
        total = len(batch["_requests"])
        elapsed = time.monotonic() - batch["_started"]
        completion_s = self.batch_api.faults.completion_s
        if elapsed < completion_s:
            done = int(total * elapsed / completion_s)
            batch["request_counts"] = _counts(processing=total - done, succeeded=done)
            return
        results = [self._result(line) for line in batch["_requests"]]
        kinds = [line["result"]["type"] for line in results]
        batch["_results"] = results
        batch["request_counts"] = _counts(
            succeeded=kinds.count("succeeded"),
            errored=kinds.count("errored"),
            expired=kinds.count("expired"),
        )
        batch["processing_status"] = "ended"
        batch["ended_at"] = datetime.now(UTC).isoformat()
        batch["results_url"] = f"{origin}/v1/messages/batches/{batch['id']}/results"

    def _result(self, line: dict[str, Any]) -> dict[str, Any]:
        outcome = self.batch_api.line_outcome()
        if outcome == "expired":
            result: dict[str, Any] = {"type": "expired"}
        elif outcome == "failed":
            error = {"type": "api_error", "message": "boom"}
            result = {"type": "errored", "error": {"type": "error", "error": error}}
        else:
            result = {"type": "succeeded", "message": self._message(line["params"])}
        return {"custom_id": line["custom_id"], "result": result}

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        """The answer to one Anthropic request: the chat endpoint's answer to its first tool."""
        tool = params["tools"][0]
        chat_body = {
            "model": params["model"],
            "messages": params["messages"],
            "tools": [{"function": {"name": tool["name"], "parameters": tool["input_schema"]}}],
        }
        return _as_message(params, self.batch_api.answer(chat_body, None))


def _as_message(params: dict[str, Any], completion: dict[str, Any]) -> dict[str, Any]:
    """The chat endpoint's answer to the same request, as Anthropic's message: a tool call."""
    call = completion["choices"][0]["message"]["tool_calls"][0]
    usage = completion["usage"]
    return {
        "id": completion["id"].replace("chatcmpl-", "msg_"),
        "type": "message",
        "role": "assistant",
        "model": params["model"],
        "content": [
            {
                "type": "tool_use",
                "id": call["id"].replace("call_", "toolu_"),
                "name": call["function"]["name"],
                "input": json.loads(call["function"]["arguments"]),
            }
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage["prompt_tokens"],
            "output_tokens": usage["completion_tokens"],
        },
    }


def _counts(
    processing: int = 0, succeeded: int = 0, errored: int = 0, expired: int = 0
) -> dict[str, int]:
    return {
        "processing": processing,
        "succeeded": succeeded,
        "errored": errored,
        "canceled": 0,
        "expired": expired,
    }


def _error(status: int, message: str) -> web.Response:
    return web.json_response(
        {"type": "error", "error": {"type": "invalid_request_error", "message": message}},
        status=status,
    )
