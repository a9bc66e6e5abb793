"""Pydantic response models: the contract of every LLM call, built from a size profile's limits.

The lengths are data (`ContractLimits`, from conf/base/size_profiles.yml), so the same contract
serves the embedded 135M model (`compact`: limits become `maxLength`/`maxItems`, which its
grammar cannot exceed, so it cannot ramble past its token budget; keep them at most 1000, see
gateway/embedded/provider.py) and a strong teacher (`full`: limits are guards far above what it
writes, and a response past one is a failure record, not a paid re-ask). `contracts(limits)`
builds each set of models once; their names and docstrings are part of the JSON schema, hence
of the cache key, and stay as they are.
"""

import copy
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, create_model

from agentinstruct.schemas.limits import Bounds, ContractLimits, OverLimitError

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
JudgeDimension = Literal["correctness", "clarity", "difficulty", "quality"]
JUDGE_DIMENSIONS: tuple[str, ...] = get_args(JudgeDimension)
Score = Literal[1, 2, 3, 4, 5]  # an enum, so a grammar-constrained model cannot leave the scale


@cache
def _json_schema(model: type[BaseModel], args: tuple, options: tuple) -> dict[str, Any]:
    return BaseModel.model_json_schema.__func__(model, *args, **dict(options))


class Contract(BaseModel):
    """Base of the response models. Their JSON schema is built once per class: Instructor and
    the cache key ask for it on every call, and building it cost about 1 ms a call."""

    @classmethod
    def model_json_schema(cls, *args: Any, **options: Any) -> dict[str, Any]:
        return copy.deepcopy(_json_schema(cls, args, tuple(sorted(options.items()))))


def guard(most: int, unit: str) -> AfterValidator:
    """A validator that lets a value through up to `most` characters or items, and past it
    raises `OverLimitError`, which Instructor does not re-ask."""

    def within(value: Any) -> Any:
        if len(value) > most:
            raise OverLimitError(f"{len(value)} {unit}, over the limit of {most}")
        return value

    return AfterValidator(within)


def text(bounds: Bounds, over_limit: str) -> Any:
    """A string type of `bounds` characters: the upper bound a constraint (`reask`) or a guard
    (`fail`); the schema says `maxLength` either way."""
    fewest, most = bounds
    if over_limit == "reask":
        return Annotated[str, StringConstraints(min_length=fewest, max_length=most)]
    return Annotated[
        str,
        Field(min_length=fewest, json_schema_extra={"maxLength": most}),
        guard(most, "characters"),
    ]


def items(kind: Any, bounds: Bounds, over_limit: str) -> Any:
    """A list type of `bounds` items, its upper bound held as `text` holds one. As a guard
    (`fail`), the fewest items are what the schema asks for, and fewer (but one) are accepted:
    a strong model that writes two suggestions of three asked makes two items, not a re-ask.
    No fewest (0): the schema says none."""
    fewest, most = bounds
    if over_limit == "reask":
        at_least = {"min_length": fewest} if fewest else {}
        return Annotated[list[kind], Field(**at_least, max_length=most)]
    at_least, asked = ({"min_length": 1}, {"minItems": fewest}) if fewest else ({}, {})
    extra = {**asked, "maxItems": most}
    return Annotated[list[kind], Field(**at_least, json_schema_extra=extra), guard(most, "items")]


def _model(name: str, doc: str, base: type[BaseModel] = Contract, **fields: Any) -> type:
    """A response model; fields are (type, default or ...) and keep their order."""
    return create_model(name, __base__=base, __doc__=doc, **fields)


@dataclass(frozen=True)
class Contracts:
    """The response models of one set of limits (one size profile)."""

    transformed_passage: type[Contract]
    open_question: type[Contract]
    true_false_question: type[Contract]
    multiple_choice_question: type[Contract]
    true_false_pair: type[Contract]
    suggestions: type[Contract]
    edited_open_task: type[Contract]
    edited_true_false_task: type[Contract]
    edited_multiple_choice_task: type[Contract]
    teacher_answer: type[Contract]
    reasoned_answer: type[Contract]
    follow_up: type[Contract]
    user_reply: type[Contract]

    def question(self, answer_format: str) -> type[Contract]:
        """The stage-2 model of an answer format (free text unless named here)."""
        return {
            "multiple_choice": self.multiple_choice_question,
            "true_false": self.true_false_question,
        }.get(answer_format, self.open_question)

    def edited_task(self, answer_format: str) -> type[Contract]:
        """The editor's model of an answer format: the question's, plus the passage first."""
        return {
            "multiple_choice": self.edited_multiple_choice_task,
            "true_false": self.edited_true_false_task,
        }.get(answer_format, self.edited_open_task)

    def answer(self, reasoning_first: bool) -> type[Contract]:
        """The teacher's answer: the answer then a short explanation, or (Orca style) the
        reasoning first and the answer it leads to."""
        return self.reasoned_answer if reasoning_first else self.teacher_answer


@cache
def question_list(item: type[Contract], count: int, most: int, over_limit: str) -> type[Contract]:
    """`count` items of a question model from one call (the paper's list per passage and type);
    up to `most` are accepted, the first `count` used."""
    return _model(
        f"{item.__name__}List",
        f"Stage 2: {count} different items of one type about the passage.",
        tasks=(items(item, (count, max(count, most)), over_limit), ...),
    )


