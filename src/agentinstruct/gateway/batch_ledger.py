"""Which provider batches were submitted for which cache keys, in the cache database.

A batch is recorded as soon as the provider accepts it and stays `submitted` until its results
are in the cache (`collected`). A run killed while it waits finds its batches here on re-run and
waits for them instead of paying for the same requests again; any process sharing the cache
(a partition, a cluster worker) finds them too.
"""

from datetime import UTC, datetime

from agentinstruct.gateway.stores import ResponseStore

_TABLES = (
    "CREATE TABLE IF NOT EXISTS batch_jobs (batch_id TEXT PRIMARY KEY, model TEXT NOT NULL,"
    " stage TEXT NOT NULL, state TEXT NOT NULL, lines INTEGER NOT NULL,"
    " submitted_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS batch_lines (batch_id TEXT NOT NULL, key TEXT NOT NULL,"
    " PRIMARY KEY (batch_id, key))",
    "CREATE INDEX IF NOT EXISTS batch_lines_by_key ON batch_lines (key)",
)
_KEYS_PER_QUERY = 500


class BatchLedger:
    def __init__(self, store: ResponseStore, model: str) -> None:
        self.store, self.model = store, model
        for statement in _TABLES:
            store.sql(statement)

    def record(self, batch_id: str, stage: str, keys: list[str]) -> None:
        with self.store.exclusively() as run:
            run(
                "INSERT INTO batch_jobs (batch_id, model, stage, state, lines, submitted_at)"
                " VALUES (?, ?, ?, 'submitted', ?, ?)",
                (batch_id, self.model, stage, len(keys), datetime.now(UTC).isoformat()),
            )
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[start : start + _KEYS_PER_QUERY]
                run(
                    "INSERT INTO batch_lines (batch_id, key) VALUES"
                    f" {','.join(['(?, ?)'] * len(chunk))}",
                    tuple(value for key in chunk for value in (batch_id, key)),
                )

    def submitted(self, keys: list[str]) -> dict[str, list[str]]:
        """Batches still waiting for collection that hold any of `keys`, with all their keys."""
        batch_ids: set[str] = set()
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = tuple(keys[start : start + _KEYS_PER_QUERY])
            rows = self.store.sql(
                "SELECT DISTINCT j.batch_id FROM batch_lines l JOIN batch_jobs j"
                " ON j.batch_id = l.batch_id WHERE j.state = 'submitted' AND j.model = ?"
                f" AND l.key IN ({','.join('?' * len(chunk))})",
                (self.model, *chunk),
            )
            batch_ids.update(row[0] for row in rows)
        return {
            batch_id: [
                row[0]
                for row in self.store.sql(
                    "SELECT key FROM batch_lines WHERE batch_id = ? ORDER BY key", (batch_id,)
                )
            ]
            for batch_id in sorted(batch_ids)
        }

    def collected(self, batch_id: str) -> None:
        self.store.sql("UPDATE batch_jobs SET state = 'collected' WHERE batch_id = ?", (batch_id,))

    def states(self) -> dict[str, str]:
        """Every batch of this model and its state (for reports and tests)."""
        rows = self.store.sql(
            "SELECT batch_id, state FROM batch_jobs WHERE model = ?", (self.model,)
        )
        return dict(rows)
