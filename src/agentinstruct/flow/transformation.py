"""Stage 1, content transformation: each chunk is rewritten by agents drawn per chunk."""

from __future__ import annotations

from typing import Any

import pandas as pd

from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.ids import stable_id
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import PassageSchema, frame_of
from agentinstruct.schemas.limits import ContractLimits
from agentinstruct.schemas.llm_outputs import Contract, contracts
from agentinstruct.schemas.tools import api_library_model
from agentinstruct.skill import Skill, TransformationAgent

PROVENANCE = ("chunk_id", "doc_id", "source_path", "source_format", "title", "chunk_index")


def provenance(row: Any) -> dict[str, Any]:
    """Where a row comes from (chunk, document, file, position), carried to every later frame."""
    return {column: getattr(row, column) for column in PROVENANCE}


def _response_model(agent: TransformationAgent, limits: ContractLimits) -> type[Contract]:
    """What an agent returns: a passage, or an API library (tool use)."""
    if agent.output == "api_library":
        return api_library_model(limits)
    return contracts(limits).transformed_passage


def _passage_text(agent: TransformationAgent, output: Any) -> str:
    """The passage text of an agent's output: the passage, or the library as JSON."""
    return output.model_dump_json() if agent.output == "api_library" else output.passage


def transform_context(agent: TransformationAgent, text: str, params: FlowParams) -> dict[str, Any]:
    """What `transform.j2` and its system message are rendered with; shared with the template
    check, which renders them on samples when the skill loads (template_check.py)."""
    return {"agent": agent, "text": text, "prompts": params.prompts}


def transform_passages(
    chunks: pd.DataFrame, run_plan: pd.DataFrame, skill: Skill, params: FlowParams, llm: Gateway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rewrite the planned chunks into passages that suit the skill (a debate, a poem, a
    meeting...), by the agents the plan names.

    Agents without an LLM (`identity`) pass the chunk through; a failed rewrite is left out.

    Returns:
        passages (`PassageSchema`) and the stage's call log (`CallLogSchema`).
    """
    agents = skill.transformation_agents
    planned = run_plan.drop_duplicates("passage_id")
    used = chunks[chunks["chunk_id"].isin(planned["chunk_id"])]  # a sampled plan uses few
    by_id = {chunk.chunk_id: chunk for chunk in used.itertuples(index=False)}
    plan = [
        (by_id[row.chunk_id], row.transformation_agent) for row in planned.itertuples(index=False)
    ]

    def request(item: tuple[Any, str]) -> LLMRequest:
        chunk, agent = item
        return LLMRequest(
            item_id=stable_id(chunk.chunk_id, agent),
            messages=skill.messages(
                "transform", **transform_context(agents[agent], chunk.text, params)
            ),
            response_model=_response_model(agents[agent], params.limits),
            max_tokens=params.transformation.max_tokens,
        )

    steps = LLMSteps(llm)
    rewrites = [item for item in plan if agents[item[1]].llm]
    passages = {
        item: _passage_text(agents[item[1]], out)
        for item, out in steps.ask("transformation", rewrites, request)
    }
    passages |= {(chunk, agent): chunk.text for chunk, agent in plan if not agents[agent].llm}
    rows = [
        {
            "passage_id": stable_id(chunk.chunk_id, agent),
            **provenance(chunk),
            "transformation_agent": agent,
            "passage": passages[chunk, agent],
        }
        for chunk, agent in plan
        if (chunk, agent) in passages
    ]
    return frame_of(PassageSchema, rows), steps.call_log()
