"""Stage 2, seed instruction generation: instructions of taxonomy types that suit each passage;
and what every instruction row is (stages 2 and 3), with the task text a student sees for it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel

from agentinstruct.flow.steps import LLMSteps
from agentinstruct.flow.transformation import provenance
from agentinstruct.gateway import LLMRequest
from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import InstructionSchema, frame_of
from agentinstruct.schemas.llm_outputs import question_model
from agentinstruct.skill import QuestionType, Skill

if TYPE_CHECKING:  # the gateway imports LiteLLM: only processes that call a model pay for it
    from agentinstruct.gateway import LLMGateway


def question_text(skill: Skill, instruction: Any) -> str:
    """An instruction's question with its lettered options."""
    return skill.render(
        "question", question=instruction.question, options=json.loads(instruction.options)
    )


def task_text(skill: Skill, instruction: Any) -> str:
    """The task text, the user turn a student sees: the instruction's passage, then its question."""
    return skill.render(
        "task", passage=instruction.passage, question=question_text(skill, instruction)
    )


def instruction_row(
    source: Any,
    *,
    instruction_id: str,
    question_type: str,
    answer_format: str,
    output: BaseModel,
    passage: str,
    refinement_goal: str | None = None,
    refinement_round: int = 0,
    parent_id: str | None = None,
    suggestions: list[str] | None = None,
) -> dict[str, Any]:
    """One `InstructionSchema` row; provenance columns are carried over from `source`."""
    return {
        **provenance(source),
        "passage_id": source.passage_id,
        "transformation_agent": source.transformation_agent,
        "passage": passage,
        "instruction_id": instruction_id,
        "question_type": question_type,
        "answer_format": answer_format,
        "question": output.question,
        "options": json.dumps(getattr(output, "options", []), ensure_ascii=False),
        "reference_answer": output.answer,
        "refinement_goal": refinement_goal,
        "refinement_round": refinement_round,
        "parent_id": parent_id,
        "suggestions": json.dumps(suggestions or [], ensure_ascii=False),
    }


def generate_seed_instructions(
    passages: pd.DataFrame,
    run_plan: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    llm: LLMGateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One instruction per (passage, question type) of the run plan, in the output schema of the
    type's answer format.

    Returns:
        seed instructions (`InstructionSchema`, round 0) and the call log.
    """
    types = run_plan.groupby("passage_id", sort=False)["question_type"].agg(list)
    plan = [
        (passage, skill.question_types[type_name])
        for passage in passages.itertuples(index=False)
        for type_name in types.get(passage.passage_id, [])
    ]

    def request(item: tuple[Any, QuestionType]) -> LLMRequest:
        passage, question_type = item
        return LLMRequest(
            item_id=stable_id(passage.passage_id, question_type.name),
            messages=skill.messages(
                "seed_instruction", passage=passage.passage, question_type=question_type
            ),
            response_model=question_model(question_type.answer_format),
            max_tokens=params.instructions.max_tokens,
        )

    steps = LLMSteps(llm)
    rows = [
        instruction_row(
            passage,
            instruction_id=stable_id(passage.passage_id, question_type.name),
            question_type=question_type.name,
            answer_format=question_type.answer_format,
            output=output,
            passage=passage.passage,
        )
        for (passage, question_type), output in steps.ask("seed_instructions", plan, request)
    ]
    return frame_of(InstructionSchema, rows), steps.call_log()
