"""The held-out test pairs of every skill's latest run, as one dataset: {skill: DataFrame}.

`kedro run --pipeline=evaluate` scores students on the pairs each skill's gather held out
(`split == "test"`, flow/holdout.py). Which skills have such pairs is known only on disk, so
this dataset looks: each `<path>/<skill>/curated_pairs.parquet/<latest version>/`, read with a
filter on `split`, so a run of a million kept pairs loads its test split only; each row names
that version (`run_version`), which the report carries. A skill whose latest run predates the
split (no `split` column) is skipped, with a warning.
"""

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.datasets.versioned_file import latest_version

logger = logging.getLogger(__name__)

CURATED = "curated_pairs.parquet"
# What an evaluation reads of a test pair.
COLUMNS = [
    "pair_id",
    "skill",
    "doc_id",
    "question_type",
    "answer_format",
    "options",
    "reference_answer",
    "messages",
    "response",
    "tools",
]


class HeldOutPairsDataset(ReadOnlyDataset[dict[str, pd.DataFrame]]):
    """Read-only: the test split of each skill's latest `curated_pairs`, by skill name."""

    def __init__(
        self, path: str, exclude: list[str] | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        """`exclude`: folders under `path` that are not skills' (the standalone curation's)."""
        self._path = Path(path)
        self._exclude = set(exclude or [])
        self.metadata = metadata

    def load(self) -> dict[str, pd.DataFrame]:
        held_out = {}
        for folder in sorted(self._path.glob(f"*/{CURATED}")):
            latest = latest_version(folder)
            if latest is None or folder.parent.name in self._exclude:
                continue
            if "split" not in pq.read_schema(latest).names:
                logger.warning("%s has no split (a run before held-out splits): skipped", latest)
                continue
            test = pq.read_table(latest, columns=COLUMNS, filters=[("split", "=", "test")])
            if test.num_rows:  # the run it came from: a later run may hold out other documents
                held_out[folder.parent.name] = test.to_pandas().assign(
                    run_version=latest.parent.name
                )
        return held_out

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
