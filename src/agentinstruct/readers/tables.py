"""Datasets as seeds: every row of a JSONL, CSV, Parquet or Arrow table is one document.

A Hugging Face dataset saved with `save_to_disk` is a folder of Arrow stream files plus JSON
sidecars (`state.json`, `dataset_info.json`, `dataset_dict.json`); its rows are read from the
`.arrow` files and the sidecars are accounted for as metadata. Which column holds the text (and
the optional id, title and metadata columns) is set in `ingestion.table`.
"""

import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from agentinstruct.readers.decoding import decode
from agentinstruct.readers.extracted import Extracted

TABLE_SUFFIXES = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet", ".arrow": "arrow"}
TABLE_READERS = tuple(TABLE_SUFFIXES.values())
# What `datasets.Dataset.save_to_disk` writes beside the Arrow files.
SAVED_DATASET_SIDECARS = {"state.json", "dataset_info.json", "dataset_dict.json"}


@dataclass(frozen=True)
class TableColumns:
    """The columns a row's document is made from."""

    text: str = "text"
    id: str | None = None
    title: str | None = None
    metadata: tuple[str, ...] = ()


def _arrow(data: bytes) -> pa.Table:
    """An Arrow stream (what `save_to_disk` writes) or an Arrow file (Feather v2)."""
    try:
        return pa.ipc.open_stream(data).read_all()
    except pa.ArrowInvalid:
        return pa.ipc.open_file(data).read_all()


def read_table(reader: str, data: bytes, encoding: str | None = None) -> pd.DataFrame:
    """The table in a file's bytes; text formats are decoded as documents are (any encoding)."""
    if reader == "parquet":
        return pq.read_table(io.BytesIO(data)).to_pandas()
    if reader == "arrow":
        return _arrow(data).to_pandas()
    decoded = decode(data, encoding)
    if decoded.text is None:
        raise ValueError(decoded.reason)
    if reader == "jsonl":
        return pd.read_json(io.StringIO(decoded.text), lines=True, dtype=False)
    return pd.read_csv(io.StringIO(decoded.text), dtype=str, keep_default_na=False)


def _cell(value: Any) -> Any:
    """A cell as plain JSON: NaN and missing become None, numpy values Python ones."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def read_rows(
    reader: str, data: bytes, columns: TableColumns, encoding: str | None
) -> list[tuple[str, Extracted]]:
    """(record id, document) for every row of the table, in order. The record id is the id
    column's value, else the row number. Raises when the table cannot be read or lacks a
    column (the whole file is then quarantined)."""
    frame = read_table(reader, data, encoding)
    wanted = [columns.text, columns.id, columns.title, *columns.metadata]
    missing = [name for name in wanted if name is not None and name not in frame.columns]
    if missing:
        known = list(frame.columns)
        raise ValueError(f"no column {missing} (columns: {known}); see ingestion.table")
    return list(_rows(frame, columns, reader))


def _rows(
    frame: pd.DataFrame, columns: TableColumns, reader: str
) -> Iterator[tuple[str, Extracted]]:
    seen: set[str] = set()
    for number, record in enumerate(frame.to_dict(orient="records")):
        record_id = str(_cell(record[columns.id])) if columns.id else str(number)
        if record_id in seen:
            record_id = f"{record_id}@{number}"  # ids must name one row each
        seen.add(record_id)
        text, title = _cell(record[columns.text]), columns.title and _cell(record[columns.title])
        metadata = (
            json.dumps({name: _cell(record[name]) for name in columns.metadata}, default=str)
            if columns.metadata
            else None
        )
        if not isinstance(text, str):
            reason = f"no text: column {columns.text!r} holds {type(text).__name__}"
            yield record_id, Extracted(None, reason, reader)
            continue
        title = str(title) if title else None
        yield record_id, Extracted(text, None, reader, title=title, metadata=metadata)
