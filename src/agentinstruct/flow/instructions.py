"""Stage 2, seed instruction generation: instructions of taxonomy types that suit each passage;
and what every instruction row is (stages 2 and 3), with the task text a student sees for it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from agentinstruct.flow.transformation import provenance
from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.ids import stable_id
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import InstructionSchema, frame_of
from agentinstruct.schemas.llm_outputs import Contract, contracts, question_list
from agentinstruct.skill import QuestionType, Skill


def question_context(instruction: Any) -> dict[str, Any]:
    """What `question.j2` is rendered with (also by the template check, template_check.py)."""
    return {"question": instruction.question, "options": json.loads(instruction.options)}


def question_text(skill: Skill, instruction: Any) -> str:
    """An instruction's question with its lettered options."""
    return skill.render("question", **question_context(instruction))


def task_context(skill: Skill, instruction: Any) -> dict[str, Any]:
    """What `task.j2` is rendered with (also by the template check)."""
    return {"passage": instruction.passage, "question": question_text(skill, instruction)}


def task_text(skill: Skill, instruction: Any) -> str:
    """The task text, the user turn a student sees: the instruction's passage, then its question."""
    return skill.render("task", **task_context(skill, instruction))


@dataclass(frozen=True)
class Task:
    """One task a call wrote: its question, its options (multiple choice) and its answer."""

    question: str
    answer: str
    options: tuple[str, ...] = ()

    @classmethod
    def of(cls, output: Any) -> Task:
        return cls(output.question, output.answer, tuple(getattr(output, "options", ())))


def instruction_row(
    source: Any,
    *,
    instruction_id: str,
    question_type: str,
    answer_format: str,
    task: Task,
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
        "question": task.question,
        "options": json.dumps(list(task.options), ensure_ascii=False),
        "reference_answer": task.answer,
        "refinement_goal": refinement_goal,
        "refinement_round": refinement_round,
        "parent_id": parent_id,
        "suggestions": json.dumps(suggestions or [], ensure_ascii=False),
    }


def seed_context(passage: str, question_type: QuestionType, params: FlowParams) -> dict[str, Any]:
    """What `seed_instruction.j2` and its system message are rendered with (also by the
    template check, template_check.py)."""
    return {
        "passage": passage,
        "question_type": question_type,
        "count": params.instructions.questions_per_type,
        "true_false_pairs": params.statement_pairs(question_type.answer_format),
        "prompts": params.prompts,
    }


def seed_model(params: FlowParams, question_type: QuestionType) -> type[Contract]:
    """One task of the type's answer format, or (more than one asked for, or true/false as a
    pair of statements) a list of them."""
    models = contracts(params.limits)
    count = params.instructions.questions_per_type
    pairs = params.statement_pairs(question_type.answer_format)
    item = models.true_false_pair if pairs else models.question(question_type.answer_format)
    if count == 1 and not pairs:
        return item
    return question_list(item, count, params.limits.questions, params.limits.over_limit)


def seed_tasks(output: Any, params: FlowParams, question_type: QuestionType) -> list[Task]:
    """The tasks of one seed call: the first `questions_per_type` of a list (a pair of
    statements gives two, the true one first)."""
    if not hasattr(output, "tasks"):
        return [Task.of(output)]
    written = output.tasks[: params.instructions.questions_per_type]
    if not params.statement_pairs(question_type.answer_format):
        return [Task.of(item) for item in written]
    return [
        Task(statement, truth)
        for pair in written
        for statement, truth in ((pair.true_statement, "True"), (pair.false_statement, "False"))
    ]


def generate_seed_instructions(
    passages: pd.DataFrame,
    run_plan: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    llm: Gateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tasks of each (passage, question type) of the run plan, in the output schema of the
    type's answer format: one, or (`questions_per_type`) several from one call, each its own
    instruction (the first keeps the plan's id).

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
                "seed_instruction", **seed_context(passage.passage, question_type, params)
            ),
            response_model=seed_model(params, question_type),
            max_tokens=params.instructions.max_tokens,
        )

    steps = LLMSteps(llm)
    rows = [
        instruction_row(
            passage,
            instruction_id=stable_id(passage.passage_id, question_type.name, *([k] if k else [])),
            question_type=question_type.name,
            answer_format=question_type.answer_format,
            task=task,
            passage=passage.passage,
        )
        for (passage, question_type), output in steps.ask("seed_instructions", plan, request)
        for k, task in enumerate(seed_tasks(output, params, question_type))
    ]
    return frame_of(InstructionSchema, rows), steps.call_log()
