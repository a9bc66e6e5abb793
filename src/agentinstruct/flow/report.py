"""The run report: what went in, what came out of each stage and of curation, what the LLM
calls cost.

Each partition's session ends with its summary (`summarize_partition`): what it ran on (a
partition whose summary still matches is skipped) and the counts of its stages, its documents
and its checks. The report adds the summaries up and reads, of the run's own tables, only the
columns it counts: the kept and rejected pairs (for the curation funnel) and the call log. It
never reads a partition's frames, and never lists the raw folder again (`input_files`).
"""

from collections.abc import Iterable
from typing import Any

import pandas as pd

from agentinstruct.curation.checks import set_aside_documents
from agentinstruct.curation.report import curation_summary
from agentinstruct.datasets.frames import Frames
from agentinstruct.datasets.partitions_dataset import ALL_PARTITIONS, WHOLE
from agentinstruct.flow.partitions import completion_marker, failures_by_reason
from agentinstruct.flow.plan import plan_summary
from agentinstruct.ids import stable_id
from agentinstruct.llm_steps.call_log import USAGE_COLUMNS, llm_usage
from agentinstruct.params import FlowParams
from agentinstruct.schemas.llm_outputs import JUDGE_DIMENSIONS
from agentinstruct.skill import Skill

_FAILURE_FIELDS = ["stage", "item_id", "reason", "error_type", "error", "attempts"]
_PAIRS_BY = [
    "question_type",
    "transformation_agent",
    "answer_format",
    "refinement_goal",
    "refinement_round",
]
# What the report reads of the kept and rejected pairs (the question of kept pairs only, for
# their diversity), and of the call log (ids and errors of failed calls only: they are listed).
_CURATION_COLUMNS = [
    "doc_id",
    "reasons",
    "verification",
    "judge_agrees",
    "question_type",
    "transformation_agent",
    *(f"judge_{dimension}" for dimension in JUDGE_DIMENSIONS),
]
_CALL_COLUMNS = [*USAGE_COLUMNS, "item_id", "error_type", "error", "reason"]
_FLAGGED = ("contamination", "prompt_injection")


def _plain(values: pd.Series) -> list[Any]:
    """A column as JSON values: missing ones (NaN, NA) as null."""
    return values.astype(object).where(values.notna(), None).tolist()


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    values = frame[column].astype(object).fillna("(seed)").value_counts()
    return {str(key): int(value) for key, value in values.items()}


def summarize_partition(
    *,
    documents: pd.DataFrame,
    document_checks: pd.DataFrame,
    chunks: pd.DataFrame,
    run_plan: pd.DataFrame,
    transformed_passages: pd.DataFrame,
    seed_instructions: pd.DataFrame,
    refined_instructions: pd.DataFrame,
    pairs: pd.DataFrame,
    this_partition: dict[str, Any],
    params: FlowParams,
    skill: Skill,
    **call_logs: pd.DataFrame,
) -> dict[str, Any]:
    """What a partition ran on (`completion_marker`), whether it finished, and what it made:
    written last by its session (it takes every stage's call log, the judge's included). A
    partition with failures a re-run would ask again is not `complete`: the next run runs it
    again, its answers from the cache, and asks only what failed."""
    failures = failures_by_reason(call_logs.values())
    set_aside = set_aside_documents(document_checks, params.curation)
    per_document = documents["doc_id"].map(pairs.groupby("doc_id").size()).fillna(0)
    plan = plan_summary(run_plan, params)
    plan.pop("target_pairs")  # the run's, not the partition's
    return {
        **completion_marker(this_partition, params, skill),
        "complete": not any(entry["retried_on_rerun"] for entry in failures.values()),
        "failures": failures,
        "documents": this_partition["documents"],
        "target_pairs": this_partition["target_pairs"],
        "stages": {
            "chunks": len(chunks),
            "transformed_passages": len(transformed_passages),
            "seed_instructions": len(seed_instructions),
            "refined_instructions": len(refined_instructions),
            "pairs": len(pairs),
        },
        "plan": plan,
        "pairs_by": {column: _counts(pairs, column) for column in _PAIRS_BY},
        "flagged_documents": {
            column: document_checks[document_checks[column].notna()][
                ["doc_id", "source_path", column]
            ].to_dict(orient="records")
            for column in _FLAGGED
        },
        # each document's fate, by column (a partition holds thousands)
        "document_fates": {
            "doc_id": documents["doc_id"].tolist(),
            "source_path": documents["source_path"].tolist(),
            "encoding": _plain(documents["encoding"]),  # none for a PDF or a Word file
            "pairs": [int(count) for count in per_document],
            "set_aside": [set_aside.get(doc_id) for doc_id in documents["doc_id"]],
        },
    }


