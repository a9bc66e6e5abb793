"""What every response store is: the protocol the gateway uses, and what both backends share."""

import threading
from contextlib import AbstractContextManager
from typing import Any, Protocol

from agentinstruct.gateway.store.entries import CachedResponse, Run


class ResponseStore(Protocol):
    """What the gateway, the budget and the batch ledger need of a cache backend."""

    def get_many(self, keys: list[str]) -> dict[str, CachedResponse]: ...
    def put(self, key: str, model: str, response: CachedResponse) -> None: ...
    def put_many(self, model: str, entries: list[tuple[str, CachedResponse]]) -> None: ...
    def sql(self, statement: str, params: tuple = ()) -> list[tuple]: ...
    def exclusively(self) -> AbstractContextManager[Run]: ...
    def __len__(self) -> int: ...
    def close(self) -> None: ...


class SharedStore:
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
