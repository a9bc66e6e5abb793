"""The gather of a partitioned run: what must see every partition's outputs at once.

Deduplication compares every pair with every other, the pairs datasets, the call log and the
exports hold the whole run, and the report counts everything. None of it holds every partition's
rows at once: outputs are handed to their datasets a partition at a time (`Frames`, generators)
and written as they come; deduplication keeps a few short columns per pair and one signature per
duplicate cluster (`pair_decisions`), and the kept and rejected pairs, the exports and the
report apply those decisions partition by partition. The report holds only the columns it counts.
"""

from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain
from typing import Any

import pandas as pd

from agentinstruct.curation.selection import decisions_by_frame, pair_decisions, split_pairs
from agentinstruct.flow.exports import EXPORT_FORMATS, EXPORT_NAMES
from agentinstruct.flow.holdout import SPLITS, splits_of
from agentinstruct.flow.partitions import (
    Frames,
    Loaders,
    gather,
    gathered_rows,
    partition_frames,
)
from agentinstruct.flow.report import build_run_report
from agentinstruct.llm_steps.call_log import USAGE_COLUMNS
from agentinstruct.params import EvaluationParams, FlowParams
from agentinstruct.schemas.llm_outputs import JUDGE_DIMENSIONS
from agentinstruct.skill import Skill

# Per-partition datasets the report reads, and the columns it needs of each (None: only rows).
_REPORT_COLUMNS: dict[str, list[str] | None] = {
    "documents": ["doc_id", "source_path", "encoding"],
    "pairs": [
        "doc_id",
        "question_type",
        "transformation_agent",
        "answer_format",
        "refinement_goal",
        "refinement_round",
    ],
    "document_checks": None,  # small: no text of its own
    "run_plan": None,
    "chunks": None,
    "transformed_passages": None,
    "seed_instructions": None,
    "refined_instructions": None,
}
# What the report reads of judged pairs and of call logs.
_CURATION_COLUMNS = [
    "doc_id",
    "question",
    "verification",
    "judge_agrees",
    "question_type",
    "transformation_agent",
    *(f"judge_{dimension}" for dimension in JUDGE_DIMENSIONS),
]
_CALL_COLUMNS = [*USAGE_COLUMNS, "item_id", "error_type", "error", "reason"]
STAGE_CALL_LOGS = ["transformation", "instruction", "refinement", "answer", "judge"]
GATHERED_FOR_REPORT = [*_REPORT_COLUMNS, *(f"{stage}_llm_calls" for stage in STAGE_CALL_LOGS)]
_COUNTED_ONLY = {"chunks", "transformed_passages", "seed_instructions", "refined_instructions"}


def gather_pairs(
    pairs: Loaders, partition_index: dict[str, Any], partition: str, partition_done: Any
) -> tuple[Frames, Frames]:
    """Every pair of the run (`PairSchema`), a partition at a time, for the JSONL and the
    Parquet dataset.

    `partition_done` (as in every gather node) only orders the node after the partition's
    stages in a one-session run."""
    frames = partition_frames(pairs, partition_index, partition)
    return frames, frames


def gather_call_logs(
    partition_index: dict[str, Any], partition: str, partition_done: Any, **stages: Loaders
) -> Frames:
    """Every LLM call of the run (`CallLogSchema`): each stage's, a partition at a time."""
    logs = [partition_frames(calls, partition_index, partition) for calls in stages.values()]
    return sum(logs[1:], logs[0])


def select_partitioned_pairs(
    judged_pairs: Loaders,
    partition_index: dict[str, Any],
    partition: str,
    partition_done: Any,
    params: FlowParams,
    evaluation: EvaluationParams,
) -> pd.DataFrame:
    """Every pair's fate (`PairDecisionSchema`): the judge's thresholds, then one pair per
    duplicate cluster across every partition; each kept pair's split, by its document."""
    decisions = pair_decisions(
        partition_frames(judged_pairs, partition_index, partition),
        params.curation,
        carried=("doc_id",),
    )
    doc_ids = decisions.pop("doc_id")
    kept = (decisions["reasons"] == "[]").to_numpy()
    split = pd.Series([None] * len(decisions), dtype=object)
    split[kept] = splits_of(doc_ids[kept].reset_index(drop=True), evaluation).to_numpy()
    decisions["split"] = split.astype("str")  # null where rejected, as pandas' str keeps it
    return decisions


