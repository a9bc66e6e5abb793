"""Where answers are kept: one `ResponseStore` protocol, a SQLite file by default or a PostgreSQL
server a cluster shares, and `open_store` to pick one by location."""

from pathlib import Path

from agentinstruct.gateway.store.base import ResponseStore
from agentinstruct.gateway.store.entries import CachedResponse, cache_key
from agentinstruct.gateway.store.postgres import PostgresStore, is_postgres
from agentinstruct.gateway.store.sqlite import SqliteStore


def open_store(location: str | Path) -> ResponseStore:
    """PostgreSQL for a `postgresql://` location, else a SQLite file at that path."""
    if isinstance(location, str) and is_postgres(location):
        return PostgresStore(location)
    return SqliteStore(location)


__all__ = [
    "CachedResponse",
    "PostgresStore",
    "ResponseStore",
    "SqliteStore",
    "cache_key",
    "open_store",
]
