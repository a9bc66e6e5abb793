"""Which provider batches were submitted for which cache keys, in the cache database.

A batch file is recorded as soon as it is uploaded (`uploaded`), before its batch is started;
the batch's id is added once the provider accepts it (`submitted`); it stays there until its
results are in the cache (`collected`). A run killed at any point finds its files and batches
here on re-run: a file whose batch id was never written is looked up at the provider by its
file id (or started then), so no request is paid for twice. Any process sharing the cache (a
partition, a cluster worker) finds them too.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from agentinstruct.gateway.store import ResponseStore

_TABLES = (
    "CREATE TABLE IF NOT EXISTS batch_jobs (file_id TEXT PRIMARY KEY, batch_id TEXT,"
    " model TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL, lines INTEGER NOT NULL,"
    " submitted_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS batch_lines (file_id TEXT NOT NULL, key TEXT NOT NULL,"
    " PRIMARY KEY (file_id, key))",
    "CREATE INDEX IF NOT EXISTS batch_lines_by_key ON batch_lines (key)",
)
_KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class LedgerEntry:
    file_id: str
    batch_id: str | None  # None: uploaded, not known to be started
    keys: list[str]


class BatchLedger:
    def __init__(self, store: ResponseStore, model: str) -> None:
        self.store, self.model = store, model
        for statement in _TABLES:
            store.sql(statement)

    def record(self, file_id: str, stage: str, keys: list[str]) -> None:
        """An uploaded batch file and the keys of its lines."""
        with self.store.exclusively() as run:
            run(
                "INSERT INTO batch_jobs (file_id, batch_id, model, stage, state, lines,"
                " submitted_at) VALUES (?, NULL, ?, ?, 'uploaded', ?, ?)",
                (file_id, self.model, stage, len(keys), datetime.now(UTC).isoformat()),
            )
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[start : start + _KEYS_PER_QUERY]
                run(
                    "INSERT INTO batch_lines (file_id, key) VALUES"
                    f" {','.join(['(?, ?)'] * len(chunk))}",
                    tuple(value for key in chunk for value in (file_id, key)),
                )

    def started(self, file_id: str, batch_id: str) -> None:
        self.store.sql(
            "UPDATE batch_jobs SET batch_id = ?, state = 'submitted' WHERE file_id = ?",
            (batch_id, file_id),
        )

    def waiting(self, keys: list[str]) -> list[LedgerEntry]:
        """Files and batches not yet collected that hold any of `keys`, with all their keys."""
        file_ids: set[str] = set()
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = tuple(keys[start : start + _KEYS_PER_QUERY])
            rows = self.store.sql(
                "SELECT DISTINCT j.file_id FROM batch_lines l JOIN batch_jobs j"
                " ON j.file_id = l.file_id WHERE j.state <> 'collected' AND j.model = ?"
                f" AND l.key IN ({','.join('?' * len(chunk))})",
                (self.model, *chunk),
            )
            file_ids.update(row[0] for row in rows)
        entries = []
        for file_id in sorted(file_ids):
            batch_id = self.store.sql(
                "SELECT batch_id FROM batch_jobs WHERE file_id = ?", (file_id,)
            )[0][0]
            keys_of_file = self.store.sql(
                "SELECT key FROM batch_lines WHERE file_id = ? ORDER BY key", (file_id,)
            )
            entries.append(LedgerEntry(file_id, batch_id, [row[0] for row in keys_of_file]))
        return entries

    def collected(self, file_id: str) -> None:
        self.store.sql("UPDATE batch_jobs SET state = 'collected' WHERE file_id = ?", (file_id,))

    def states(self) -> dict[str, str]:
        """Every batch of this model (its id, or its file's while it has none) and its state."""
        rows = self.store.sql(
            "SELECT COALESCE(batch_id, file_id), state FROM batch_jobs WHERE model = ?",
            (self.model,),
        )
        return dict(rows)
