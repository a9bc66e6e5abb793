"""One cache entry: its key (everything that determines an answer) and what it stores."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CachedResponse:
    """A validated answer (`content`), or the schema failure the same request would meet again."""

    content: str | None
    prompt_tokens: int
    completion_tokens: int
    error_type: str | None = None
    error: str | None = None


def entry_row(key: str, model: str, response: CachedResponse) -> tuple:
    """One entry as the row both backends store: key, model, then the response's fields."""
    return (
        key,
        model,
        response.content,
        response.prompt_tokens,
        response.completion_tokens,
        response.error_type,
        response.error,
    )


def cache_key(
    model: str, messages: list[dict[str, str]], schema: dict[str, Any], params: dict[str, Any]
) -> str:
    """Everything that determines an answer, and nothing else (no keys, no endpoints)."""
    payload = json.dumps(
        {"model": model, "messages": messages, "schema": schema, "params": params},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# A ledger's SQL runner: a statement with `?` placeholders and its parameters -> its rows.
Run = Callable[[str, tuple], list[tuple]]
