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
every stage on the whole corpus, as before partitions existed.
"""

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from agentinstruct.curation.checks import reasons, set_aside_documents
from agentinstruct.flow.plan import check_plan_size, plan_run
from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import PlanSchema, frame_of, is_permanent
from agentinstruct.skill import Skill

WHOLE = "whole"
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


def _entry(index: Mapping[str, Any], partition: str) -> dict[str, Any]:
    for entry in index["partitions"]:
        if entry["name"] == partition:
            return entry
    raise ValueError(
        f"partition {partition!r} is not one of this corpus's partitions "
        f"({', '.join(partition_names(index))}); ingest again, or run without `partition`"
    )


def pick_partition(
    document_partitions: Loaders, partition_index: dict[str, Any], partition: str
) -> pd.DataFrame:
    """The documents of one partition, or of every partition for a `whole` run."""
    names = partition_names(partition_index) if partition == WHOLE else [partition]
    for name in names:
        _entry(partition_index, name)
    return pd.concat([document_partitions[name]() for name in names], ignore_index=True)


def plan_partition(
    chunks: pd.DataFrame,
    document_checks: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    partition_index: dict[str, Any],
    partition: str,
) -> pd.DataFrame:
    """The run plan of one partition: its share of `plan.target_pairs` (all of it when whole),
    of the chunks of documents the document checks did not set aside."""
    set_aside = set_aside_documents(document_checks, params.curation)
    if set_aside:
        chunks = chunks[~chunks["doc_id"].isin(set_aside)]
    if partition != WHOLE and params.plan.target_pairs is not None:
        share = _entry(partition_index, partition)["target_pairs"]
        if not share:
            return frame_of(PlanSchema, [])
        params = params.model_copy(
            update={"plan": params.plan.model_copy(update={"target_pairs": share})}
        )
    return plan_run(chunks, skill, params)


# Raised when what a finished partition holds changes without a params or prompt change, so
# partitions finished before run again (from the cache): 2, document checks before the plan;
# 3, the judge's comparison in its own column (judge_agrees).
FLOW_VERSION = 3


def completion_marker(
    partition_index: Mapping[str, Any], partition: str, params: FlowParams, skill: Skill
) -> dict[str, Any]:
    """What a partition ran on: its documents, the flow's params, the skill's prompts, the
    flow's version and the registered checks. A partition whose marker still matches need not
    run again."""
    if partition == WHOLE:
        fingerprint = stable_id(*(entry["fingerprint"] for entry in partition_index["partitions"]))
    else:
        fingerprint = _entry(partition_index, partition)["fingerprint"]
    return {
        "partition": partition,
        "fingerprint": fingerprint,
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


def mark_partition_done(
    judged_pairs: pd.DataFrame,
    partition_index: dict[str, Any],
    partition: str,
    params: FlowParams,
    skill: Skill,
    **call_logs: pd.DataFrame,
) -> dict[str, Any]:
    """The marker a partition's session ends with (it takes the last stage's outputs so that it
    runs last). A partition with failures a re-run would ask again is not `complete`: the next
    run runs it again, its answers from the cache, and asks only what failed."""
    failures = failures_by_reason(call_logs.values())
    return {
        **completion_marker(partition_index, partition, params, skill),
        "complete": not any(entry["retried_on_rerun"] for entry in failures.values()),
        "failures": failures,
        "pairs": len(judged_pairs),
        "judge_calls": len(call_logs.get("judge_llm_calls", ())),
    }


def is_done(marker: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Whether a partition's marker says it ran on what it would run on now, and finished."""
    matches = all(marker.get(key) == value for key, value in expected.items())
    return matches and marker.get("complete", True)


def gathered_names(partition_index: Mapping[str, Any], partition: str) -> list[str]:
    """The partitions whose outputs a gather reads: those of the index, or `whole`."""
    return [WHOLE] if partition == WHOLE else partition_names(partition_index)


@dataclass(frozen=True)
class Frames:
    """Frames loaded one at a time, again on every iteration: what a gather node hands a
    dataset that saves frame by frame (`agentinstruct.datasets.FramesDataset`), so the gather
    never holds every partition's rows at once."""

    loaders: tuple[Callable[[], pd.DataFrame], ...]
    columns: tuple[str, ...] | None = None

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for load in self.loaders:
            frame = load()
            yield frame if self.columns is None else frame[list(self.columns)]

    def __add__(self, other: "Frames") -> "Frames":
        return Frames(self.loaders + other.loaders, self.columns)


def partition_frames(
    partitions: Loaders,
    partition_index: Mapping[str, Any],
    partition: str,
    columns: list[str] | None = None,
) -> Frames:
    """Every partition's frame, in index order, keeping only `columns` if given."""
    names = gathered_names(partition_index, partition)
    missing = [name for name in names if name not in partitions]
    if missing:
        raise ValueError(
            f"partitions {missing} have not run yet; run the flow again (complete partitions are"
            " skipped)"
        )
    return Frames(
        tuple(partitions[name] for name in names), None if columns is None else tuple(columns)
    )


def gather(
    partitions: Loaders,
    partition_index: Mapping[str, Any],
    partition: str,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """One frame from every partition's (in index order), keeping only `columns` if given, so
    what a report needs from large frames is held without their text."""
    return pd.concat(
        list(partition_frames(partitions, partition_index, partition, columns)), ignore_index=True
    )


def gathered_rows(partitions: Loaders, partition_index: Mapping[str, Any], partition: str) -> int:
    """How many rows the partitions hold, loading one partition at a time."""
    names = gathered_names(partition_index, partition)
    return sum(len(partitions[name]()) for name in names)
