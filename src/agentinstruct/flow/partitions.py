"""Partitions of a corpus, so that a run's memory depends on the partition size, not the corpus.

Ingestion splits the documents into partitions; every stage from chunking to the judge then runs
on one partition at a time (a Kedro session per partition, with `partition=<name>` as a runtime
parameter), and a last step gathers the partitions' pairs for what must see them all
(deduplication, exports, the run report).

A document's partition is given by the first bits of a hash of its id, and the number of
partitions is a power of two: it depends only on the document's id and on how many partitions
the corpus needs. When a corpus doubles, each partition splits in two and no document moves
between the others. Names carry the count (`00003-of-00008`), so partitions of an older split
are never mistaken for the current ones.

Without a `partition` runtime parameter (`whole`, e.g. a plain `session.run`), one session runs
every stage on the whole corpus, as before partitions existed. Which partitions a node reads is
never a node's business: `pick_partition` resolves the session's partition once, and the last
step reads every partition's outputs through `PartitionsDataset`.
"""

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from agentinstruct.curation.checks import reasons, set_aside_documents
from agentinstruct.datasets.partitions_dataset import WHOLE
from agentinstruct.flow.plan import check_plan_size, plan_run
from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import PlanSchema, frame_of, is_permanent
from agentinstruct.skill import Skill

Loaders = Mapping[str, Callable[[], pd.DataFrame]]


def partition_count(documents: int, per_partition: int | None) -> int:
    """The smallest power of two that keeps partitions at or under `per_partition` on average."""
    if not per_partition or documents <= per_partition:
        return 1
    return 1 << math.ceil(math.log2(documents / per_partition))


def partition_name(index: int, count: int) -> str:
    return f"{index:05d}-of-{count:05d}"


def partition_of(doc_id: str, count: int) -> str:
    """The partition of a document: the top log2(count) bits of a hash of its id."""
    bits = count.bit_length() - 1
    hashed = int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big")
    return partition_name(hashed >> (32 - bits) if bits else 0, count)


def _shares(total: int, sizes: list[int], documents: int) -> list[int]:
    """`total` split in proportion to `sizes` (largest remainder), so the shares add up."""
    exact = [total * size / documents for size in sizes]
    shares = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def partition_documents(
    documents: pd.DataFrame, params: FlowParams, skill: Skill
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The documents by partition, and the index of the partitions: their names, sizes, a
    fingerprint of their documents (a partition whose fingerprint is unchanged need not run
    again), and each one's share of `plan.target_pairs`. A corpus whose plan would pass
    `plan.max_requests_without_confirmation` stops here, before any partition runs."""
    check_plan_size(documents, skill, params)
    per_partition = params.partitions.documents_per_partition
    count = partition_count(len(documents), per_partition)
    names = documents["doc_id"].map(lambda doc_id: partition_of(doc_id, count))
    parts = {
        str(name): frame.reset_index(drop=True)
        for name, frame in documents.groupby(names, sort=True)
    }
    if not parts:  # an empty corpus still runs, and ends with empty outputs
        parts = {partition_name(0, 1): documents.iloc[:0]}
    target = params.plan.target_pairs
    shares = (
        _shares(target, [len(part) for part in parts.values()], max(1, len(documents)))
        if target is not None
        else [None] * len(parts)
    )
    index = {
        "documents": len(documents),
        "documents_per_partition": per_partition,
        "partitions": [
            {
                "name": name,
                "documents": len(part),
                "fingerprint": stable_id(*sorted(part["doc_id"])),
                "target_pairs": share,
            }
            for (name, part), share in zip(parts.items(), shares, strict=True)
        ],
    }
    return parts, index


def partition_names(index: Mapping[str, Any]) -> list[str]:
    return [entry["name"] for entry in index["partitions"]]


def partition_entry(index: Mapping[str, Any], partition: str) -> dict[str, Any]:
    """What a session needs of its partition: its name, documents, fingerprint and share of
    `plan.target_pairs`; for a `whole` run, all of them (the shares add up to the target)."""
    if partition == WHOLE:
        entries = index["partitions"]
        shares = [entry["target_pairs"] for entry in entries]
        return {
            "name": WHOLE,
            "documents": index["documents"],
            "fingerprint": stable_id(*(entry["fingerprint"] for entry in entries)),
            "target_pairs": None if None in shares else sum(shares),
            "reads": partition_names(index),
        }
    for entry in index["partitions"]:
        if entry["name"] == partition:
            return {**entry, "reads": [partition]}
    raise ValueError(
        f"partition {partition!r} is not one of this corpus's partitions "
        f"({', '.join(partition_names(index))}); ingest again, or run without `partition`"
    )


def pick_partition(
    document_partitions: Loaders, partition_index: dict[str, Any], partition: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The documents of the session's partition (every partition's for a `whole` run), and
    the partition's entry (`partition_entry`): the one node that reads the index and the
    runtime partition; the later stages take the entry."""
    entry = partition_entry(partition_index, partition)
    documents = [document_partitions[name]() for name in entry["reads"]]
    return pd.concat(documents, ignore_index=True), entry


def plan_partition(
    chunks: pd.DataFrame,
    document_checks: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    this_partition: dict[str, Any],
) -> pd.DataFrame:
    """The run plan of one partition: its share of `plan.target_pairs`, of the chunks of
    documents the document checks did not set aside."""
    set_aside = set_aside_documents(document_checks, params.curation)
    if set_aside:
        chunks = chunks[~chunks["doc_id"].isin(set_aside)]
    share = this_partition["target_pairs"]
    if share is not None:
        if not share:
            return frame_of(PlanSchema, [])
        params = params.model_copy(
            update={"plan": params.plan.model_copy(update={"target_pairs": share})}
        )
    return plan_run(chunks, skill, params)


# Raised when what a finished partition holds changes without a params or prompt change, so
# partitions finished before run again (from the cache): 2, document checks before the plan;
# 3, the judge's comparison in its own column (judge_agrees); 4, the partition's summary
# carries the counts the run report adds up, and judged pairs no longer carry duplicate_of.
FLOW_VERSION = 4


def completion_marker(
    this_partition: Mapping[str, Any], params: FlowParams, skill: Skill
) -> dict[str, Any]:
    """What a partition (its `partition_entry`) ran on: its documents, the flow's params, the
    skill's prompts, the flow's version and the registered checks. A partition whose summary
    still matches need not run again."""
    return {
        "partition": this_partition["name"],
        "fingerprint": this_partition["fingerprint"],
        "flow_version": FLOW_VERSION,
        "checks": list(reasons()),  # a check registered since: its pairs meet it
        "params_hash": stable_id(params.model_dump_json()),
        "prompt_version": skill.version,
    }


def failures_by_reason(call_logs: Iterable[pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Failed requests by reason: how many, one error message as an example, and whether a
    re-run asks them again (all but `PERMANENT_REASONS`: a 429, a timeout, the budget...)."""
    failures: dict[str, dict[str, Any]] = {}
    for calls in call_logs:
        failed = calls[calls["status"] == "failed"]
        for reason, errors in failed.groupby(failed["reason"].fillna("error"))["error"]:
            entry = failures.setdefault(
                str(reason),
                {"requests": 0, "retried_on_rerun": not is_permanent(str(reason))},
            )
            entry["requests"] += len(errors)
            entry.setdefault("example", str(errors.iloc[0]))
    return dict(sorted(failures.items()))


def is_done(marker: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Whether a partition's marker says it ran on what it would run on now, and finished."""
    matches = all(marker.get(key) == value for key, value in expected.items())
    return matches and marker.get("complete", True)
