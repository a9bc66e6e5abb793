"""One output of every partition of a run, as one dataset: the view a run's last step reads.

Each partition's session writes its outputs under `<path>/<partition>/`; the corpus's
partition index (`partition_index.json`) names the partitions. This dataset owns which of them
a run reads, so no node takes the index or the runtime partition only to find its inputs:
the one `whole` folder after a single session ran everything (the runtime `partition` left at
its default), or every partition of the index, in its order, after a partitioned run. In the
catalog it is the `@partitions` form of a partition's output (Kedro transcoding), so Kedro
orders the nodes that read it after the node that writes it, and Kedro-Viz draws one dataset.
"""

import json
import re
from typing import Any

import fsspec
from kedro.io.core import DatasetError, get_protocol_and_path, parse_dataset_definition

from agentinstruct.datasets.frames import Frames
from agentinstruct.datasets.read_only import ReadOnlyDataset

WHOLE = "whole"  # the partition of a single session that runs every stage on the whole corpus
# The runtime `partition` of a partitioned run's last session (tag `gather`): every partition
# of the index (any value but `whole` reads them all).
ALL_PARTITIONS = "all"
_NAME = re.compile(r"\d{5,}-of-\d{5,}")  # `partition_name`'s: never a path of its own


class PartitionsDataset(ReadOnlyDataset[Frames]):
    """Loads `Frames`: each partition's `<path>/<partition>/<filename>`, one at a time."""

    def __init__(
        self,
        path: str,
        partition_file: str,
        index: dict[str, str],
        partition: str = WHOLE,
        dataset: str = "pandas.ParquetDataset",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """`partition_file`: the file's name in each partition's folder; `index`: the partition
        index's JSON file, as `{filepath: ...}` (so that Kedro makes it absolute, as it does a
        dataset's); `partition`: the run's runtime partition (`whole`, or any other value for
        every partition of the index); `dataset`: the type that loads one partition's file."""
        self._path = path.rstrip("/")
        self._filename = partition_file
        self._index = index["filepath"]
        self._partition = partition
        self._dataset = dataset
        self.metadata = metadata

    def names(self) -> list[str]:
        """The partitions this run reads, in the index's order."""
        if self._partition == WHOLE:
            return [WHOLE]
        protocol, path = get_protocol_and_path(self._index)
        filesystem = fsspec.filesystem(protocol)
        if not filesystem.exists(path):
            raise DatasetError(f"{self._index}: no partition index; ingest the corpus first")
        with filesystem.open(path, encoding="utf-8") as file:
            names = [str(entry["name"]) for entry in json.load(file)["partitions"]]
        odd = [name for name in names if not _NAME.fullmatch(name)]
        if odd:
            raise DatasetError(f"{self._index}: {odd} are not partition names; ingest again")
        return names

    def reading(self, partition: str) -> "PartitionsDataset":
        """The same view for another run's partition (a notebook reads the last run's)."""
        index = {"filepath": self._index}
        return PartitionsDataset(
            self._path, self._filename, index, partition, self._dataset, self.metadata
        )

    def load(self) -> Frames:
        datasets = [self._one(name) for name in self.names()]
        missing = [name for name, dataset in datasets if not dataset.exists()]
        if missing:
            hint = (
                f" (after a partitioned run, its last step reads every partition: add"
                f" --params=partition={ALL_PARTITIONS})"
                if self._partition == WHOLE
                else ""
            )
            raise DatasetError(
                f"{self._path}: partitions {missing} have no {self._filename} yet; run the flow"
                f" again (complete partitions are skipped){hint}"
            )
        return Frames(tuple(dataset.load for _, dataset in datasets))

    def _one(self, name: str) -> tuple[str, Any]:
        filepath = f"{self._path}/{name}/{self._filename}"
        dataset_class, config = parse_dataset_definition({"type": self._dataset})
        return name, dataset_class(filepath=filepath, **config)

    def _exists(self) -> bool:
        try:
            return all(dataset.exists() for _, dataset in map(self._one, self.names()))
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {
            "path": self._path,
            "partition_file": self._filename,
            "partition": self._partition,
            "dataset": self._dataset,
        }