def split_partitioned_pairs(
    judged_pairs: Loaders,
    pair_decisions: pd.DataFrame,
    partition_index: dict[str, Any],
    partition: str,
) -> tuple[Iterator[pd.DataFrame], Iterator[pd.DataFrame]]:
    """Kept (`CuratedPairSchema`) and rejected pairs (`RejectedPairSchema`), a partition at a
    time."""
    judged = partition_frames(judged_pairs, partition_index, partition)
    parts = partial(decisions_by_frame, judged, pair_decisions)
    return (
        (split_pairs(frame, decided)[0] for frame, decided in parts()),
        (split_pairs(frame, decided)[1] for frame, decided in parts()),
    )


def export_partitioned_pairs(
    judged_pairs: Loaders,
    pair_decisions: pd.DataFrame,
    partition_index: dict[str, Any],
    partition: str,
) -> tuple[Iterator[Any], ...]:
    """The kept pairs in each export format (`EXPORT_FORMATS`), a `train` and a `test` stream
    each (`EXPORTS`, in order), a partition at a time: each stream reads the partitions and
    converts its split's pairs to its format only."""
    judged = partition_frames(judged_pairs, partition_index, partition)

    def exported(export: Callable[[pd.DataFrame], Any], split: str) -> Iterator[Any]:
        for frame, decided in decisions_by_frame(judged, pair_decisions):
            kept = split_pairs(frame, decided)[0]
            yield export(kept[kept["split"] == split])

    streams: list[Iterator[Any]] = []
    for name, export in zip(EXPORT_NAMES, EXPORT_FORMATS, strict=True):
        for split in SPLITS:
            frames = exported(export, split)
            streams.append(frames if name == "hf" else chain.from_iterable(frames))
    return tuple(streams)


# The export node's outputs, in the order `export_partitioned_pairs` returns them.
EXPORTS = [f"{name}_{split}" for name in EXPORT_NAMES for split in SPLITS]


def _curation_rows(
    judged_pairs: Loaders,
    pair_decisions: pd.DataFrame,
    partition_index: dict[str, Any],
    partition: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kept and rejected pairs with only what the report reads of them (no answer text; the
    question of kept pairs only, for their diversity)."""
    judged = partition_frames(judged_pairs, partition_index, partition, _CURATION_COLUMNS)
    kept, rejected = [], []
    for frame, decided in decisions_by_frame(judged, pair_decisions):
        kept_part, rejected_part = split_pairs(frame, decided)
        kept.append(kept_part)
        rejected.append(rejected_part.drop(columns="question"))
    return pd.concat(kept, ignore_index=True), pd.concat(rejected, ignore_index=True)


def _call_rows(stages: dict[str, Loaders], partition_index: dict[str, Any], partition: str):
    """Every call's usage columns; ids and errors of failed calls only (they are listed)."""
    frames = []
    for calls in stages.values():
        for frame in partition_frames(calls, partition_index, partition, _CALL_COLUMNS):
            frame = frame.copy()
            frame.loc[frame["status"] != "failed", "item_id"] = None
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def build_partitioned_report(
    *,
    input_files: pd.DataFrame,
    quarantined_documents: pd.DataFrame,
    partition_index: dict[str, Any],
    partition: str,
    partition_done: Any,
    pair_decisions: pd.DataFrame,
    judged_pairs: Loaders,
    skill: Skill,
    params: FlowParams,
    **partitioned: Loaders,
) -> dict[str, Any]:
    """The run report (`build_run_report`) over every partition, plus the partitions. It reads
    the partitions a frame at a time and holds only the columns it counts."""
    frames: dict[str, Any] = {}
    for name, columns in _REPORT_COLUMNS.items():
        if name in _COUNTED_ONLY:
            frames[name] = gathered_rows(partitioned[name], partition_index, partition)
        else:
            frames[name] = gather(partitioned[name], partition_index, partition, columns)
    curated_pairs, rejected_pairs = _curation_rows(
        judged_pairs, pair_decisions, partition_index, partition
    )
    stages = {stage: partitioned[f"{stage}_llm_calls"] for stage in STAGE_CALL_LOGS}
    report = build_run_report(
        input_files=input_files,
        quarantined_documents=quarantined_documents,
        curated_pairs=curated_pairs,
        rejected_pairs=rejected_pairs,
        llm_calls=_call_rows(stages, partition_index, partition),
        skill=skill,
        params=params,
        **frames,
    )
    report["partitions"] = {
        "documents_per_partition": partition_index["documents_per_partition"],
        "run": partition,
        "partitions": [
            {key: entry[key] for key in ("name", "documents", "target_pairs")}
            for entry in partition_index["partitions"]
        ],
    }
    return report
