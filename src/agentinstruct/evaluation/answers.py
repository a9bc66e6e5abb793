"""Each student answers every evaluation item through the gateway (cache, budget, batch mode
and the estimate apply to students as to the teacher)."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pandas as pd

from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.gateway.config import is_embedded
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import EvaluationParams
from agentinstruct.schemas.frames import CallLogSchema, frame_of
from agentinstruct.schemas.llm_outputs import student_answer

# The embedded model's grammar holds a string to its `maxLength`; above 1000 its sampler slows
# down (gateway/embedded/provider.py), and 135M parameters say what they can in less: 1000
# characters are about 300 tokens, well inside its context.
EMBEDDED_ANSWER_CHARS, EMBEDDED_MAX_TOKENS = 1000, 512


def student_stage(model: str) -> str:
    """A student's stage in the call log: one per student, so each is priced as its model."""
    return f"student:{model}"


def _answer_model(model: str, params: EvaluationParams) -> type:
    fewest, most = params.answer
    if is_embedded(model):
        most = min(most, EMBEDDED_ANSWER_CHARS)
    return student_answer((fewest, most), "fail")


def _max_tokens(model: str, params: EvaluationParams) -> int:
    cap = params.student_max_tokens
    return min(cap, EMBEDDED_MAX_TOKENS) if is_embedded(model) else cap


def _request(task: Any, response_model: type, max_tokens: int) -> LLMRequest:
    """A student's request: the item's chat, answered in one string."""
    return LLMRequest(
        item_id=task.item_id,
        messages=json.loads(task.prompt),
        response_model=response_model,
        max_tokens=max_tokens,
    )


def answer_items(
    tasks: pd.DataFrame, students: dict[str, Gateway], params: EvaluationParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per item and student (its response, or the reason its call failed), and every
    student call's log row."""
    rows: list[dict[str, Any]] = []
    logs = []
    for model, gateway in students.items():
        steps = LLMSteps(gateway)
        request = partial(
            _request,
            response_model=_answer_model(model, params),
            max_tokens=_max_tokens(model, params),
        )
        asked = steps.ask(student_stage(model), tasks.itertuples(index=False), request)
        answered = {task.item_id: output.answer for task, output in asked}
        log = steps.call_log()
        failures = dict(zip(log["item_id"], log["reason"].fillna(log["error_type"]), strict=True))
        for task in tasks.to_dict("records"):
            response = answered.get(task["item_id"])
            failure = None if response is not None else failures.get(task["item_id"], "error")
            rows.append({**task, "student": model, "response": response, "failure": failure})
        logs.append(log)
    answers = pd.DataFrame(rows, columns=[*tasks.columns, "student", "response", "failure"])
    calls = pd.concat(logs, ignore_index=True) if logs else frame_of(CallLogSchema, [])
    return answers, calls
