"""A list of JSON objects as a JSON Lines file, exactly as fine-tuning stacks read them.

pandas' JSON writer would put `null` where a row lacks a key (OpenAI's `tools`, a tool
message's `tool_call_id`); fine-tuning validators reject that, so records are written as given.
"""

import json
from typing import Any

from kedro_datasets._typing import JSONPreview

from agentinstruct.datasets.versioned_file import VersionedFileDataset


class JSONLinesDataset(VersionedFileDataset[list[dict], list[dict]]):
    """Versionable `.jsonl`: one object per line, UTF-8, keys in the order given."""

    def load(self) -> list[dict]:
        with self._fs.open(self._load_path_str(), mode="r", encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.strip()]

    def save(self, data: list[dict]) -> None:
        with self._fs.open(self._save_path_str(), mode="w", encoding="utf-8") as file:
            for record in data:
                file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def preview(self, nrows: int = 3) -> JSONPreview:
        """The first records, for Kedro-Viz's dataset panel."""
        records: list[Any] = []
        with self._fs.open(self._load_path_str(), mode="r", encoding="utf-8") as file:
            for line in file:
                if len(records) == nrows:
                    break
                if line.strip():
                    records.append(json.loads(line))
        return JSONPreview({"first_records": records})
