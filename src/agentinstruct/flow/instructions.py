"""Stage 2, seed instruction generation: tasks of taxonomy types that suit each passage."""

import pandas as pd

from agentinstruct.flow.call_log import call_log
from agentinstruct.flow.tasks import instruction_row
from agentinstruct.gateway import LLMGateway, LLMRequest
from agentinstruct.ids import seeded_rng, stable_id, weighted_sample
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import InstructionSchema, frame_of
from agentinstruct.schemas.llm_outputs import question_model
from agentinstruct.skill import Skill


def generate_seed_instructions(
    passages: pd.DataFrame, skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One task per (passage, drawn question type), in the output schema of the type's format.

    Returns:
        seed instructions (`InstructionSchema`, round 0) and the call log.
    """
    plan = [
        (passage, skill.question_types[type_name])
        for passage in passages.itertuples(index=False)
        for type_name in weighted_sample(
            seeded_rng(params.seed, "instructions", passage.passage_id),
            skill.question_types_for(passage.transformation_agent),
            {},
            params.instructions.types_per_passage,
        )
    ]
    requests = [
        LLMRequest(
            item_id=stable_id(passage.passage_id, question_type.name),
            messages=skill.messages(
                "seed_instruction", passage=passage.passage, question_type=question_type
            ),
            response_model=question_model(question_type.answer_format),
            max_tokens=params.instructions.max_tokens,
        )
        for passage, question_type in plan
    ]
    results = llm.generate("seed_instructions", requests)
    rows = [
        instruction_row(
            passage,
            instruction_id=result.request.item_id,
            question_type=question_type.name,
            answer_format=question_type.answer_format,
            output=result.output,
            passage=passage.passage,
        )
        for (passage, question_type), result in zip(plan, results, strict=True)
        if result.output is not None
    ]
    return frame_of(InstructionSchema, rows), call_log(results)
