"""The base of datasets that only load: inputs edited by hand (skills, evaluation sets) and the
model clients. Kedro-Viz draws them as inputs; a node that tried to save one fails clearly."""

from typing import Generic, TypeVar

from kedro.io import AbstractDataset, DatasetError

Loaded = TypeVar("Loaded")


class ReadOnlyDataset(AbstractDataset[None, Loaded], Generic[Loaded]):
    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only")
