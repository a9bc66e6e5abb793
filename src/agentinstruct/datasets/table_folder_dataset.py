"""A folder of tables (JSON Lines, Parquet, CSV) as one dataset: {file name: DataFrame}.

Users drop evaluation sets or chat datasets made elsewhere into a folder, in whichever of these
formats they have; the folder may be missing or empty (no tables).
"""

from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import DatasetError

from agentinstruct.datasets.read_only import ReadOnlyDataset

READERS = {
    ".jsonl": lambda path: pd.read_json(path, lines=True, dtype=False),
    ".parquet": pd.read_parquet,
    ".csv": lambda path: pd.read_csv(path, dtype=str, keep_default_na=False),
}


class TableFolderDataset(ReadOnlyDataset[dict[str, pd.DataFrame]]):
    """Read-only: every file of the chosen suffixes under `path`, by its relative path."""

    def __init__(
        self,
        path: str,
        suffixes: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._suffixes = suffixes or list(READERS)
        unknown = set(self._suffixes) - set(READERS)
        if unknown:
            raise DatasetError(f"no reader for {sorted(unknown)}; known: {sorted(READERS)}")
        self.metadata = metadata

    def load(self) -> dict[str, pd.DataFrame]:
        tables = {}
        if not self._path.is_dir():
            return tables
        for file in sorted(self._path.rglob("*")):
            if file.is_file() and file.suffix.lower() in self._suffixes:
                try:
                    tables[file.relative_to(self._path).as_posix()] = READERS[file.suffix.lower()](
                        file
                    )
                except (ValueError, OSError) as error:
                    raise DatasetError(f"cannot read {file}: {error}") from error
        return tables

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "suffixes": self._suffixes}
