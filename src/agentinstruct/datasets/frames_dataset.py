"""A table as one Parquet or JSON Lines file, saved from a frame or from frames one at a time.

A run's gather writes every partition's pairs, calls and exports into one file each; handed a
frame at a time (`agentinstruct.datasets.frames.Frames`), this dataset writes them as they
come, so the writer never holds more than one partition's rows. Each frame is checked by the
Pandera model given as `schema` before it is written (Kedro's `validator:` checks whole values,
which a stream of frames is not; declare it with `on: [load]` for loads). Loading returns one
frame, as pandas' datasets do; with `load_frames` (the catalog's `@frames` form of a table) it
returns `Frames` that read the Parquet file a row group at a time (each frame written is one
or more row groups), so a later node reads the table a partition at a time too.
"""

import importlib
import json
import tempfile
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from kedro.io.core import DatasetError, Version

from agentinstruct.datasets.frames import Frames
from agentinstruct.datasets.versioned_file import VersionedFileDataset


def _model(path: str | None) -> Any:
    if path is None:
        return None
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _unified(schemas: list[pa.Schema]) -> pa.Schema:
    """Arrow types that hold every part, and pandas' dtypes (its metadata) from a part where the
    column has values: a column typed "empty" by one part would load as NaN, not None."""
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    metadata = [json.loads(part.metadata[b"pandas"]) for part in schemas]
    columns = {}
    for part in metadata:
        for column in part["columns"]:
            if columns.get(column["name"], {"pandas_type": "empty"})["pandas_type"] == "empty":
                columns[column["name"]] = column
    merged = {**metadata[0], "columns": [columns[c["name"]] for c in metadata[0]["columns"]]}
    return schema.with_metadata({b"pandas": json.dumps(merged).encode()})


class FramesDataset(VersionedFileDataset[pd.DataFrame, pd.DataFrame | Iterable[pd.DataFrame]]):
    """Versionable Parquet or JSON Lines table written a frame at a time."""

    def __init__(
        self,
        filepath: str,
        file_format: Literal["parquet", "jsonl"] = "parquet",
        schema: str | None = None,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
        load_frames: bool = False,
    ) -> None:
        """`schema`: dotted path of the Pandera `DataFrameModel` each saved frame must pass;
        `load_frames`: load lazily, as `Frames` of the file's row groups."""
        super().__init__(filepath, version, metadata)
        self._format = file_format
        self._schema_path = schema
        self._load_frames = load_frames

    def load(self) -> pd.DataFrame | Frames:  # type: ignore[override]
        path = self._load_path_str()  # the version loaded now, whenever the frames are read
        if self._load_frames:
            return self._row_groups(path)
        return self._read(path)

    def _row_groups(self, path: str) -> Frames:
        if self._format != "parquet":
            return Frames((lambda: self._read(path),))
        with self._fs.open(path, mode="rb") as file:
            groups = pq.ParquetFile(file).num_row_groups
        if not groups:  # a table of no rows: one empty frame, with its columns
            return Frames((lambda: self._read(path),))

        def group(number: int, columns: list[str] | None = None) -> pd.DataFrame:
            with self._fs.open(path, mode="rb") as file:
                return pq.ParquetFile(file).read_row_group(number, columns=columns).to_pandas()

        loaders = tuple(partial(group, number) for number in range(groups))
        return Frames(loaders, reads_columns=True)

    def _read(self, path: str) -> pd.DataFrame:
        with self._fs.open(path, mode="rb") as file:
            if self._format == "parquet":
                return pd.read_parquet(file)
            return pd.read_json(file, lines=True, dtype=False)

    def save(self, data: pd.DataFrame | Iterable[pd.DataFrame]) -> None:
        frames = [data] if isinstance(data, pd.DataFrame) else data
        path = self._save_path_str()
        checked = map(self._checked, frames)
        if self._format == "parquet":
            self._save_parquet(checked, path)
        else:
            with self._fs.open(path, mode="w", encoding="utf-8") as file:
                for frame in checked:
                    if len(frame):  # pandas' own JSON Lines, as `pandas.JSONDataset` writes
                        lines = frame.to_json(orient="records", lines=True, force_ascii=False)
                        file.write(lines if lines.endswith("\n") else lines + "\n")

    def _checked(self, frame: pd.DataFrame) -> pd.DataFrame:
        model = _model(self._schema_path)
        if model is None:
            return frame
        try:
            return model.validate(frame, lazy=True)
        except Exception as error:  # Pandera's SchemaErrors, named with this dataset's file
            raise DatasetError(
                f"{self._filepath}: a frame failed {self._schema_path}:\n{error}"
            ) from error

    def _save_parquet(self, frames: Iterable[pd.DataFrame], path: str) -> None:
        """One Parquet file whose column types hold every frame: a column that is all null in
        one partition is typed by the others, so parts are written first, then joined (frames
        without rows are left out unless every frame is empty)."""
        with tempfile.TemporaryDirectory() as folder:
            parts: list[Path] = []
            empty = None  # written only if no frame has a row: an empty frame types nothing
            for number, frame in enumerate(frames):
                if len(frame) or (empty is None and not parts):
                    path_of_part = Path(folder) / f"{number:06d}.parquet"
                    frame.to_parquet(path_of_part, index=False)
                    if len(frame):
                        parts.append(path_of_part)
                    else:
                        empty = path_of_part
            parts = parts or ([empty] if empty else [])
            if not parts:
                raise DatasetError(f"{self._filepath}: nothing to save (no frame)")
            schema = _unified([pq.read_schema(part) for part in parts])
            with self._fs.open(path, mode="wb") as file, pq.ParquetWriter(file, schema) as writer:
                for part in parts:
                    table = pq.read_table(part)
                    if not table.schema.equals(schema):  # a column typed null here
                        table = table.cast(schema)
                    writer.write_table(table)

    def _describe(self) -> dict[str, Any]:
        return {
            **super()._describe(),
            "file_format": self._format,
            "schema": self._schema_path,
            "load_frames": self._load_frames,
        }