@cache
def contracts(limits: ContractLimits = ContractLimits()) -> Contracts:  # noqa: B008 (frozen)
    """Every response model for `limits`, built once per set of limits."""
    over = limits.over_limit

    def sized(bounds: Bounds) -> Any:
        return text(bounds, over)

    passage = _model(
        "TransformedPassage",
        "Stage 1: the document rewritten by one content transformation agent.",
        passage=(sized(limits.passage), ...),
    )
    question = {"question": (sized(limits.question), ...)}
    open_answer = {"answer": (sized(limits.reference_answer), ...)}
    options = {
        "options": (items(sized(limits.option), (4, 4), "reask"), ...),
        "answer": (Literal["A", "B", "C", "D"], ...),
    }
    truth = {"answer": (Literal["True", "False"], ...)}
    open_doc = "Stage 2 for free-text formats (short answer, essay, fill-in, matching, ordering)."
    true_false_doc = "Stage 2 for true/false items: a statement and its truth value."
    choice_doc = "Stage 2 for multiple-choice items: four options and the letter of the right one."
    # The passage comes first so the task that follows is written against it.
    edited = {"passage": (sized(limits.edited_passage), ...)}
    return Contracts(
        transformed_passage=passage,
        open_question=_model("OpenQuestion", open_doc, **question, **open_answer),
        true_false_question=_model("TrueFalseQuestion", true_false_doc, **question, **truth),
        multiple_choice_question=_model(
            "MultipleChoiceQuestion", choice_doc, **question, **options
        ),
        true_false_pair=_model(
            "TrueFalsePair",
            "Stage 2, critical comprehension: one true and one false statement about the"
            " passage's purpose or point of view.",
            true_statement=(sized(limits.question), ...),
            false_statement=(sized(limits.question), ...),
        ),
        suggestions=_model(
            "Suggestions",
            "Stage 3, suggester: concrete ways to reach a refinement goal.",
            suggestions=(items(sized(limits.suggestion), limits.suggestions, over), ...),
        ),
        edited_open_task=_model(
            "EditedOpenTask",
            "Stage 3, editor: the new passage and task, for free-text formats.",
            **edited,
            **question,
            **open_answer,
        ),
        edited_true_false_task=_model(
            "EditedTrueFalseTask",
            "Stage 3, editor: the new passage and task, for true/false items.",
            **edited,
            **question,
            **truth,
        ),
        edited_multiple_choice_task=_model(
            "EditedMultipleChoiceTask",
            "Stage 3, editor: the new passage and task, for multiple-choice items.",
            **edited,
            **question,
            **options,
        ),
        teacher_answer=_model(
            "TeacherAnswer",
            "The teacher's response to a final task: the answer, then a short explanation.",
            answer=(sized(limits.answer), ...),
            explanation=(sized(limits.explanation), ...),
        ),
        reasoned_answer=_model(
            "ReasonedAnswer",
            "The teacher's response to a final task: the reasoning step by step, then the"
            " final answer it leads to.",
            reasoning=(sized(limits.explanation), ...),
            answer=(sized(limits.answer), ...),
        ),
        follow_up=_model(
            "FollowUpQuestion",
            "Multi-turn flows: the next thing the user asks, given the conversation so far.",
            question=(sized(limits.follow_up), ...),
        ),
        user_reply=_model(
            "UserReply",
            "Tool use: what the user answers when the assistant asks for a missing value.",
            reply=(sized(limits.follow_up), ...),
        ),
    )


# Part of the judge's schema (and cache key) since its first release: keep it as it is.
_JUDGE_DOC = (
    "Curation: the judge's view of one pair. The rationale comes first so the scores follow\n"
    "from it; each score is 1 (worst) to 5 (best), difficulty 1 (trivial) to 5 (expert)."
)


@cache
def judge_verdict(rationale: Bounds = (10, 200), over_limit: str = "reask") -> type[Contract]:
    """The judge's response model for a rationale of `rationale` characters."""
    return _model(
        "JudgeVerdict",
        _JUDGE_DOC,
        rationale=(text(rationale, over_limit), ...),
        **{dimension: (Score, ...) for dimension in JUDGE_DIMENSIONS},
    )


@cache
def judge_verdict_with_reference(
    rationale: Bounds = (10, 200), over_limit: str = "reask"
) -> type[Contract]:
    """The judge's response model where a free-text reference answer is shown."""
    return _model(
        "JudgeVerdictWithReference",
        "The verdict for a task with a free-text reference answer: does the response agree?",
        base=judge_verdict(rationale, over_limit),
        agrees_with_reference=(bool, ...),
    )


# An enum, as `Score`: a grammar-constrained judge cannot leave the scale.
OrcaBenchScore = Literal[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


@cache
def student_answer(answer: Bounds = (1, 4000), over_limit: str = "fail") -> type[Contract]:
    """A student's response to an evaluation item: the text a user would read. A guard by
    default (`fail`): a student that writes more is a failure record, not a re-ask."""
    return _model(
        "StudentAnswer",
        "The response to the user's last message, as you would write it to the user.",
        answer=(text(answer, over_limit), ...),
    )


@cache
def orca_bench_verdict(rationale: Bounds = (10, 600), over_limit: str = "reask") -> type[Contract]:
    """The Orca-Bench judge's response model: a rationale first, then a score from 0 to 10."""
    return _model(
        "OrcaBenchVerdict",
        "How well the student's response matches the reference answer: 0 (wrong or no answer)"
        " to 10 (as good as the reference).",
        rationale=(text(rationale, over_limit), ...),
        score=(OrcaBenchScore, ...),
    )
