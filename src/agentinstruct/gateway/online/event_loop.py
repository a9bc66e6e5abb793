"""One event loop for the process's life, in a thread of its own, that runs every gateway call.

LiteLLM keeps an HTTP client, with its pool of open connections, per event loop. A new loop
per stage (`asyncio.run`) left each stage's client behind with its sockets open, since a client
on a closed loop cannot close: ~740 sockets and ~14,000 objects a partition's session, kept
until the process ended (a Dask worker runs several sessions). On one loop the process keeps one
client, and every stage and session reuses its connections. Callers that already run a loop of
their own (a notebook cell) block on this one instead of nesting theirs.
"""

import asyncio
import atexit
import contextlib
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import litellm

T = TypeVar("T")
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0  # the process that started the loop: a forked child inherits no loop thread


def run_on_gateway_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """`coroutine`'s result, run on the gateway's loop; an interrupted wait (Ctrl-C) cancels it."""
    loop = _gateway_loop()
    if _running_loop() is loop:  # waiting here would block the loop it waits on
        coroutine.close()
        raise RuntimeError("a blocking gateway call from a coroutine on the gateway's own loop")
    future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _gateway_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop, _loop_pid = asyncio.new_event_loop(), os.getpid()
            threading.Thread(target=_loop.run_forever, name="llm-gateway", daemon=True).start()
            atexit.register(_close_clients, _loop)
        return _loop


def _close_clients(loop: asyncio.AbstractEventLoop) -> None:
    """At exit, close LiteLLM's clients on the loop they belong to (after this, LiteLLM's own
    exit hook finds them closed), then stop the loop."""
    if loop.is_running():
        done = asyncio.run_coroutine_threadsafe(litellm.close_litellm_async_clients(), loop)
        with contextlib.suppress(Exception):  # exiting anyway: a client that will not close
            done.result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
