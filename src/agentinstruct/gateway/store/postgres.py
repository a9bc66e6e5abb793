"""The response cache in PostgreSQL, shared by every process on every machine of a cluster.

Chosen by giving the teacher's catalog entry a `postgresql://user@host:port/database` as its
`filepath`. The password comes the way libpq finds it (`PGPASSWORD`, `~/.pgpass`, a service
file), never from the catalog, so it is not logged. Entries are the SQLite cache's: one row per
cache key, written once its call completes (autocommit), so a worker that dies loses at most
its calls in flight and any other worker reuses every answer already written.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from agentinstruct.gateway.store.base import SharedStore
from agentinstruct.gateway.store.entries import CachedResponse, Run, entry_row

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

_COLUMNS = "content, prompt_tokens, completion_tokens, error_type, error"
_LEDGER_LOCK = 0x41474E54  # the advisory lock that serialises the ledgers' transactions
_UPSERT = (
    f"INSERT INTO responses (key, model, {_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (key) DO UPDATE SET model = EXCLUDED.model,"
    " content = EXCLUDED.content, prompt_tokens = EXCLUDED.prompt_tokens,"
    " completion_tokens = EXCLUDED.completion_tokens,"
    " error_type = EXCLUDED.error_type, error = EXCLUDED.error"
)


def is_postgres(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


def without_password(location: str) -> str:
    """The connection string safe to show: a password written into it is dropped."""
    settings = conninfo_to_dict(location)
    settings.pop("password", None)
    return make_conninfo(**settings)


class PostgresStore(SharedStore):
    """Validated responses by cache key, in the table `responses`."""

    def __init__(self, location: str) -> None:
        self.location = without_password(location)
        self._lock = threading.Lock()
        self._connection = psycopg.connect(location, autocommit=True)
        with self._lock:
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                " key TEXT PRIMARY KEY, model TEXT NOT NULL, content TEXT,"
                " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,"
                " error_type TEXT, error TEXT, created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )

    def get_many(self, keys: list[str]) -> dict[str, CachedResponse]:
        """Entries for the keys that have one, in one query."""
        if not keys:
            return {}
        with self._lock:
            rows = self._connection.execute(
                f"SELECT key, {_COLUMNS} FROM responses WHERE key = ANY(%s)", (keys,)
            ).fetchall()
        return {row[0]: CachedResponse(*row[1:]) for row in rows}

    def _execute(self, statement: str, params: tuple = ()) -> list[tuple]:
        cursor = self._connection.execute(statement.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def exclusively(self) -> Iterator[Run]:
        with self._lock, self._connection.transaction():
            self._connection.execute("SELECT pg_advisory_xact_lock(%s)", (_LEDGER_LOCK,))
            yield self._execute

    def put(self, key: str, model: str, response: CachedResponse) -> None:
        """One entry, one autocommitted statement: a round trip an online call, not three."""
        with self._lock:
            self._connection.execute(_UPSERT, entry_row(key, model, response))

    def put_many(self, model: str, entries: list[tuple[str, CachedResponse]]) -> None:
        """Entries in one transaction (a provider batch's answers: one commit)."""
        if not entries:
            return
        with self._lock, self._connection.transaction(), self._connection.cursor() as cursor:
            cursor.executemany(
                _UPSERT, [entry_row(key, model, response) for key, response in entries]
            )
