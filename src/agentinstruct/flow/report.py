"""The run report: what went in, what came out of each stage and of curation, what the LLM
calls cost."""

from typing import Any

import pandas as pd

from agentinstruct.curation.checks import set_aside_documents
from agentinstruct.curation.report import curation_summary
from agentinstruct.flow.plan import plan_summary
from agentinstruct.ids import stable_id
from agentinstruct.llm_steps.call_log import llm_usage
from agentinstruct.params import FlowParams
from agentinstruct.skill import Skill

_FAILURE_FIELDS = ["stage", "item_id", "reason", "error_type", "error", "attempts"]


def _file_of(source_path: str, raw_paths: set[str]) -> str:
    """The input file of a document: itself, or the table a `<file>#<record id>` row is in."""
    return source_path if source_path in raw_paths else source_path.rsplit("#", 1)[0]


def _documents(
    raw_paths: list[str],
    documents: pd.DataFrame,
    quarantined: pd.DataFrame,
    pairs: pd.DataFrame,
    kept: pd.DataFrame,
    set_aside: dict[str, str],
) -> list[dict[str, Any]]:
    """One entry per input file: used (with its pairs, and how many curation kept), set aside
    by the document checks (with the reason: nothing was asked about it), quarantined (with the
    reason), or a table (with how many rows were used and why the others were not). Counted per
    file in one pass each, not a frame per file: a corpus has millions of files."""
    raw = set(raw_paths)
    used = documents.assign(
        file=documents["source_path"].map(lambda p: _file_of(p, raw)),
        pairs=documents["doc_id"].map(pairs.groupby("doc_id").size()).fillna(0).astype(int),
        kept_pairs=documents["doc_id"].map(kept.groupby("doc_id").size()).fillna(0).astype(int),
        set_aside=documents["doc_id"].isin(set_aside),
    )
    quarantined = quarantined.assign(
        file=quarantined["source_path"].map(lambda p: _file_of(p, raw))
    )
    counts = used.groupby("file")[["pairs", "kept_pairs"]].sum().to_dict("index")
    rows_set_aside = used.groupby("file")["set_aside"].sum().to_dict()
    rows_used = used.groupby("file").size().to_dict()
    whole_files = used[used["source_path"] == used["file"]].drop_duplicates("file")
    whole = whole_files.set_index("file")[["doc_id", "encoding"]].to_dict("index")
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
            reason = set_aside.get(doc["doc_id"])
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


def _flagged_documents(document_checks: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Seed documents that overlap a benchmark or carry an injection phrase."""
    return {
        column: document_checks[document_checks[column].notna()][
            ["doc_id", "source_path", column]
        ].to_dict(orient="records")
        for column in ("contamination", "prompt_injection")
    }


def build_run_report(
    *,
    input_files: pd.DataFrame,
    documents: pd.DataFrame,
    quarantined_documents: pd.DataFrame,
    document_checks: pd.DataFrame,
    chunks: int,
    run_plan: pd.DataFrame,
    transformed_passages: int,
    seed_instructions: int,
    refined_instructions: int,
    pairs: pd.DataFrame,
    curated_pairs: pd.DataFrame,
    rejected_pairs: pd.DataFrame,
    llm_calls: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
) -> dict[str, Any]:
    """Counts per stage and per type, what curation kept and why it rejected the rest, LLM usage
    per stage (`llm_calls`: every call of the run), failures, and every input's fate. The
    intermediate stages come as row counts: the report needs nothing else of them."""
    calls = llm_calls
    failures = calls[calls["status"] == "failed"][_FAILURE_FIELDS]
    set_aside = set_aside_documents(document_checks, params.curation)
    entries = _documents(
        input_files["source_path"].tolist(),
        documents,
        quarantined_documents,
        pairs,
        curated_pairs,
        set_aside,
    )
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
            "documents_used": len(documents) - len(set_aside),
            "documents_set_aside": len(set_aside),
            "quarantined": len(quarantined_documents),
        },
        "plan": {**plan_summary(run_plan, params), "made_pairs": len(pairs)},
        "stages": {
            "chunks": chunks,
            "transformed_passages": transformed_passages,
            "seed_instructions": seed_instructions,
            "refined_instructions": refined_instructions,
            "pairs": len(pairs),
            "curated_pairs": len(curated_pairs),
            "rejected_pairs": len(rejected_pairs),
        },
        "pairs_by": {
            column: {
                str(key): int(value)
                for key, value in pairs[column]
                .astype(object)
                .fillna("(seed)")
                .value_counts()
                .items()
            }
            for column in [
                "question_type",
                "transformation_agent",
                "answer_format",
                "refinement_goal",
                "refinement_round",
            ]
        },
        "curation": {
            **curation_summary(
                curated_pairs,
                rejected_pairs,
                ["question_type", "transformation_agent"],
                curated_pairs["question"].tolist(),
                question_types=len(skill.question_types),
            ),
            "flagged_documents": _flagged_documents(document_checks),
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
    }
