"""The response cache in a SQLite file (the default): re-runs are reproducible and free, and
the file is safe to delete.

WAL mode with one transaction per entry (per provider batch in batch mode): an entry is written
as soon as its call completes, concurrent writers serialise, and a crash can lose at most the
calls in flight, never leave a torn entry.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agentinstruct.gateway.store.base import SharedStore
from agentinstruct.gateway.store.entries import CachedResponse, Run, entry_row


class SqliteStore(SharedStore):
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
