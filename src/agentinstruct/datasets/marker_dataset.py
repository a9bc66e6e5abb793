"""A small JSON file that says a step finished, and loads as None where it has not.

A partition's session ends by writing one (`partition_summary`): the partitioned run skips a
partition whose summary matches its documents and params, and the run report adds up the
counts the summaries carry.
"""

import json
from typing import Any

from agentinstruct.datasets.bytes_dataset import BytesDataset


class MarkerDataset(BytesDataset):
    """JSON on any fsspec filesystem; loading a missing file gives None, not an error."""

    def load(self) -> dict[str, Any] | None:  # type: ignore[override]
        return json.loads(super().load()) if self._exists() else None

    def save(self, data: dict[str, Any]) -> None:  # type: ignore[override]
        self._fs.makedirs(str(self._filepath.parent), exist_ok=True)
        # strict JSON: a NaN would be written as `NaN`, which other readers refuse
        super().save(json.dumps(data, indent=2, allow_nan=False).encode("utf-8"))