def _added(total: Any, part: Any) -> Any:
    """Counts added up: numbers, and dicts of counts key by key."""
    if isinstance(part, dict):
        merged = dict(total or {})
        for key, value in part.items():
            merged[key] = _added(merged.get(key), value)
        return merged
    return (total or 0) + part


def _file_of(source_path: str, raw_paths: set[str]) -> str:
    """The input file of a document: itself, or the table a `<file>#<record id>` row is in."""
    return source_path if source_path in raw_paths else source_path.rsplit("#", 1)[0]


def _documents(
    raw_paths: list[str], documents: pd.DataFrame, quarantined: pd.DataFrame, kept: pd.DataFrame
) -> list[dict[str, Any]]:
    """One entry per input file: used (with its pairs, and how many curation kept), set aside
    by the document checks (with the reason: nothing was asked about it), quarantined (with the
    reason), or a table (with how many rows were used and why the others were not). Counted per
    file in one pass each, not a frame per file: a corpus has millions of files."""
    raw = set(raw_paths)
    used = documents.assign(
        file=documents["source_path"].map(lambda p: _file_of(p, raw)),
        kept_pairs=documents["doc_id"].map(kept.groupby("doc_id").size()).fillna(0).astype(int),
        is_set_aside=documents["set_aside"].notna(),
    )
    quarantined = quarantined.assign(
        file=quarantined["source_path"].map(lambda p: _file_of(p, raw))
    )
    counts = used.groupby("file")[["pairs", "kept_pairs"]].sum().to_dict("index")
    rows_set_aside = used.groupby("file")["is_set_aside"].sum().to_dict()
    rows_used = used.groupby("file").size().to_dict()
    whole_files = used[used["source_path"] == used["file"]].drop_duplicates("file")
    whole = whole_files.set_index("file")[["doc_id", "encoding", "set_aside"]].to_dict("index")
    reason_of = dict(zip(quarantined["source_path"], quarantined["reason"], strict=True))
    quarantined_files = set(quarantined["source_path"])
    reasons_by_file: dict[str, dict[str, int]] = {}
    for (file, reason), count in quarantined.groupby(["file", "reason"]).size().items():
        reasons_by_file.setdefault(file, {})[str(reason)] = int(count)
    entries = []
    for path in sorted(raw_paths):
        found = counts.get(path, {"pairs": 0, "kept_pairs": 0})
        found = {key: int(value) for key, value in found.items()}
        if path in whole:
            doc = whole[path]
            reason = doc["set_aside"] if isinstance(doc["set_aside"], str) else None
            entries.append(
                {
                    "source_path": path,
                    "doc_id": doc["doc_id"],
                    "encoding": doc["encoding"],
                    "status": "set_aside" if reason else "used",
                    **({"reason": reason} if reason else {}),
                    **found,
                }
            )
        elif path in quarantined_files or (path not in rows_used and path not in reasons_by_file):
            reason = reason_of.get(path, "missing")
            entries.append({"source_path": path, "status": "quarantined", "reason": reason})
        else:
            quarantined_rows = reasons_by_file.get(path, {})
            entries.append(
                {
                    "source_path": path,
                    "status": "table",
                    "rows": rows_used.get(path, 0) + sum(quarantined_rows.values()),
                    "rows_used": rows_used.get(path, 0) - int(rows_set_aside.get(path, 0)),
                    "rows_set_aside": int(rows_set_aside.get(path, 0)),
                    "rows_quarantined": quarantined_rows,
                    **found,
                }
            )
    return entries


def _partitions(summaries: list[dict[str, Any]], params: FlowParams) -> dict[str, Any]:
    """Which partitions made the run: `run` says how a notebook finds their frames again
    (`agentinstruct.run_outputs.run_frame`)."""
    names = [summary["partition"] for summary in summaries]
    return {
        "documents_per_partition": params.partitions.documents_per_partition,
        "run": WHOLE if names == [WHOLE] else ALL_PARTITIONS,
        "partitions": [
            {key: summary[key] for key in ("documents", "target_pairs")} | {"name": name}
            for name, summary in zip(names, summaries, strict=True)
        ],
    }


