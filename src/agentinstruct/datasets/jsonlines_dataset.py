"""A list of JSON objects as a JSON Lines file, exactly as fine-tuning stacks read them.

pandas' JSON writer would put `null` where a row lacks a key (OpenAI's `tools`, a tool
message's `tool_call_id`); fine-tuning validators reject that, so records are written as given.
Reading goes a line at a time (`json_lines`), so a bad line is named by its number: this
dataset refuses the file there, the `curation` pipeline's reader keeps the line as a row.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kedro.io import DatasetError
from kedro_datasets._typing import JSONPreview

from agentinstruct.datasets.versioned_file import VersionedFileDataset


@dataclass(frozen=True)
class JSONLine:
    """A non-blank line: its number (from 1), its text, and the object on it or why none is."""

    number: int
    text: str
    record: dict[str, Any] | None
    error: str | None = None


def _parsed(line: str | bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    """(the line's text, the object on it, why there is none)."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
    except UnicodeDecodeError as error:
        return line.decode("utf-8", "replace"), None, f"not UTF-8: {error}"
    try:
        record = json.loads(text)
    except ValueError as error:
        return text, None, str(error)
    if not isinstance(record, dict):
        return text, None, f"not a JSON object but {type(record).__name__}"
    return text, record, None


def json_lines(lines: Iterable[str | bytes]) -> Iterator[JSONLine]:
    """Every non-blank line of a JSON Lines text, parsed: a line that is not one JSON object
    (cut short, hand-edited, a bare list, bytes that are not UTF-8) carries why instead of a
    record. Lines given as bytes are decoded one at a time, so a bad byte costs one line."""
    for number, line in enumerate(lines, start=1):
        text, record, error = _parsed(line)
        if text.strip():
            yield JSONLine(number, text.rstrip("\r\n"), record, error)


class JSONLinesDataset(VersionedFileDataset[list[dict], list[dict]]):
    """Versionable `.jsonl`: one object per line, UTF-8, keys in the order given."""

    def load(self) -> list[dict]:
        path = self._load_path_str()
        with self._fs.open(path, mode="r", encoding="utf-8") as file:
            return [self._record(path, line) for line in json_lines(file)]

    @staticmethod
    def _record(path: str, line: JSONLine) -> dict:
        if line.record is None:
            raise DatasetError(f"{path}, line {line.number}: {line.error}")
        return line.record

    def save(self, data: list[dict]) -> None:
        with self._fs.open(self._save_path_str(), mode="w", encoding="utf-8") as file:
            for record in data:
                file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def preview(self, nrows: int = 3) -> JSONPreview:
        """The first records, for Kedro-Viz's dataset panel."""
        records: list[Any] = []
        with self._fs.open(self._load_path_str(), mode="r", encoding="utf-8") as file:
            for line in json_lines(file):
                if len(records) == nrows:
                    break
                records.append(line.record)
        return JSONPreview({"first_records": records})
