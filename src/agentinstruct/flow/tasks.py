"""A task row (stages 2 and 3) and the text a student sees for it."""

import json
from typing import Any

from pydantic import BaseModel

from agentinstruct.skill import Skill


def question_text(skill: Skill, task: Any) -> str:
    """A task row's question with its lettered options."""
    return skill.render("question", question=task.question, options=json.loads(task.options))


def task_text(skill: Skill, task: Any) -> str:
    """The user turn for a task row: the passage, then the question."""
    return skill.render("task", passage=task.passage, question=question_text(skill, task))


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
        "passage_id": source.passage_id,
        "chunk_id": source.chunk_id,
        "doc_id": source.doc_id,
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
