"""The LLM judge: one structured call per pair through the gateway, scores 1-5 and a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.text import content_text
from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.gateway.estimate import made_up
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import CurationParams, JudgeParams
from agentinstruct.schemas.llm_outputs import (
    JUDGE_DIMENSIONS,
    judge_verdict,
    judge_verdict_with_reference,
)

Render = Callable[..., str]  # the judge template: render(turns=, reference_answer=, prompts=)


def _turns(messages: str) -> list[dict[str, str]]:
    """The chat after the system turn, tool calls written out as text."""
    shown = []
    for turn in json.loads(messages):
        if turn.get("role") == "system":
            continue
        calls = [
            f"calls {call['function']['name']}({call['function']['arguments']})"
            for call in turn.get("tool_calls") or []
        ]
        shown.append(
            {
                "role": turn["role"],
                "content": "\n".join([content_text(turn.get("content")), *calls]).strip(),
            }
        )
    return shown


def _verdicts(
    pairs: pd.DataFrame, render: Render, system_prompt: str, params: JudgeParams, steps: LLMSteps
) -> dict[str, dict[str, Any]]:
    """Verdicts by pair id; the reference answer is shown where the rules left it to the judge
    (a failed call has no verdict; its record is in the call log)."""

    sized = (params.rationale, params.over_limit)

    def request(pair: Any) -> LLMRequest:
        reference = pair.reference_answer if pair.verification == "judge" else None
        prompt = render(
            turns=_turns(pair.messages), reference_answer=reference, prompts=params.prompts
        )
        return LLMRequest(
            item_id=pair.pair_id,
            messages=[
                {"role": "system", "content": system_prompt},
                {"role": "user", "content": prompt},
            ],
            response_model=(judge_verdict_with_reference if reference else judge_verdict)(*sized),
            max_tokens=params.max_tokens,
        )

    asked = steps.ask("judge", pairs.itertuples(index=False), request)
    return {pair.pair_id: verdict.model_dump() for pair, verdict in asked}


def judge_pairs(
    checked: pd.DataFrame,
    render: Render,
    rules: CurationRules,
    params: CurationParams,
    llm: Gateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge scores for the pairs still in the running (or all, `judge.only_clean: false`; in an
    estimate, also those of placeholder text)."""
    judged = checked.reset_index(drop=True)  # rows by position, as `judged.loc` below
    settings = params.judge
    steps = LLMSteps(llm)
    if not settings.enabled:
        return judged, steps.call_log()
    candidates = judged
    if settings.only_clean:
        candidates = judged[(judged["reasons"] == "[]") | _made_up(judged, llm)]
    verdicts = _verdicts(candidates, render, rules.judge_system_prompt, settings, steps)
    _write_verdicts(judged, verdicts)
    return judged, steps.call_log()


def _made_up(pairs: pd.DataFrame, llm: Gateway) -> pd.Series:
    """Pairs whose text an estimate made up. Placeholder text passes or fails the checks as the
    teacher's would not, so an estimate asks the judge about these whatever the checks said: its
    projection then bounds the judge's requests and tokens from above."""
    flags = [made_up(llm, messages) for messages in pairs["messages"]]
    return pd.Series(flags, index=pairs.index, dtype=bool)


def _write_verdicts(judged: pd.DataFrame, verdicts: dict[str, dict[str, Any]]) -> None:
    """Each verdict into its pair's row, a column at a time (a cell at a time was ~5% of a
    batch-mode run's CPU)."""
    scored = [
        (row, verdicts[pair_id])
        for row, pair_id in enumerate(judged["pair_id"])
        if pair_id in verdicts
    ]
    fields = {f"judge_{dimension}": dimension for dimension in JUDGE_DIMENSIONS}
    for column, field in {**fields, "judge_rationale": "rationale"}.items():
        _write(judged, column, [(row, verdict[field]) for row, verdict in scored])
    agrees = [
        (row, verdict["agrees_with_reference"])
        for row, verdict in scored
        if "agrees_with_reference" in verdict
    ]
    _write(judged, "judge_agrees", agrees)  # `verification` stays the rules' (checks.py)


def _write(frame: pd.DataFrame, column: str, cells: list[tuple[int, Any]]) -> None:
    if cells:
        rows, values = zip(*cells, strict=True)
        frame.loc[list(rows), column] = list(values)
