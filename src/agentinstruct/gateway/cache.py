"""Persistent response cache: re-runs are reproducible and free, and safe to delete.

Two backends with the same entries: SQLite (here; a file, the default) and PostgreSQL (a server
that every worker of a cluster shares, `postgres_cache.py`); `stores.open_cache` picks one.

SQLite in WAL mode with one transaction per entry (per provider batch in batch mode): an entry is
written as soon as its call completes, concurrent writers serialise, and a crash can lose at
most the calls in flight, never leave a torn entry.
"""

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


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


Run = Callable[[str, tuple], list[tuple]]


class ResponseTable:
    """What both backends do alike: count and close the `responses` table's connection, which
    each holds under a lock (`_connection`, `_lock`), and run the ledgers' SQL beside it (written
    with `?` placeholders and SQL that SQLite and PostgreSQL both read)."""

    _connection: Any
    _lock: threading.Lock

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        """One statement, committed; its rows if it returns any."""
        with self.exclusively() as run:  # each backend's: one transaction no process interleaves
            return run(statement, params)

    def __len__(self) -> int:
        with self._lock:
            return self._connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._connection.close()


class ResponseCache(ResponseTable):
    """Validated responses by cache key."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        with self._lock, self._connection:
            self._connection.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives a crash of this process (not of the OS) without an
            # fsync per entry, which cost ~0.5 ms a call.
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, model TEXT NOT NULL, content TEXT,"
                " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,"
                " error_type TEXT, error TEXT,"
                " created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )

    def get_many(self, keys: list[str]) -> dict[str, CachedResponse]:
        """Entries for the keys that have one: one query per 500 keys instead of one per call."""
        found: dict[str, CachedResponse] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            with self._lock:
                rows = self._connection.execute(
                    "SELECT key, content, prompt_tokens, completion_tokens, error_type, error"
                    f" FROM responses WHERE key IN ({','.join('?' * len(batch))})",
                    batch,
                ).fetchall()
            found.update({row[0]: CachedResponse(*row[1:]) for row in rows})
        return found

    def _execute(self, statement: str, params: tuple = ()) -> list[tuple]:
        return self._connection.execute(statement, params).fetchall()

    @contextmanager
    def exclusively(self) -> Iterator[Run]:
        # BEGIN IMMEDIATE takes the write lock before reading, so two processes cannot both
        # read the same total and both write a hold on it
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._execute
            except BaseException:
                self._connection.rollback()
                raise
            self._connection.commit()

    def put(self, key: str, model: str, response: CachedResponse) -> None:
        self.put_many(model, [(key, response)])

    def put_many(self, model: str, entries: list[tuple[str, CachedResponse]]) -> None:
        """Entries in one transaction: a provider batch's answers cost one commit, not one
        each (a commit per entry was ~3% of a batch-mode run's CPU)."""
        if not entries:
            return
        with self._lock, self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO responses (key, model, content, prompt_tokens,"
                " completion_tokens, error_type, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [entry_row(key, model, response) for key, response in entries],
            )
