"""Stage 3, suggester-editor refinement: harder variants are added beside their parents."""

import pandas as pd

from agentinstruct.flow.call_log import call_log
from agentinstruct.flow.tasks import instruction_row, question_text
from agentinstruct.gateway import LLMGateway, LLMRequest, LLMResult
from agentinstruct.ids import seeded_rng, stable_id, weighted_sample
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import InstructionSchema, frame_of
from agentinstruct.schemas.llm_outputs import Suggestions, edited_task_model, question_model
from agentinstruct.skill import Skill


def _refine_round(
    parents: pd.DataFrame, round_number: int, skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[list[dict], list[LLMResult]]:
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
    suggest_requests = [
        LLMRequest(
            item_id=stable_id(parent.instruction_id, goal.name, round_number),
            messages=skill.messages(
                "suggest", passage=parent.passage, question=question_text(skill, parent), goal=goal
            ),
            response_model=Suggestions,
            max_tokens=settings.suggest_max_tokens,
        )
        for parent, goal in plan
    ]
    suggested = llm.generate("refinement.suggest", suggest_requests)
    edits = [
        (parent, goal, result.output.suggestions)
        for (parent, goal), result in zip(plan, suggested, strict=True)
        if result.output is not None
    ]
    edit_requests = [
        LLMRequest(
            item_id=stable_id(parent.instruction_id, goal.name, round_number),
            messages=skill.messages(
                "edit",
                passage=parent.passage,
                question=question_text(skill, parent),
                suggestions=suggestions,
                goal=goal,
                answer_format=parent.answer_format,
            ),
            response_model=(question_model if goal.keeps_passage else edited_task_model)(
                parent.answer_format
            ),
            max_tokens=settings.edit_max_tokens,
        )
        for parent, goal, suggestions in edits
    ]
    edited = llm.generate("refinement.edit", edit_requests)
    rows = []
    for (parent, goal, suggestions), result in zip(edits, edited, strict=True):
        if result.output is None:
            continue
        row = instruction_row(
            parent,
            instruction_id=result.request.item_id,
            question_type=parent.question_type,
            answer_format=parent.answer_format,
            output=result.output,
            passage=parent.passage if goal.keeps_passage else result.output.passage,
            refinement_goal=goal.name,
            refinement_round=round_number,
            parent_id=parent.instruction_id,
            suggestions=suggestions,
        )
        if goal.reference_answer is not None:
            row["reference_answer"] = goal.reference_answer
        rows.append(row)
    return rows, [*suggested, *edited]


def refine_instructions(
    seed_instructions: pd.DataFrame, skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each round refines the previous round's tasks toward drawn goals (unanswerable, ...).

    Returns:
        refined instructions (`InstructionSchema`, round >= 1, with `parent_id`) and the call log.
    """
    rows: list[dict] = []
    results: list[LLMResult] = []
    parents = seed_instructions
    for round_number in range(1, params.refinement.rounds + 1):
        round_rows, round_results = _refine_round(parents, round_number, skill, params, llm)
        rows += round_rows
        results += round_results
        parents = frame_of(InstructionSchema, round_rows)
    return frame_of(InstructionSchema, rows), call_log(results)
