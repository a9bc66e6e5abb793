"""The last step of a run (tag `gather`): what must see every partition's outputs at once.

Deduplication compares every pair with every other, the pairs datasets, the call log and the
exports hold the whole run, and the report counts everything. None of it holds every partition's
rows at once: the partitions' outputs arrive as `Frames` (their `@partitions` form, a
`PartitionsDataset` that knows which partitions the run has), are handed to their datasets a
partition at a time and written as they come; deduplication keeps a few short columns per pair
and one signature per duplicate cluster (`pair_decisions`), and the kept and rejected pairs
apply those decisions partition by partition. The exports and the report read the kept pairs
back a row group at a time (`curated_pairs@frames`).
"""

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

import pandas as pd

from agentinstruct.curation.selection import decisions_by_frame, pair_decisions, split_pairs
from agentinstruct.datasets.frames import Frames
from agentinstruct.flow.exports import EXPORT_FORMATS, EXPORT_NAMES, EXPORTED_COLUMNS
from agentinstruct.flow.holdout import SPLITS, splits_of
from agentinstruct.params import EvaluationParams, FlowParams

STAGE_CALL_LOGS = ["transformation", "instruction", "refinement", "answer", "judge"]


def gather_pairs(pairs: Frames) -> tuple[Frames, Frames]:
    """Every pair of the run (`PairSchema`), a partition at a time, for the JSONL and the
    Parquet dataset."""
    return pairs, pairs


def gather_call_logs(**stages: Frames) -> Frames:
    """Every LLM call of the run (`CallLogSchema`): each stage's, a partition at a time."""
    logs = list(stages.values())
    return sum(logs[1:], logs[0])


def select_partitioned_pairs(
    judged_pairs: Frames, params: FlowParams, evaluation: EvaluationParams
) -> pd.DataFrame:
    """Every pair's fate (`PairDecisionSchema`): the judge's thresholds, then one pair per
    duplicate cluster across every partition; each kept pair's split, by its document."""
    decisions = pair_decisions(judged_pairs, params.curation, carried=("doc_id",))
    doc_ids = decisions.pop("doc_id")
    kept = (decisions["reasons"] == "[]").to_numpy()
    split = pd.Series([None] * len(decisions), dtype=object)
    split[kept] = splits_of(doc_ids[kept].reset_index(drop=True), evaluation).to_numpy()
    decisions["split"] = split.astype("str")  # null where rejected, as pandas' str keeps it
    return decisions


def split_partitioned_pairs(
    judged_pairs: Frames, pair_decisions: pd.DataFrame
) -> tuple[Iterator[pd.DataFrame], Iterator[pd.DataFrame]]:
    """Kept (`CuratedPairSchema`) and rejected pairs (`RejectedPairSchema`), a partition at a
    time."""

    def side(number: int) -> Iterator[pd.DataFrame]:
        for frame, decided in decisions_by_frame(judged_pairs, pair_decisions):
            yield split_pairs(frame, decided)[number]

    return side(0), side(1)


def export_partitioned_pairs(curated_pairs: Frames) -> tuple[Iterator[Any], ...]:
    """The kept pairs in each export format (`EXPORT_FORMATS`), a `train` and a `test` stream
    each (`EXPORTS`, in order). Each stream reads the kept pairs a row group at a time, only
    the columns the exports hold (`EXPORTED_COLUMNS`), and converts its split's only, so each
    pair is converted once per format."""
    exported_pairs = curated_pairs.select(EXPORTED_COLUMNS)

    def exported(export: Callable[[pd.DataFrame], Any], split: str) -> Iterator[Any]:
        for kept in exported_pairs:
            yield export(kept[kept["split"] == split])

    streams: list[Iterator[Any]] = []
    for name, export in zip(EXPORT_NAMES, EXPORT_FORMATS, strict=True):
        for split in SPLITS:
            frames = exported(export, split)
            streams.append(frames if name == "hf" else chain.from_iterable(frames))
    return tuple(streams)


# The export node's outputs, in the order `export_partitioned_pairs` returns them.
EXPORTS = [f"{name}_{split}" for name in EXPORT_NAMES for split in SPLITS]
