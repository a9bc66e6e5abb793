"""The LLM judge: one structured call per pair through the gateway, scores 1-5 and a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from agentinstruct.curation.rules import CurationRules
from agentinstruct.flow.steps import LLMSteps
from agentinstruct.gateway import LLMRequest
from agentinstruct.params import CurationParams, JudgeParams
from agentinstruct.schemas.llm_outputs import (
    JUDGE_DIMENSIONS,
    JudgeVerdict,
    JudgeVerdictWithReference,
)

if TYPE_CHECKING:  # the gateway imports LiteLLM: only processes that call a model pay for it
    from agentinstruct.gateway import LLMGateway

Render = Callable[..., str]  # the judge template: render(turns=..., reference_answer=...)


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
                "content": "\n".join([turn.get("content") or "", *calls]).strip(),
            }
        )
    return shown


def _verdicts(
    pairs: pd.DataFrame, render: Render, system_prompt: str, params: JudgeParams, steps: LLMSteps
) -> dict[str, dict[str, Any]]:
    """Verdicts by pair id; the reference answer is shown where the rules left it to the judge
    (a failed call has no verdict; its record is in the call log)."""

    def request(pair: Any) -> LLMRequest:
        reference = pair.reference_answer if pair.verification == "judge" else None
        prompt = render(turns=_turns(pair.messages), reference_answer=reference)
        return LLMRequest(
            item_id=pair.pair_id,
            messages=[
                {"role": "system", "content": system_prompt},
                {"role": "user", "content": prompt},
            ],
            response_model=JudgeVerdictWithReference if reference else JudgeVerdict,
            max_tokens=params.max_tokens,
        )

    asked = steps.ask("judge", pairs.itertuples(index=False), request)
    return {pair.pair_id: verdict.model_dump() for pair, verdict in asked}


def judge_pairs(
    checked: pd.DataFrame,
    render: Render,
    rules: CurationRules,
    params: CurationParams,
    llm: LLMGateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge scores for the pairs still in the running (or all, `judge.only_clean: false`)."""
    judged = checked.reset_index(drop=True)  # rows by position, as `judged.loc` below
    settings = params.judge
    steps = LLMSteps(llm)
    if not settings.enabled:
        return judged, steps.call_log()
    candidates = judged[judged["reasons"] == "[]"] if settings.only_clean else judged
    verdicts = _verdicts(candidates, render, rules.judge_system_prompt, settings, steps)
    for position, pair_id in enumerate(judged["pair_id"]):
        verdict = verdicts.get(pair_id)
        if verdict is None:
            continue
        for dimension in JUDGE_DIMENSIONS:
            judged.loc[position, f"judge_{dimension}"] = verdict[dimension]
        judged.loc[position, "judge_rationale"] = verdict["rationale"]
        if "agrees_with_reference" in verdict:
            agrees = verdict["agrees_with_reference"]
            judged.loc[position, "verification"] = "agrees" if agrees else "disagrees"
            judged.loc[position, "verification_detail"] = "the judge compared it with the reference"
    return judged, steps.call_log()
