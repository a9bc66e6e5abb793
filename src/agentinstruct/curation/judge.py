"""The LLM judge: one structured call per pair through the gateway, scores 1-5 and a reason.

Requests are ordered by their user turns, so calls about the same passage run back to back and
a local model re-reads only what differs from the previous prompt (llama.cpp keeps the prefix).
"""

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from agentinstruct.curation.rules import CurationRules
from agentinstruct.flow.call_log import call_log
from agentinstruct.gateway import LLMGateway, LLMRequest, LLMResult
from agentinstruct.params import CurationParams, JudgeParams
from agentinstruct.schemas.llm_outputs import (
    JUDGE_DIMENSIONS,
    JudgeVerdict,
    JudgeVerdictWithReference,
)

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


def judge_requests(
    pairs: pd.DataFrame, render: Render, system_prompt: str, params: JudgeParams
) -> list[LLMRequest]:
    """One request per pair; the reference answer is shown where the rules left it to the judge."""
    requests = []
    for pair in pairs.itertuples(index=False):
        reference = pair.reference_answer if pair.verification == "judge" else None
        turns = _turns(pair.messages)
        requests.append(
            LLMRequest(
                item_id=pair.pair_id,
                messages=[
                    {"role": "system", "content": system_prompt},
                    {"role": "user", "content": render(turns=turns, reference_answer=reference)},
                ],
                response_model=JudgeVerdictWithReference if reference else JudgeVerdict,
                max_tokens=params.max_tokens,
            )
        )
    return sorted(requests, key=lambda request: request.messages[1]["content"])


def _verdicts(
    pairs: pd.DataFrame, render: Render, system_prompt: str, params: JudgeParams, llm: LLMGateway
) -> tuple[dict[str, dict[str, Any]], list[LLMResult]]:
    """Verdicts by pair id (a failed call has none; its record is in the call log)."""
    results = llm.generate("judge", judge_requests(pairs, render, system_prompt, params))
    verdicts = {
        result.request.item_id: result.output.model_dump()
        for result in results
        if result.output is not None
    }
    return verdicts, results


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
    if not settings.enabled:
        return judged, call_log([])
    candidates = judged[judged["reasons"] == "[]"] if settings.only_clean else judged
    verdicts, results = _verdicts(candidates, render, rules.judge_system_prompt, settings, llm)
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
    return judged, call_log(results)
