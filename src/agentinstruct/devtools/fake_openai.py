"""A fake OpenAI-compatible chat server on 127.0.0.1, for benchmarks and tests.

It answers `/v1/chat/completions` after a fixed latency with JSON valid for the request's
`response_format` JSON schema (or its first tool's parameters): at the schema's smallest lengths,
or with `--natural` at the lengths a strong model writes, `maxLength` or not, cut at
`max_tokens` as a real endpoint cuts (`natural_answers.py`). It injects faults at given rates:
429 with Retry-After, 500, answers slower than the client's timeout, malformed JSON, output
truncated at max_tokens, 401 (a bad key) and a 400 that echoes the request's key back. It also
serves OpenAI's Batch API (`/v1/files`, `/v1/batches`, see `fake_batches.py`) and Anthropic's
Message Batches (`/v1/messages/batches`, `fake_message_batches.py`). Run it as a process:

    python -m agentinstruct.devtools.fake_openai --port 8765 --latency 0.2 --rate-429 0.1
"""

import argparse
import asyncio
import hashlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from agentinstruct.devtools.fake_batches import BatchFaults, FakeBatchAPI
from agentinstruct.devtools.fake_message_batches import FakeMessageBatches
from agentinstruct.devtools.natural_answers import natural_answer
from agentinstruct.gateway.estimate.placeholders import placeholder_answer

HOST = "127.0.0.1"
MAX_UPLOAD_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Faults:
    """Share of requests that meet each fault (drawn independently per request, in this order)."""

    rate_limited: float = 0.0
    server_error: float = 0.0
    timeout: float = 0.0
    malformed: float = 0.0
    truncated: float = 0.0
    unauthorized: float = 0.0  # 401, as for a bad key
    echo_key: float = 0.0  # 400 whose message quotes the request's Authorization header
    retry_after_s: float = 0.05
    timeout_s: float = 30.0


@dataclass
class FakeOpenAIServer:
    latency_s: float = 0.2
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    port: int = 0
    served: Counter = field(default_factory=Counter)
    batch_faults: BatchFaults = field(default_factory=BatchFaults)
    natural: bool = False  # answers at a strong model's lengths (see natural_answers.py)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.batch_api = FakeBatchAPI(
            self._completion, self._fault, self.served, self.batch_faults, seed=self.seed
        )
        self.message_batches = FakeMessageBatches(self.batch_api)
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)  # batch files reach 200 MB
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/stats", self._stats)
        self.batch_api.routes(app)
        self.message_batches.routes(app)
        return app

    async def _stats(self, request: web.Request) -> web.Response:
        """Requests served so far, by fault ("ok" for none): what a client really paid for."""
        return web.json_response(dict(self.served))

    def _fault(self) -> str | None:
        faults = self.faults
        for name, rate in [
            ("rate_limited", faults.rate_limited),
            ("server_error", faults.server_error),
            ("timeout", faults.timeout),
            ("malformed", faults.malformed),
            ("truncated", faults.truncated),
            ("unauthorized", faults.unauthorized),
            ("echo_key", faults.echo_key),
        ]:
            if rate and self._rng.random() < rate:
                return name
        return None

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        fault = self._fault()
        self.served[fault or "ok"] += 1
        await asyncio.sleep(self.latency_s)
        if fault == "rate_limited":
            return web.json_response(
                {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}},
                status=429,
                headers={"Retry-After": str(self.faults.retry_after_s)},
            )
        if fault == "server_error":
            return web.json_response(
                {"error": {"message": "boom", "type": "server_error"}}, status=500
            )
        if fault == "timeout":
            await asyncio.sleep(self.faults.timeout_s)
        if fault in ("unauthorized", "echo_key"):
            return _refused(fault, request.headers.get("Authorization", ""))
        return web.json_response(self._completion(body, fault))

    def _completion(self, body: dict[str, Any], fault: str | None = None) -> dict[str, Any]:
        return completion(body, fault, natural=self.natural)

    async def _serve(self, started: threading.Event) -> None:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        started.set()

    def start(self) -> "FakeOpenAIServer":
        """Serve from a background thread (for tests); returns once the port is known."""
        started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(started), self._loop)
        started.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None


def _refused(fault: str, authorization: str) -> web.Response:
    """A 401 for a bad key, or a careless proxy's 400 that echoes the request's key back."""
    if fault == "unauthorized":
        message = "Incorrect API key provided. You can find your API key at your dashboard."
        return web.json_response(
            {"error": {"message": message, "type": "invalid_request_error"}}, status=401
        )
    message = f"Bad request: header Authorization: {authorization} is not allowed here"
    return web.json_response({"error": {"message": message, "type": "bad_request"}}, status=400)


def completion(
    body: dict[str, Any], fault: str | None = None, natural: bool = False
) -> dict[str, Any]:
    """An OpenAI chat completion answering `body`; content depends only on the messages. A
    natural answer longer than `max_tokens` (4 characters a token) is cut there, with
    `finish_reason: length`, as a real endpoint cuts it."""
    prompt = json.dumps(body.get("messages", []), sort_keys=True)
    salt = hashlib.sha256(prompt.encode()).hexdigest()
    message: dict[str, Any] = {"role": "assistant", "content": None}
    text = natural_answer(body) if natural else placeholder_answer(body)
    tools = body.get("tools")
    if tools:
        message["tool_calls"] = [
            {
                "id": f"call_{salt[:12]}",
                "type": "function",
                "function": {"name": tools[0]["function"]["name"], "arguments": text},
            }
        ]
    else:
        message["content"] = text
    finish_reason = "tool_calls" if tools else "stop"
    cap = body.get("max_tokens") or body.get("max_completion_tokens")
    cut = None
    if fault in ("malformed", "truncated"):
        cut = text[: max(1, len(text) // 2)]
    elif natural and cap and len(text) // 4 + 1 > cap:  # a real endpoint stops at its cap
        cut, fault = text[: cap * 4], "truncated"
    if cut is not None:
        finish_reason = "length" if fault == "truncated" else finish_reason
        if tools:
            message["tool_calls"][0]["function"]["arguments"] = cut
        else:
            message["content"] = cut
    prompt_tokens = len(prompt) // 4 + 1
    completion_tokens = len(cut if cut is not None else text) // 4 + 1
    return {
        "id": f"chatcmpl-{salt[:16]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--natural", action="store_true", help="answers at a strong model's lengths"
    )
    for name in ("429", "500", "timeout", "malformed", "truncated", "401", "echo_key"):
        parser.add_argument(f"--rate-{name}", type=float, default=0.0)
    parser.add_argument("--timeout-s", type=float, default=30.0)
    parser.add_argument("--batch-failed-line", type=float, default=0.0)
    parser.add_argument("--batch-expired-line", type=float, default=0.0)
    parser.add_argument("--batch-completion-s", type=float, default=0.0)
    args = parser.parse_args()
    server = FakeOpenAIServer(
        latency_s=args.latency,
        seed=args.seed,
        port=args.port,
        natural=args.natural,
        faults=Faults(
            rate_limited=args.rate_429,
            server_error=args.rate_500,
            timeout=args.rate_timeout,
            malformed=args.rate_malformed,
            truncated=args.rate_truncated,
            unauthorized=args.rate_401,
            echo_key=args.rate_echo_key,
            timeout_s=args.timeout_s,
        ),
        batch_faults=BatchFaults(
            failed_line=args.batch_failed_line,
            expired_line=args.batch_expired_line,
            completion_s=args.batch_completion_s,
        ),
    )
    web.run_app(server._app(), host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
