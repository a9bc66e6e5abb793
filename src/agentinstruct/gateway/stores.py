"""Which response cache a location names: a SQLite file, or a PostgreSQL server."""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from agentinstruct.gateway.cache import CachedResponse, ResponseCache, Run
from agentinstruct.gateway.postgres_cache import PostgresResponseCache, is_postgres


class ResponseStore(Protocol):
    """What the gateway needs of a cache backend."""

    def get_many(self, keys: list[str]) -> dict[str, CachedResponse]: ...
    def put(self, key: str, model: str, response: CachedResponse) -> None: ...
    def put_many(self, model: str, entries: list[tuple[str, CachedResponse]]) -> None: ...
    def sql(self, statement: str, params: tuple = ()) -> list[tuple]: ...
    def exclusively(self) -> AbstractContextManager[Run]: ...
    def __len__(self) -> int: ...
    def close(self) -> None: ...


def open_cache(location: str | Path) -> ResponseStore:
    """PostgreSQL for a `postgresql://` location, else a SQLite file at that path."""
    if isinstance(location, str) and is_postgres(location):
        return PostgresResponseCache(location)
    return ResponseCache(location)
