"""A small JSON file that says a step finished, and loads as None where it has not.

A partition's session ends by writing one (`partition_done`): the partitioned run skips a
partition whose marker matches its documents and params, and the gather's nodes take it as an
input so that a single `whole` session still runs them after the partition's stages.
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
        super().save(json.dumps(data, indent=2).encode("utf-8"))
