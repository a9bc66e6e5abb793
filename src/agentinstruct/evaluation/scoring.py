"""Scoring a student's answers: exact match by rule where the item has a key, and the judge's
0-10 Orca-Bench score against the teacher's answer where it has one (every skill item)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.verification import verify
from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import EvaluationParams
from agentinstruct.schemas.frames import EvaluationItemSchema, frame_of, is_permanent
from agentinstruct.schemas.llm_outputs import orca_bench_verdict

Render = Callable[..., str]  # the judge template: render(turns=, reference=, response=)
EXACT = {"agrees": 1.0, "disagrees": 0.0}  # any other verdict: the item has no key


def _no_answer(row: dict[str, Any]) -> bool:
    """A student call that failed for good (its answer broke the schema, ran past max_tokens):
    the student's failure, scored 0. One that may pass (a timeout, a 429) is left unscored, and
    a re-run asks it again."""
    return not isinstance(row["response"], str) and is_permanent(row["failure"])


def exact_match(row: dict[str, Any], rules: CurationRules) -> tuple[float | None, str | None]:
    """1 or 0 where the item's key decides (its letter, truth value or order), else None."""
    if row["key"] is None or pd.isna(row["key"]):
        return None, None
    if not isinstance(row["response"], str):
        return (0.0, f"no answer: {row['failure']}") if _no_answer(row) else (None, None)
    verdict, why = verify(row["answer_format"], row["key"], row["options"], row["response"], rules)
    return EXACT.get(verdict), why


def _judge_request(row: dict[str, Any], render: Render, params: EvaluationParams) -> LLMRequest:
    prompt = render(
        turns=json.loads(row["prompt"]),
        reference=row["reference_response"],
        response=row["response"],
    )
    return LLMRequest(
        item_id=f"{row['item_id']}:{row['student']}",
        messages=[{"role": "user", "content": prompt}],
        response_model=orca_bench_verdict(params.judge.rationale, params.judge.over_limit),
        max_tokens=params.judge.max_tokens,
    )


def score_answers(
    answers: pd.DataFrame,
    render: Render,
    rules: CurationRules,
    params: EvaluationParams,
    judge: Gateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every answer scored (`EvaluationItemSchema`) and the judge's call log. The judge sees
    only answered items with a reference response; a failed judge call leaves its score null."""
    rows = answers.to_dict("records")
    for row in rows:
        row["exact_match"], row["exact_detail"] = exact_match(row, rules)
    steps = LLMSteps(judge)
    to_judge = [
        row
        for row in rows
        if params.judge.enabled
        and isinstance(row["response"], str)
        and isinstance(row["reference_response"], str)
    ]
    verdicts = {
        f"{row['item_id']}:{row['student']}": verdict
        for row, verdict in steps.ask(
            "evaluation_judge", to_judge, lambda row: _judge_request(row, render, params)
        )
    }
    for row in rows:
        verdict = verdicts.get(f"{row['item_id']}:{row['student']}")
        row["score"] = verdict.score if verdict else None
        row["rationale"] = verdict.rationale if verdict else None
        if _no_answer(row) and params.judge.enabled and isinstance(row["reference_response"], str):
            row["score"], row["rationale"] = 0, f"no answer: {row['failure']}"
    items = frame_of(EvaluationItemSchema, rows)
    items["score"] = items["score"].astype("Int64")
    items["exact_match"] = items["exact_match"].astype(float)
    return items, steps.call_log()
