"""Stage 1, content transformation: each chunk is rewritten by agents drawn per chunk."""

import pandas as pd

from agentinstruct.flow.call_log import call_log
from agentinstruct.gateway import LLMGateway, LLMRequest
from agentinstruct.ids import seeded_rng, stable_id, weighted_sample
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import PassageSchema, frame_of
from agentinstruct.schemas.llm_outputs import TransformedPassage
from agentinstruct.schemas.tools import ApiLibrary
from agentinstruct.skill import Skill

# What each kind of agent returns, and how that becomes the passage text.
RESPONSE_MODELS = {"passage": TransformedPassage, "api_library": ApiLibrary}


def _passage_text(output: TransformedPassage | ApiLibrary) -> str:
    return output.passage if isinstance(output, TransformedPassage) else output.model_dump_json()


def plan_transformations(chunks: pd.DataFrame, skill: Skill, params: FlowParams) -> list[tuple]:
    """(chunk, agent name) pairs from a seeded, weighted draw per chunk."""
    settings = params.transformation
    return [
        (chunk, agent)
        for chunk in chunks.itertuples(index=False)
        for agent in weighted_sample(
            seeded_rng(params.seed, "transformation", chunk.chunk_id),
            list(skill.transformation_agents),
            settings.agent_weights,
            settings.agents_per_chunk,
        )
    ]


def transform_passages(
    chunks: pd.DataFrame, skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rewrite chunks into passages that suit the skill (a debate, a poem, a meeting...).

    Returns:
        passages (`PassageSchema`) and the stage's call log (`CallLogSchema`).
    """
    plan = plan_transformations(chunks, skill, params)
    requests = [
        LLMRequest(
            item_id=stable_id(chunk.chunk_id, agent),
            messages=skill.messages(
                "transform",
                agent=skill.transformation_agents[agent],
                text=chunk.text,
            ),
            response_model=RESPONSE_MODELS[skill.transformation_agents[agent].output],
            max_tokens=params.transformation.max_tokens,
        )
        for chunk, agent in plan
        if skill.transformation_agents[agent].llm
    ]
    results = {
        result.request.item_id: result for result in llm.generate("transformation", requests)
    }
    rows = []
    for chunk, agent in plan:
        passage_id = stable_id(chunk.chunk_id, agent)
        if skill.transformation_agents[agent].llm:
            output = results[passage_id].output
            if output is None:  # the failure is in the call log
                continue
            passage = _passage_text(output)
        else:
            passage = chunk.text
        rows.append(
            {
                "passage_id": passage_id,
                "chunk_id": chunk.chunk_id,
                "doc_id": chunk.doc_id,
                "transformation_agent": agent,
                "passage": passage,
            }
        )
    return frame_of(PassageSchema, rows), call_log(results.values())
