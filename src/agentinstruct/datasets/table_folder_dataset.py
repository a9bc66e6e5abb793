"""A folder of tables (JSON Lines, Parquet, CSV, Arrow) as one dataset: {file name: DataFrame}.

Users drop evaluation sets or chat datasets made elsewhere into a folder, in whichever of these
formats they have; the folder may be missing or empty (no tables). The folder is listed as the
raw folder is (`readers/raw_files.py`): a symbolic link is never followed, so nothing outside
the folder reaches the judge or the decontamination index; each one skipped is logged.
"""

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from kedro.io import DatasetError

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.readers.raw_files import RawFile, raw_files
from agentinstruct.readers.tables import TABLE_SUFFIXES, read_table

logger = logging.getLogger(__name__)


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
        for name, file in raw_files(self._path).items():
            suffix = Path(name).suffix.lower()
            if suffix not in self._suffixes:
                continue
            if not isinstance(file, RawFile):
                logger.warning("%s/%s: a symbolic link, never followed", self._path, name)
                continue
            try:
                tables[name] = self._read(name, suffix, file())
            except (ValueError, OSError, pa.ArrowException) as error:
                raise DatasetError(f"cannot read {self._path / name}: {error}") from error
        return tables

    def _read(self, name: str, suffix: str, data: bytes) -> pd.DataFrame:
        return read_table(TABLE_SUFFIXES[suffix], data)

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "suffixes": self._suffixes}
