"""Stage 3, suggester-editor refinement: harder variants are added beside their parents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from agentinstruct.flow.instructions import instruction_row, question_text
from agentinstruct.flow.steps import LLMSteps
from agentinstruct.gateway import LLMRequest
from agentinstruct.ids import seeded_rng, stable_id, weighted_sample
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import InstructionSchema, frame_of
from agentinstruct.schemas.llm_outputs import Suggestions, edited_task_model, question_model
from agentinstruct.skill import RefinementGoal, Skill

if TYPE_CHECKING:  # the gateway imports LiteLLM: only processes that call a model pay for it
    from agentinstruct.gateway import LLMGateway


def _refine_round(
    parents: pd.DataFrame, round_number: int, skill: Skill, params: FlowParams, steps: LLMSteps
) -> list[dict]:
    """One suggest step and one edit step over (parent, drawn goal) pairs: the round's rows."""
    settings = params.refinement
    plan = [
        (parent, skill.refinement_goals[goal_name])
        for parent in parents.itertuples(index=False)
        for goal_name in weighted_sample(
            seeded_rng(params.seed, "refinement", round_number, parent.instruction_id),
            list(skill.refinement_goals),
            settings.goal_weights,
            settings.goals_per_instruction,
        )
    ]

    def suggest(item: tuple[Any, RefinementGoal]) -> LLMRequest:
        parent, goal = item
        return LLMRequest(
            item_id=stable_id(parent.instruction_id, goal.name, round_number),
            messages=skill.messages(
                "suggest", passage=parent.passage, question=question_text(skill, parent), goal=goal
            ),
            response_model=Suggestions,
            max_tokens=settings.suggest_max_tokens,
        )

    def edit(item: tuple[tuple[Any, RefinementGoal], Suggestions]) -> LLMRequest:
        (parent, goal), suggested = item
        return LLMRequest(
            item_id=stable_id(parent.instruction_id, goal.name, round_number),
            messages=skill.messages(
                "edit",
                passage=parent.passage,
                question=question_text(skill, parent),
                suggestions=suggested.suggestions,
                goal=goal,
                answer_format=parent.answer_format,
            ),
            response_model=(question_model if goal.keeps_passage else edited_task_model)(
                parent.answer_format
            ),
            max_tokens=settings.edit_max_tokens,
        )

    edited = steps.ask("refinement.edit", steps.ask("refinement.suggest", plan, suggest), edit)
    rows = []
    for ((parent, goal), suggested), output in edited:
        row = instruction_row(
            parent,
            instruction_id=stable_id(parent.instruction_id, goal.name, round_number),
            question_type=parent.question_type,
            answer_format=parent.answer_format,
            output=output,
            passage=parent.passage if goal.keeps_passage else output.passage,
            refinement_goal=goal.name,
            refinement_round=round_number,
            parent_id=parent.instruction_id,
            suggestions=suggested.suggestions,
        )
        if goal.reference_answer is not None:
            row["reference_answer"] = goal.reference_answer
        rows.append(row)
    return rows


def refine_instructions(
    seed_instructions: pd.DataFrame, skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each round refines the previous round's instructions toward drawn goals (unanswerable, ...).

    Returns:
        refined instructions (`InstructionSchema`, round >= 1, with `parent_id`) and the call log.
    """
    steps = LLMSteps(llm)
    rows: list[dict] = []
    parents = seed_instructions
    for round_number in range(1, params.refinement.rounds + 1):
        round_rows = _refine_round(parents, round_number, skill, params, steps)
        rows += round_rows
        parents = frame_of(InstructionSchema, round_rows)
    return frame_of(InstructionSchema, rows), steps.call_log()
