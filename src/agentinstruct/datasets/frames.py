"""Frames loaded one at a time: how a run's large tables travel between a dataset and a node.

A view of every partition's output (`PartitionsDataset`) and a table read by row groups
(`FramesDataset(load_frames=True)`) load as `Frames`; a node hands `Frames` (or any iterable of
frames) to a `FramesDataset`, which writes them as they come. Nothing holds every frame at once
unless a node asks for it (`concat`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import pandas as pd

Part = TypeVar("Part")


@dataclass(frozen=True)
class Frames(Generic[Part]):
    """Parts loaded lazily, again on every iteration, in order: frames, or the small JSON
    summaries of a view of partitions (`Frames[dict]`)."""

    loaders: tuple[Callable[..., Part], ...]
    columns: tuple[str, ...] | None = None
    # the loaders take `columns=` and read only those (a Parquet row group): a report that
    # selects a few columns then never decodes the answers' text
    reads_columns: bool = False

    def __iter__(self) -> Iterator[Part]:
        for load in self.loaders:
            if self.columns is None:
                yield load()
            elif self.reads_columns:
                yield load(columns=list(self.columns))
            else:
                yield load()[list(self.columns)]  # type: ignore[index]

    def __add__(self, other: "Frames[Part]") -> "Frames[Part]":
        both = self.reads_columns and other.reads_columns
        return Frames(self.loaders + other.loaders, self.columns, both)

    def __len__(self) -> int:
        """How many parts (not rows)."""
        return len(self.loaders)

    def select(self, columns: list[str]) -> "Frames[Part]":
        """The same parts with only `columns`: what a report needs of large frames, without
        their text."""
        return Frames(self.loaders, tuple(columns), self.reads_columns)

    def concat(self) -> pd.DataFrame:
        """One frame of every part's rows (in memory: select the columns first)."""
        return pd.concat(list(self), ignore_index=True)  # type: ignore[arg-type]

    def rows(self) -> int:
        """How many rows the parts hold, loading one part at a time."""
        return sum(len(part) for part in self)  # type: ignore[arg-type]
