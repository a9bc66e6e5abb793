"""Pydantic response models: the contract of every LLM call.

Length limits are part of the contract on purpose: they become `maxLength`/`maxItems` in the
JSON schema, which a grammar-constrained local model cannot exceed, so a small model cannot
ramble past its token budget. Keep them at most 1000 (see gateway/local_model.py).
"""

import copy
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field, StringConstraints

Option = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Suggestion = Annotated[str, StringConstraints(min_length=10, max_length=300)]
AnswerFormat = Literal[
    "multiple_choice",
    "true_false",
    "short_answer",
    "essay",
    "fill_in_the_blank",
    "matching",
    "ordering",
]
ANSWER_FORMATS: tuple[str, ...] = get_args(AnswerFormat)


@cache
def _json_schema(model: type[BaseModel], args: tuple, options: tuple) -> dict[str, Any]:
    return BaseModel.model_json_schema.__func__(model, *args, **dict(options))


class Contract(BaseModel):
    """Base of the response models. Their JSON schema is built once per class: Instructor and
    the cache key ask for it on every call, and building it cost about 1 ms a call."""

    @classmethod
    def model_json_schema(cls, *args: Any, **options: Any) -> dict[str, Any]:
        return copy.deepcopy(_json_schema(cls, args, tuple(sorted(options.items()))))


class TransformedPassage(Contract):
    """Stage 1: the document rewritten by one content transformation agent."""

    passage: str = Field(min_length=100, max_length=1000)


class OpenQuestion(Contract):
    """Stage 2 for free-text formats (short answer, essay, fill-in, matching, ordering)."""

    question: str = Field(min_length=10, max_length=400)
    answer: str = Field(min_length=1, max_length=400)


class TrueFalseQuestion(Contract):
    """Stage 2 for true/false items: a statement and its truth value."""

    question: str = Field(min_length=10, max_length=400)
    answer: Literal["True", "False"]


class MultipleChoiceQuestion(Contract):
    """Stage 2 for multiple-choice items: four options and the letter of the right one."""

    question: str = Field(min_length=10, max_length=400)
    options: list[Option] = Field(min_length=4, max_length=4)
    answer: Literal["A", "B", "C", "D"]


class Suggestions(Contract):
    """Stage 3, suggester: concrete ways to reach a refinement goal."""

    suggestions: list[Suggestion] = Field(min_length=1, max_length=3)


class EditedPassage(Contract):
    """Stage 3, editor: the passage comes first so the task that follows is written against it."""

    passage: str = Field(min_length=60, max_length=1000)


# Base order matters: fields of the last base come first in the schema (and the generation).
class EditedOpenTask(OpenQuestion, EditedPassage):
    """Stage 3, editor: the new passage and task, for free-text formats."""


class EditedTrueFalseTask(TrueFalseQuestion, EditedPassage):
    """Stage 3, editor: the new passage and task, for true/false items."""


class EditedMultipleChoiceTask(MultipleChoiceQuestion, EditedPassage):
    """Stage 3, editor: the new passage and task, for multiple-choice items."""


class TeacherAnswer(Contract):
    """The teacher's response to a final task: the answer, then a short explanation."""

    answer: str = Field(min_length=1, max_length=300)
    explanation: str = Field(min_length=10, max_length=600)


def question_model(answer_format: str) -> type[Contract]:
    """The stage-2 response model for an answer format (free text unless named here)."""
    return {"multiple_choice": MultipleChoiceQuestion, "true_false": TrueFalseQuestion}.get(
        answer_format, OpenQuestion
    )


def edited_task_model(answer_format: str) -> type[Contract]:
    """The editor's response model for an answer format: the question's, plus the passage."""
    return {"multiple_choice": EditedMultipleChoiceTask, "true_false": EditedTrueFalseTask}.get(
        answer_format, EditedOpenTask
    )


class FollowUpQuestion(Contract):
    """Multi-turn flows: the next thing the user asks, given the conversation so far."""

    question: str = Field(min_length=10, max_length=300)


JudgeDimension = Literal["correctness", "clarity", "difficulty", "quality"]
JUDGE_DIMENSIONS: tuple[str, ...] = get_args(JudgeDimension)
Score = Literal[1, 2, 3, 4, 5]  # an enum, so a grammar-constrained model cannot leave the scale


class JudgeVerdict(Contract):
    """Curation: the judge's view of one pair. The rationale comes first so the scores follow
    from it; each score is 1 (worst) to 5 (best), difficulty 1 (trivial) to 5 (expert)."""

    rationale: str = Field(min_length=10, max_length=200)  # one sentence
    correctness: Score
    clarity: Score
    difficulty: Score
    quality: Score


class JudgeVerdictWithReference(JudgeVerdict):
    """The verdict for a task with a free-text reference answer: does the response agree?"""

    agrees_with_reference: bool