def _kept_and_rejected(
    curated_pairs: Frames, rejected_pairs: Frames
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        curated_pairs.select([*_CURATION_COLUMNS, "question"]).concat(),
        rejected_pairs.select(_CURATION_COLUMNS).concat(),
    )


def _calls(llm_calls: Frames) -> pd.DataFrame:
    frames = []
    for frame in llm_calls.select(_CALL_COLUMNS):
        frame = frame.copy()
        frame.loc[frame["status"] != "failed", "item_id"] = None
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _summed(summaries: Iterable[dict[str, Any]], key: str) -> dict[str, Any]:
    """One section of every summary added up; counts by value come most frequent first, as
    one partition's do."""
    total: dict[str, Any] = {}
    for summary in summaries:
        total = _added(total, summary[key])
    return {
        name: dict(sorted(value.items(), key=lambda item: -item[1]))
        if isinstance(value, dict)
        else value
        for name, value in total.items()
    }


def build_run_report(
    input_files: pd.DataFrame,
    quarantined_documents: pd.DataFrame,
    partition_summaries: Frames,
    curated_pairs: Frames,
    rejected_pairs: Frames,
    llm_calls: Frames,
    skill: Skill,
    params: FlowParams,
) -> dict[str, Any]:
    """Counts per stage and per type, what curation kept and why it rejected the rest, LLM usage
    per stage, failures, every input's fate, and the partitions: the partitions' summaries
    added up, and what the report needs of the kept and rejected pairs and the call log."""
    summaries = list(partition_summaries)
    kept, rejected = _kept_and_rejected(curated_pairs, rejected_pairs)
    calls = _calls(llm_calls)
    failures = calls[calls["status"] == "failed"][_FAILURE_FIELDS]
    documents = pd.concat(
        [pd.DataFrame(summary["document_fates"], dtype=object) for summary in summaries],
        ignore_index=True,
    )
    entries = _documents(
        input_files["source_path"].tolist(), documents, quarantined_documents, kept
    )
    set_aside = int(documents["set_aside"].notna().sum())
    stages = _summed(summaries, "stages")
    return {
        "skill": skill.name,
        "prompt_version": skill.version,
        "models": sorted(calls["model"].unique().tolist()),
        # Which model each stage called: the dataset card names the judge apart from the teacher.
        "models_by_stage": {
            stage: sorted(models.unique().tolist())
            for stage, models in calls.groupby("stage")["model"]
        },
        "params_hash": stable_id(params.model_dump_json()),
        "params": params.model_dump(),
        "inputs": {
            "files": len(entries),
            "tables": sum(entry["status"] == "table" for entry in entries),
            "documents_used": len(documents) - set_aside,
            "documents_set_aside": set_aside,
            "quarantined": len(quarantined_documents),
        },
        "plan": {
            "target_pairs": params.plan.target_pairs,
            **_summed(summaries, "plan"),
            "made_pairs": stages["pairs"],
        },
        "stages": {**stages, "curated_pairs": len(kept), "rejected_pairs": len(rejected)},
        "pairs_by": _summed(summaries, "pairs_by"),
        "curation": {
            **curation_summary(
                kept,
                rejected,
                ["question_type", "transformation_agent"],
                kept["question"].tolist(),
                question_types=len(skill.question_types),
            ),
            "flagged_documents": {
                column: [flagged for s in summaries for flagged in s["flagged_documents"][column]]
                for column in _FLAGGED
            },
        },
        "llm": {
            "total": llm_usage(calls),
            "by_stage": {stage: llm_usage(group) for stage, group in calls.groupby("stage")},
            "by_model": {model: llm_usage(group) for model, group in calls.groupby("model")},
        },
        "failures_by_reason": {
            str(stage): {str(reason): int(count) for reason, count in group.value_counts().items()}
            for stage, group in failures.groupby("stage")["reason"]
        },
        "failures": failures.to_dict(orient="records"),
        "documents": entries,
        "partitions": _partitions(summaries, params),
    }
