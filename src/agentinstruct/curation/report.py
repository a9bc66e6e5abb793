"""What curation did, for the run report: a funnel per reason, judge scores, diversity."""

import json
import math
from collections import Counter
from typing import Any

import pandas as pd

from agentinstruct.curation.checks import reasons
from agentinstruct.curation.text import conversation, words
from agentinstruct.curation.verification import settled_verdicts
from agentinstruct.llm_steps.call_log import llm_usage
from agentinstruct.schemas.llm_outputs import JUDGE_DIMENSIONS


def _first_reasons(rejected: pd.DataFrame) -> pd.Series:
    """The first failed check of each rejected pair: where the funnel lost it."""
    return rejected["reasons"].map(lambda reasons: json.loads(reasons)[0])


def _funnel(kept: pd.DataFrame, rejected: pd.DataFrame) -> list[dict[str, Any]]:
    """generated -> minus each check, in the order they run -> kept."""
    remaining = len(kept) + len(rejected)
    steps = [{"step": "generated", "remaining": remaining}]
    lost = _first_reasons(rejected).value_counts()
    for reason in reasons():
        if lost.get(reason, 0):
            remaining -= int(lost[reason])
            steps.append({"step": reason, "removed": int(lost[reason]), "remaining": remaining})
    steps.append({"step": "kept", "remaining": remaining})
    return steps


def _funnel_by(kept: pd.DataFrame, rejected: pd.DataFrame, column: str) -> dict[str, dict]:
    """Per value of `column`: generated, lost at each check (first reason), kept."""
    table: dict[str, dict[str, int]] = {}
    first = _first_reasons(rejected)
    for value, reason in zip(rejected[column].astype(str), first, strict=True):
        row = table.setdefault(value, {"generated": 0, "kept": 0})
        row["generated"] += 1
        row[reason] = row.get(reason, 0) + 1
    for value in kept[column].astype(str):
        row = table.setdefault(value, {"generated": 0, "kept": 0})
        row["generated"] += 1
        row["kept"] += 1
    return dict(sorted(table.items()))


def normalized_entropy(values: pd.Series, categories: int) -> float:
    """Entropy of the value distribution over `categories` possible values, in [0, 1]."""
    counts = values.value_counts()
    if categories < 2 or counts.sum() == 0:
        return 0.0
    shares = counts / counts.sum()
    return round(float(-(shares * shares.map(math.log)).sum() / math.log(categories)), 4)


def distinct_n(texts: list[str], n: int) -> float:
    """Distinct word n-grams over all n-grams of the texts: 1 when nothing repeats."""
    grams: Counter = Counter()
    for text in texts:
        tokens = words(text)
        grams.update(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    total = sum(grams.values())
    return round(len(grams) / total, 4) if total else 0.0


def _scores(scored: pd.DataFrame) -> dict[str, Any]:
    judged = scored[scored["judge_quality"].notna()]
    return {
        "judged": len(judged),
        "histogram": {
            dimension: {
                str(score): int((judged[f"judge_{dimension}"] == score).sum())
                for score in range(1, 6)
            }
            for dimension in JUDGE_DIMENSIONS
        },
        "mean": {
            dimension: round(float(judged[f"judge_{dimension}"].astype(float).mean()), 2)
            for dimension in JUDGE_DIMENSIONS
        }
        if len(judged)
        else {},
    }


def curation_summary(
    kept: pd.DataFrame,
    rejected: pd.DataFrame,
    group_columns: list[str],
    instructions: list[str],
    question_types: int | None = None,
) -> dict[str, Any]:
    """The curation section of a report.

    Args:
        group_columns: columns to break the funnel down by (question type, agent, ...).
        instructions: the kept pairs' questions, whose diversity is measured (distinct-n).
        question_types: size of the taxonomy, for the coverage of question types.
    """
    scored = pd.concat([kept, rejected], ignore_index=True)
    counted = Counter(reason for row in rejected["reasons"] for reason in json.loads(row))
    duplicates = counted["duplicate_instruction"] + counted["duplicate_pair"]
    summary: dict[str, Any] = {
        "generated": len(scored),
        "kept": len(kept),
        "rejected": len(rejected),
        "kept_share": round(len(kept) / len(scored), 4) if len(scored) else 0.0,
        "funnel": _funnel(kept, rejected),
        "reasons": {reason: counted[reason] for reason in reasons() if counted[reason]},
        "funnel_by": {column: _funnel_by(kept, rejected, column) for column in group_columns},
        "verification": {
            str(key): int(value) for key, value in settled_verdicts(scored).value_counts().items()
        },
        "judge": _scores(scored),
        "near_duplicate_rate": round(duplicates / len(scored), 4) if len(scored) else 0.0,
        "distinct_n": {f"distinct_{n}": distinct_n(instructions, n) for n in (1, 2, 3)},
    }
    if question_types is not None and "question_type" in kept:
        summary["question_type_coverage"] = normalized_entropy(
            kept["question_type"], question_types
        )
    return summary


def build_curation_report(
    kept: pd.DataFrame, rejected: pd.DataFrame, judge_calls: pd.DataFrame
) -> dict[str, Any]:
    """The standalone pipeline's report: the funnel per input file (and per question type
    where the data has one), and what the judge cost."""
    groups = [column for column in ("source_file", "question_type") if column in kept.columns]
    return {
        **curation_summary(
            kept, rejected, groups, [conversation(chat).user for chat in kept["messages"]]
        ),
        "judge_calls": llm_usage(judge_calls),
    }
