"""A list of JSON objects as a JSON Lines file, exactly as fine-tuning stacks read them.

pandas' JSON writer would put `null` where a row lacks a key (OpenAI's `tools`, a tool
message's `tool_call_id`); fine-tuning validators reject that, so records are written as given.
"""

import json
from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io.core import (
    AbstractVersionedDataset,
    Version,
    VersionNotFoundError,
    get_filepath_str,
    get_protocol_and_path,
)
from kedro_datasets._typing import JSONPreview


class JSONLinesDataset(AbstractVersionedDataset[list[dict], list[dict]]):
    """Versionable `.jsonl`: one object per line, UTF-8, keys in the order given."""

    def __init__(
        self,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol)
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def load(self) -> list[dict]:
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="r", encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]

    def save(self, data: list[dict]) -> None:
        path = get_filepath_str(self._get_save_path(), self._protocol)
        self._fs.makedirs(str(PurePosixPath(path).parent), exist_ok=True)
        with self._fs.open(path, mode="w", encoding="utf-8") as file:
            for record in data:
                file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def preview(self, nrows: int = 3) -> JSONPreview:
        """The first records, for Kedro-Viz's dataset panel."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        records = []
        with self._fs.open(path, mode="r", encoding="utf-8") as file:
            for line in file:
                if len(records) == nrows:
                    break
                if line.strip():
                    records.append(json.loads(line))
        return JSONPreview({"first_records": records})

    def _exists(self) -> bool:
        try:
            path = get_filepath_str(self._get_load_path(), self._protocol)
        except VersionNotFoundError:  # no version saved yet
            return False
        return self._fs.exists(path)

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "protocol": self._protocol,
            "version": self._version,
        }
