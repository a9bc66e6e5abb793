"""The evaluation report: per set (a skill's test split or an eval set) and student, the mean
judge score and the exact-match accuracy with their bootstrap intervals; per subject; and for
each pair of students the paired difference. Also each skill's table for its dataset card."""

from itertools import combinations
from typing import Any

import pandas as pd

from agentinstruct.evaluation.statistics import bootstrap_mean, paired_difference
from agentinstruct.llm_steps.call_log import llm_usage
from agentinstruct.params import EvaluationParams

METRICS = ("score", "exact_match")
_GROUP = ["source", "set_name"]


def _metrics(rows: pd.DataFrame, params: EvaluationParams, seed: int) -> dict[str, Any]:
    sampled = (params.bootstrap_samples, params.confidence, seed)
    return {
        metric: bootstrap_mean(rows[metric].astype(float).to_numpy(), *sampled)
        for metric in METRICS
    }


def _run_version(rows: pd.DataFrame) -> str | None:
    """The skill's run whose test split the items are (None for an eval set)."""
    versions = rows["run_version"].dropna().unique()
    return str(versions[0]) if len(versions) else None


def _by_set(items: pd.DataFrame, params: EvaluationParams) -> list[dict[str, Any]]:
    entries = []
    for (source, name, student), rows in items.groupby([*_GROUP, "student"], sort=True):
        entries.append(
            {
                "source": source,
                "set_name": name,
                "student": student,
                "run_version": _run_version(rows),
                "items": len(rows),
                "answered": int(rows["response"].notna().sum()),
                "failed": int(rows["response"].isna().sum()),
                **_metrics(rows, params, params.seed),
            }
        )
    return entries


def _by_subject(items: pd.DataFrame, params: EvaluationParams) -> list[dict[str, Any]]:
    entries = []
    for (source, name, subject, student), rows in items.groupby(
        [*_GROUP, "subject", "student"], sort=True
    ):
        entries.append(
            {
                "source": source,
                "set_name": name,
                "subject": subject,
                "student": student,
                "items": len(rows),
                **_metrics(rows, params, params.seed),
            }
        )
    return entries


def _paired(items: pd.DataFrame, params: EvaluationParams) -> list[dict[str, Any]]:
    """For each set and pair of students, each metric's mean difference (first - second) over
    the items both were scored on."""
    entries = []
    for (source, name), rows in items.groupby(_GROUP, sort=True):
        for first, second in combinations(sorted(rows["student"].unique()), 2):
            for metric in METRICS:
                table = rows.pivot(index="item_id", columns="student", values=metric).astype(float)
                difference = paired_difference(
                    table[first].to_numpy(),
                    table[second].to_numpy(),
                    params.bootstrap_samples,
                    params.confidence,
                    params.seed,
                )
                if difference["items"]:
                    entries.append(
                        {
                            "source": source,
                            "set_name": name,
                            "metric": metric,
                            "student": first,
                            "minus": second,
                            **difference,
                        }
                    )
    return entries


def build_evaluation_report(
    items: pd.DataFrame,
    student_calls: pd.DataFrame,
    judge_calls: pd.DataFrame,
    params: EvaluationParams,
) -> dict[str, Any]:
    """The report of one evaluation run (strict JSON: None where a set has no such metric)."""
    calls = pd.concat([student_calls, judge_calls], ignore_index=True)
    stages = {str(stage): llm_usage(rows) for stage, rows in calls.groupby("stage", sort=False)}
    return {
        "students": sorted(items["student"].unique().tolist()),
        "confidence": params.confidence,
        "bootstrap_samples": params.bootstrap_samples,
        "sets": _by_set(items, params),
        "subjects": _by_subject(items, params),
        "paired": _paired(items, params),
        "llm": {"total": llm_usage(calls), "by_stage": stages},
    }


def interval_text(metric: dict[str, Any], percent: bool) -> str:
    """`mean [low, high]` of a bootstrapped metric (as a percentage for a share); `n/a` when
    no item has it."""
    if metric["mean"] is None:
        return "n/a"
    scale, unit = (100, "%") if percent else (1, "")
    return (
        f"{metric['mean'] * scale:.1f}{unit}"
        f" [{metric['low'] * scale:.1f}, {metric['high'] * scale:.1f}]"
    )


def _cell(metric: dict[str, Any], percent: bool) -> str:
    shown = interval_text(metric, percent)
    return shown if metric["mean"] is None else f"{shown} (n={metric['items']})"


def card_sections(report: dict[str, Any]) -> dict[str, str]:
    """Each evaluated skill's table for its dataset card (markdown)."""
    sections: dict[str, list[str]] = {}
    level = round(report["confidence"] * 100)
    for entry in report["sets"]:
        if entry["source"] != "skill":
            continue
        lines = sections.setdefault(
            entry["set_name"],
            [
                f"Students on the `test` split of run `{entry['run_version']}` (mean, {level}%"
                " bootstrap interval):",
                "",
                "| student | items | judge score (0-10) | exact match |",
                "|---|---|---|---|",
            ],
        )
        lines.append(
            f"| `{entry['student']}` | {entry['items']} | {_cell(entry['score'], False)}"
            f" | {_cell(entry['exact_match'], True)} |"
        )
    return {skill: "\n".join(lines) for skill, lines in sections.items()}
