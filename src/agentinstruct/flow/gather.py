"""The gather of a partitioned run: what must see every partition's outputs at once.

Deduplication compares every pair with every other, the exports and the pairs datasets hold the
whole run, and the report counts everything. The rest of the flow ran partition by partition.
The report counts rows one partition at a time and keeps only the columns it needs from the
frames it has to hold, so the gather holds the pairs but none of the passages or instructions.
"""

from typing import Any

import pandas as pd

from agentinstruct.curation.selection import select_pairs
from agentinstruct.flow.partitions import Loaders, gather, gathered_rows
from agentinstruct.flow.report import build_run_report
from agentinstruct.params import FlowParams
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
GATHERED_FOR_REPORT = list(_REPORT_COLUMNS)
_COUNTED_ONLY = {"chunks", "transformed_passages", "seed_instructions", "refined_instructions"}


def gather_pairs(
    pairs: Loaders, partition_index: dict[str, Any], partition: str, partition_done: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every pair of the run (`PairSchema`), for the JSONL and the Parquet dataset.

    `partition_done` (as in every gather node) only orders the node after the partition's
    stages in a one-session run."""
    gathered = gather(pairs, partition_index, partition)
    return gathered, gathered


def gather_call_logs(
    partition_index: dict[str, Any], partition: str, partition_done: Any, **stages: Loaders
) -> pd.DataFrame:
    """Every LLM call of the run, all stages and partitions (`CallLogSchema`)."""
    return pd.concat(
        [gather(logs, partition_index, partition) for logs in stages.values()], ignore_index=True
    )


def select_partitioned_pairs(
    judged_pairs: Loaders,
    partition_index: dict[str, Any],
    partition: str,
    partition_done: Any,
    params: FlowParams,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kept (`CuratedPairSchema`) and rejected pairs (`RejectedPairSchema`): the judge's
    thresholds, then one pair per duplicate cluster across every partition."""
    return select_pairs(gather(judged_pairs, partition_index, partition), params.curation)


def build_partitioned_report(
    *,
    raw_documents: dict[str, Any],
    quarantined_documents: pd.DataFrame,
    partition_index: dict[str, Any],
    partition: str,
    partition_done: Any,
    curated_pairs: pd.DataFrame,
    rejected_pairs: pd.DataFrame,
    llm_calls: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    **partitioned: Loaders,
) -> dict[str, Any]:
    """The run report (`build_run_report`) over every partition, plus the partitions."""
    frames: dict[str, Any] = {}
    for name, columns in _REPORT_COLUMNS.items():
        if name in _COUNTED_ONLY:
            frames[name] = gathered_rows(partitioned[name], partition_index, partition)
        else:
            frames[name] = gather(partitioned[name], partition_index, partition, columns)
    report = build_run_report(
        raw_documents=raw_documents,
        quarantined_documents=quarantined_documents,
        curated_pairs=curated_pairs,
        rejected_pairs=rejected_pairs,
        llm_calls=llm_calls,
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
