"""The `curation` pipeline's input as a catalog entry: a folder of chat tables made elsewhere.

One truncated or hand-edited line of a JSON Lines file must neither fail a run of thousands of
rows nor vanish: it becomes a row of its own, the line as read in `messages` and what is wrong
with it in `read_error` (file, line number, the parser's message), which curation rejects as
`invalid_json`. Parquet files are read whole, as `TableFolderDataset` reads them.
"""

import pandas as pd

from agentinstruct.datasets.jsonlines_dataset import json_lines
from agentinstruct.datasets.table_folder_dataset import TableFolderDataset
from agentinstruct.readers.decoding import BYTE_ORDER_MARKS

READ_ERROR = "read_error"  # the column of a line that is not a JSON object


def _lines(data: bytes) -> list[str] | list[bytes]:
    """JSON Lines are UTF-8 (as JSON is), each line decoded on its own so that a bad byte costs
    one line; a file with a byte-order mark (UTF-16 from Windows tools) is decoded whole."""
    for mark, codec in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data.decode(codec).split("\n")
    return data.split(b"\n")


def read_chat_lines(name: str, data: bytes) -> pd.DataFrame:
    """A row per non-blank line, in file order: the line's object, or the line as text in
    `messages` with `read_error` saying where and why it is not one."""
    return pd.DataFrame(
        line.record
        if line.record is not None
        else {"messages": line.text, READ_ERROR: f"{name}, line {line.number}: {line.error}"}
        for line in json_lines(_lines(data))
    )


class ChatFolderDataset(TableFolderDataset):
    """Read-only: every `.jsonl` / `.parquet` file under `path` by its relative path, JSON Lines
    a line at a time (`read_chat_lines`)."""

    def _read(self, name: str, suffix: str, data: bytes) -> pd.DataFrame:
        if suffix == ".jsonl":
            return read_chat_lines(name, data)
        return super()._read(name, suffix, data)
