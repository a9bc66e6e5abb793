"""A folder of tables (JSON Lines, Parquet, CSV, Arrow) as one dataset: {file name: DataFrame}.

Users drop evaluation sets or chat datasets made elsewhere into a folder, in whichever of these
formats they have; the folder may be missing or empty (no tables).
"""

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from kedro.io import DatasetError

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.readers.tables import TABLE_SUFFIXES, read_table


class TableFolderDataset(ReadOnlyDataset[dict[str, pd.DataFrame]]):
    """Read-only: every file of the chosen suffixes under `path`, by its relative path."""

    def __init__(
        self,
        path: str,
        suffixes: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._path = Path(path)
        self._suffixes = suffixes or list(TABLE_SUFFIXES)
        unknown = set(self._suffixes) - set(TABLE_SUFFIXES)
        if unknown:
            raise DatasetError(f"no reader for {sorted(unknown)}; known: {sorted(TABLE_SUFFIXES)}")
        self.metadata = metadata

    def load(self) -> dict[str, pd.DataFrame]:
        tables = {}
        if not self._path.is_dir():
            return tables
        for file in sorted(self._path.rglob("*")):
            if file.is_file() and file.suffix.lower() in self._suffixes:
                try:
                    reader = TABLE_SUFFIXES[file.suffix.lower()]
                    tables[file.relative_to(self._path).as_posix()] = read_table(
                        reader, file.read_bytes()
                    )
                except (ValueError, OSError, pa.ArrowException) as error:
                    raise DatasetError(f"cannot read {file}: {error}") from error
        return tables

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "suffixes": self._suffixes}
