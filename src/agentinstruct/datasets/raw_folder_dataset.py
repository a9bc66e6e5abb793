"""The raw folder of a skill: {path inside it: loader of its bytes}, as PartitionedDataset loads
it, with two differences that matter for raw input.

Nothing outside the folder is read: symbolic links are not followed when listing, and each is
handed to ingestion as a `Symlink`, quarantined with its reason (readers/raw_files.py). And an
empty or missing folder is no corpus, not an error: it loads as {} (PartitionedDataset raises
"No partitions found").
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fsspec.utils import infer_storage_options
from kedro_datasets.partitions import PartitionedDataset

from agentinstruct.datasets.bytes_dataset import BytesDataset
from agentinstruct.readers.raw_files import raw_files


class RawFolderDataset(PartitionedDataset):
    """A folder of raw files of any type, loaded lazily; on an object store (which has no links)
    it lists as PartitionedDataset does."""

    def __init__(
        self,
        *,
        path: str,
        dataset: str | type | dict[str, Any] = BytesDataset,
        first: int | None = None,
        **kwargs: Any,
    ) -> None:
        """`first`: only the first files by name (a preview's); None: every file."""
        super().__init__(path=path, dataset=dataset, **kwargs)
        self._first = first

    def load(self) -> dict[str, Callable[[], bytes]]:
        if self._protocol == "file":
            files = raw_files(Path(infer_storage_options(self._path)["path"]))
        else:
            files = super().load() if self._exists() else {}
        if self._first is None:
            return files
        return {name: files[name] for name in sorted(files)[: self._first]}
