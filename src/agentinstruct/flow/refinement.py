"""Stage 3, suggester-editor refinement: harder variants are added beside their parents."""

from __future__ import annotations

from typing import Any

import pandas as pd

from agentinstruct.flow.instructions import Task, instruction_row, question_text
from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.ids import seeded_rng, stable_id, weighted_sample
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import InstructionSchema, frame_of
from agentinstruct.schemas.llm_outputs import contracts
from agentinstruct.skill import RefinementGoal, Skill

Edit = tuple[Any, RefinementGoal, int, list[str]]  # parent, goal, edit number, suggestions applied


def _goals(parent: Any, round_number: int, skill: Skill, params: FlowParams) -> list[str]:
    goals = list(skill.refinement_goals)
    return weighted_sample(
        seeded_rng(params.seed, "refinement", round_number, parent.instruction_id),
        goals,
        params.refinement.goal_weights,
        params.goal_count(goals),
    )


def _edits(
    parent: Any, goal: RefinementGoal, suggestions: list[str], params: FlowParams
) -> list[Edit]:
    """What the editor is asked to apply: each of the suggestions asked for on its own (one
    item each, the paper's "more pairs"), or all of them at once (one item)."""
    if not params.refinement.edit_each_suggestion:
        return [(parent, goal, 0, suggestions)]
    asked = suggestions[: params.edits_per_goal()]
    return [(parent, goal, number, [suggestion]) for number, suggestion in enumerate(asked)]


def _edit_id(parent: Any, goal: RefinementGoal, round_number: int, number: int) -> str:
    """The first edit keeps the id of a goal's only edit; later ones are numbered."""
    return stable_id(parent.instruction_id, goal.name, round_number, *([number] if number else []))


def suggest_context(
    skill: Skill, parent: Any, goal: RefinementGoal, params: FlowParams
) -> dict[str, Any]:
    """What `suggest.j2` and its system message are rendered with (also by the template check,
    template_check.py)."""
    return {
        "passage": parent.passage,
        "question": question_text(skill, parent),
        "goal": goal,
        "prompts": params.prompts,
    }


def edit_context(
    skill: Skill, parent: Any, goal: RefinementGoal, suggestions: list[str], params: FlowParams
) -> dict[str, Any]:
    """What `edit.j2` and its system message are rendered with (also by the template check)."""
    return {
        **suggest_context(skill, parent, goal, params),
        "suggestions": suggestions,
        "answer_format": parent.answer_format,
    }


def _refine_round(
    parents: pd.DataFrame, round_number: int, skill: Skill, params: FlowParams, steps: LLMSteps
) -> list[dict]:
    """One suggest step and one edit step over (parent, drawn goal) pairs: the round's rows."""
    settings = params.refinement
    models = contracts(params.limits)
    plan = [
        (parent, skill.refinement_goals[goal_name])
        for parent in parents.itertuples(index=False)
        for goal_name in _goals(parent, round_number, skill, params)
    ]

    def suggest(item: tuple[Any, RefinementGoal]) -> LLMRequest:
        parent, goal = item
        return LLMRequest(
            item_id=stable_id(parent.instruction_id, goal.name, round_number),
            messages=skill.messages("suggest", **suggest_context(skill, parent, goal, params)),
            response_model=models.suggestions,
            max_tokens=settings.suggest_max_tokens,
        )

    def edit(item: Edit) -> LLMRequest:
        parent, goal, number, suggestions = item
        return LLMRequest(
            item_id=_edit_id(parent, goal, round_number, number),
            messages=skill.messages(
                "edit", **edit_context(skill, parent, goal, suggestions, params)
            ),
            response_model=(models.question if goal.keeps_passage else models.edited_task)(
                parent.answer_format
            ),
            max_tokens=settings.edit_max_tokens,
        )

    edits = [
        edit_item
        for (parent, goal), suggested in steps.ask("refinement.suggest", plan, suggest)
        for edit_item in _edits(parent, goal, suggested.suggestions, params)
    ]
    rows = []
    for (parent, goal, number, suggestions), output in steps.ask("refinement.edit", edits, edit):
        row = instruction_row(
            parent,
            instruction_id=_edit_id(parent, goal, round_number, number),
            question_type=parent.question_type,
            answer_format=parent.answer_format,
            task=Task.of(output),
            passage=parent.passage if goal.keeps_passage else output.passage,
            refinement_goal=goal.name,
            refinement_round=round_number,
            parent_id=parent.instruction_id,
            suggestions=suggestions,
        )
        if goal.reference_answer is not None:
            row["reference_answer"] = goal.reference_answer
        rows.append(row)
    return rows


def refine_instructions(
    seed_instructions: pd.DataFrame, skill: Skill, params: FlowParams, llm: Gateway
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
