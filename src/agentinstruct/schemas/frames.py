"""Pandera models of every dataset the flow writes; the catalog validates them on load and save.

Each column is declared once and inherited by the later stages that carry it forward, so the
provenance of a final pair is the union of the stages it passed through.
"""

import json
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from agentinstruct.schemas.llm_outputs import ANSWER_FORMATS

ID_PATTERN = r"^[0-9a-f]{16}$"
CALL_STATUSES = ("ok", "failed", "estimated")  # estimated: no call, a placeholder answer
SPLITS = ("train", "test")  # a kept pair's split: test holds out whole documents (flow/holdout.py)


class _Frame(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = True


class DocumentSchema(_Frame):
    """A raw document that passed ingestion (decoded, not empty, not oversized): a file, or a
    table's row (`source_path` is then `<file>#<record id>`)."""

    doc_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    source_path: Series[str]
    source_format: Series[str] = pa.Field(
        description="the reader: text, html, pdf, docx, or a table's (jsonl, csv, parquet, arrow)"
    )
    encoding: Series[str] = pa.Field(
        nullable=True, description="what text bytes were read as: utf-8, cp1252, ... (not PDF)"
    )
    title: Series[str] = pa.Field(nullable=True, description="from the file's metadata")
    pages: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, description="PDF pages")
    metadata: Series[str] = pa.Field(
        nullable=True, description="a table row's metadata columns, as a JSON object"
    )
    n_chars: Series[int] = pa.Field(gt=0)
    text: Series[str] = pa.Field(str_length={"min_value": 1})


class QuarantineSchema(_Frame):
    """An input that was set aside, with the reason; nothing is dropped silently."""

    source_path: Series[str] = pa.Field(unique=True)
    doc_id: Series[str] = pa.Field(nullable=True)
    size_bytes: Series[int] = pa.Field(ge=0)
    reason: Series[str] = pa.Field(str_length={"min_value": 1})


class InputFileSchema(_Frame):
    """Every file ingestion read (or refused), once: the run report accounts for each of these,
    without listing the raw folder again (which may have changed since)."""

    source_path: Series[str] = pa.Field(unique=True)


class ChunkSchema(_Frame):
    """A piece of a document small enough for one transformation prompt."""

    chunk_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    doc_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    source_path: Series[str]
    source_format: Series[str]
    title: Series[str] = pa.Field(nullable=True)
    chunk_index: Series[int] = pa.Field(ge=0)
    text: Series[str] = pa.Field(str_length={"min_value": 1})


class PlanSchema(_Frame):
    """The run plan: one planned seed instruction (chunk, agent, passage, question type) each,
    decided before the first LLM call."""

    chunk_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    doc_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    source_path: Series[str]
    transformation_agent: Series[str]
    passage_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    question_type: Series[str]
    instruction_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    pairs: Series[int] = pa.Field(ge=1, description="the seed and its refined variants")


class PassageSchema(_Frame):
    """Stage 1 output: a chunk rewritten by one transformation agent. The chunk's provenance
    (chunk, document, source file, position) is carried forward to every later frame."""

    passage_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    chunk_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    doc_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    source_path: Series[str]
    source_format: Series[str] = pa.Field(description="the reader: text, html, pdf, docx, ...")
    title: Series[str] = pa.Field(nullable=True, description="the document's, from its metadata")
    chunk_index: Series[int] = pa.Field(ge=0)
    transformation_agent: Series[str]
    passage: Series[str] = pa.Field(str_length={"min_value": 1})


class InstructionSchema(PassageSchema):
    """Stages 2 and 3: an instruction about a passage; refined ones point at their parent."""

    passage_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    instruction_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    question_type: Series[str]
    answer_format: Series[str] = pa.Field(isin=ANSWER_FORMATS)
    question: Series[str] = pa.Field(str_length={"min_value": 1})
    options: Series[str] = pa.Field(description="JSON list of answer choices; [] if none")
    reference_answer: Series[str]
    refinement_goal: Series[str] = pa.Field(nullable=True)
    refinement_round: Series[int] = pa.Field(ge=0)
    parent_id: Series[str] = pa.Field(nullable=True)
    suggestions: Series[str] = pa.Field(description="JSON list of the suggester's ideas")

    @pa.check("options", "suggestions", name="json_list_of_strings")
    def _json_list(cls, column: Series[str]) -> Series[bool]:
        return column.map(_is_json_list_of_strings).astype(bool)

    # The method has the check's name too: some orders of a test run have Pandera report a
    # dataframe check by its method's name, not by `name=` (seen under pytest-xdist).
    @pa.dataframe_check(name="refined_rows_have_parent_and_goal")
    def refined_rows_have_parent_and_goal(cls, frame: pd.DataFrame) -> Series[bool]:
        refined = frame["refinement_round"] > 0
        linked = frame["parent_id"].notna() & frame["refinement_goal"].notna()
        return ~refined | linked


class AnsweredTaskSchema(InstructionSchema):
    """A final task with the teacher's response and the whole chat after the system prompt."""

    task: Series[str] = pa.Field(str_length={"min_value": 1})
    response: Series[str] = pa.Field(str_length={"min_value": 1}, description="last assistant turn")
    turns: Series[str] = pa.Field(description="JSON chat turns after the system prompt")
    tools: Series[str] = pa.Field(description="JSON list of OpenAI function tools; [] if none")
    model: Series[str]

    @pa.check("turns", name="user_first_assistant_last_tools_answered")
    def _turns(cls, column: Series[str]) -> Series[bool]:
        return column.map(
            lambda turns: is_chat([{"role": "system", "content": "-"}, *json.loads(turns)])
        ).astype(bool)


class PairSchema(AnsweredTaskSchema):
    """One instruction-response pair of the final dataset, with full provenance."""

    pair_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    skill: Series[str]
    prompt_version: Series[str] = pa.Field(str_matches=r"^[0-9a-f]{12}$")
    messages: Series[str] = pa.Field(description="orca-agentinstruct chat turns, JSON")

    @pa.check("messages", name="system_then_user_and_assistant_turns")
    def _messages(cls, column: Series[str]) -> Series[bool]:
        return column.map(lambda messages: is_chat(json.loads(messages))).astype(bool)


VERDICTS = ("agrees", "disagrees", "judge", "unchecked")


def _score() -> Any:
    """A judge score column: 1 to 5, empty where the pair was not judged (one Field each)."""
    return pa.Field(nullable=True, isin=[1, 2, 3, 4, 5])


class QualityColumns(pa.DataFrameModel):
    """What curation found about a pair: one column per check, and the reasons it was rejected.

    Mixed into the pair frames of the flow (strict) and of the standalone `curation` pipeline
    (other columns carried through).
    """

    artifacts: Series[str] = pa.Field(description="JSON object: check name -> evidence")
    contamination: Series[str] = pa.Field(
        nullable=True, description="the benchmark item it overlaps: file#row.column"
    )
    verification: Series[str] = pa.Field(
        isin=VERDICTS,
        description="the rules' verdict on the answer; `judge`: left to the judge (judge_agrees)",
    )
    verification_detail: Series[str]
    judge_correctness: Series[pd.Int64Dtype] = _score()
    judge_clarity: Series[pd.Int64Dtype] = _score()
    judge_difficulty: Series[pd.Int64Dtype] = _score()
    judge_quality: Series[pd.Int64Dtype] = _score()
    judge_rationale: Series[str] = pa.Field(nullable=True)
    judge_agrees: Series[pd.BooleanDtype] = pa.Field(
        nullable=True,
        coerce=True,
        required=False,  # pairs saved before it was added still load
        description="where the rules left the answer to the judge: whether it agrees with the"
        " reference; empty where it was not asked",
    )
    reasons: Series[str] = pa.Field(description="JSON list of reasons to reject; [] when kept")

    @pa.check("reasons", name="json_list_of_strings")
    def _reasons(cls, column: Series[str]) -> Series[bool]:
        return column.map(_is_json_list_of_strings).astype(bool)


class ScoredPairSchema(PairSchema, QualityColumns):
    """A generated pair with its curation columns, before the choice: kept or rejected."""


class _Chosen(pa.DataFrameModel):
    """What the choice writes (curation/selection.py, its one writer): the cluster of a
    near-duplicate, found across the whole run."""

    duplicate_of: Series[str] = pa.Field(nullable=True, description="the kept pair of its cluster")


class _Kept(_Chosen):
    @pa.check("reasons", name="no_reasons")
    def _kept(cls, column: Series[str]) -> Series[bool]:
        return column == "[]"


class _Rejected(_Chosen):
    @pa.check("reasons", name="at_least_one_reason")
    def _rejected(cls, column: Series[str]) -> Series[bool]:
        return column != "[]"


class CuratedPairSchema(ScoredPairSchema, _Kept):
    """A pair that passed every check: what the exports are made from."""

    split: Series[str] = pa.Field(isin=SPLITS, description="train, or test (held out by document)")


class RejectedPairSchema(ScoredPairSchema, _Rejected):
    """A pair set aside, with every reason it failed."""


class PairDecisionSchema(pa.DataFrameModel):
    """A pair's fate, decided in the gather of a run before its pairs are split into kept and
    rejected a partition at a time: the same rows, in order, as the judged pairs."""

    pair_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    duplicate_of: Series[str] = pa.Field(nullable=True, description="the kept pair of its cluster")
    reasons: Series[str] = pa.Field(description="JSON list of reasons to reject; [] when kept")
    split: Series[str] = pa.Field(
        nullable=True, isin=SPLITS, description="a kept pair's split; null when rejected"
    )

    class Config:
        strict = True


class ExternalPairSchema(pa.DataFrameModel):
    """A row of a dataset made elsewhere (`curation` pipeline); its other columns ride along."""

    class Config:
        strict = False
        coerce = True

    pair_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    source_file: Series[str]
    source_row: Series[int] = pa.Field(ge=0)
    messages: Series[str] = pa.Field(description="the chat as a JSON string, as read")


class ScoredExternalPairSchema(ExternalPairSchema, QualityColumns):
    """An external row with its curation columns."""


class CuratedExternalPairSchema(ScoredExternalPairSchema, _Kept):
    """An external row that passed every check."""


class RejectedExternalPairSchema(ScoredExternalPairSchema, _Rejected):
    """An external row set aside, with every reason it failed."""


class DocumentCheckSchema(_Frame):
    """Seed documents checked before use: benchmark overlap and injection phrases."""

    doc_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    source_path: Series[str]
    contamination: Series[str] = pa.Field(nullable=True)
    prompt_injection: Series[str] = pa.Field(nullable=True)


class HuggingFaceExportSchema(_Frame):
    """The Parquet export: chat messages as a list of structs, plus columns to filter by."""

    pair_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    skill: Series[str]
    doc_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    transformation_agent: Series[str]
    question_type: Series[str]
    answer_format: Series[str] = pa.Field(isin=ANSWER_FORMATS)
    refinement_round: Series[int] = pa.Field(ge=0)
    refinement_goal: Series[str] = pa.Field(nullable=True)
    parent_id: Series[str] = pa.Field(nullable=True)
    model: Series[str]
    prompt_version: Series[str]
    messages: Series[object] = pa.Field(
        description="list of {role, content, tool_calls, tool_call_id}"
    )
    tools: Series[str] = pa.Field(description="JSON list of OpenAI function tools; [] if none")

    @pa.check("messages", name="system_then_user_and_assistant_turns")
    def _messages(cls, column: Series[object]) -> Series[bool]:
        return column.map(lambda messages: is_chat(to_plain(messages))).astype(bool)


# Failures the same request would meet again (cut at max_tokens, past a guard, a well-formed
# answer outside its schema, a prompt past the context window): recorded for good, and not asked
# again by a re-run. Every other reason (rate_limited, timeout, endpoint, budget, deadline,
# refusal, invalid_json, bad_request: a 400 may be the endpoint's configuration, fixed before
# the next run; error) is asked again by the next run, and keeps the partition from counting as
# done. Here beside the call log's `reason`, not in the gateway: the corpus and gather sessions
# read it without importing LiteLLM.
PERMANENT_REASONS = frozenset({"max_tokens", "over_limit", "schema", "context_length"})


def is_permanent(reason: str | None) -> bool:
    """Whether a failure with this reason would recur: not worth asking again."""
    return reason in PERMANENT_REASONS


class CallLogSchema(_Frame):
    """One row per LLM request of a stage: what it cost and how it ended."""

    stage: Series[str]
    item_id: Series[str]
    model: Series[str]
    status: Series[str] = pa.Field(isin=CALL_STATUSES)
    cached: Series[bool]
    attempts: Series[int] = pa.Field(ge=0)
    prompt_tokens: Series[int] = pa.Field(ge=0)
    completion_tokens: Series[int] = pa.Field(ge=0)
    latency_s: Series[float] = pa.Field(ge=0)
    max_tokens: Series[int] = pa.Field(ge=0, description="the completion cap it was sent with")
    max_prompt_tokens: Series[int] = pa.Field(
        ge=0, description="= prompt_tokens; an estimate's: with earlier answers at max_tokens"
    )
    cost_usd: Series[float] = pa.Field(ge=0, description="0 for cached and failed calls")
    error_type: Series[str] = pa.Field(nullable=True)
    error: Series[str] = pa.Field(nullable=True)
    reason: Series[str] = pa.Field(
        nullable=True,
        description="why a call failed: max_tokens, over_limit, schema, context_length (lasting);"
        " invalid_json, refusal, bad_request, secret_in_answer, budget, deadline, rate_limited,"
        " timeout, endpoint, error",
    )

    @pa.dataframe_check(name="failed_calls_carry_their_error")
    def _failures_explained(cls, frame: pd.DataFrame) -> Series[bool]:
        return (frame["status"] != "failed") | frame["error"].notna()


def _is_json_list_of_strings(value: str) -> bool:
    try:
        items = json.loads(value)
    except (TypeError, ValueError):
        return False
    return isinstance(items, list) and all(isinstance(item, str) for item in items)


def is_chat(turns: object) -> bool:
    """System, then users and assistants in turn, ending with an assistant's text. An
    assistant turn is text or tool calls; each call is answered by a tool message (by id)
    before anyone else speaks."""
    if not (
        isinstance(turns, list) and len(turns) >= 3 and all(isinstance(t, dict) for t in turns)
    ):
        return False
    if turns[0].get("role") != "system" or not _text(turns[0].get("content")):
        return False
    expected, pending = "user", set()  # who speaks next; tool calls not yet answered
    for turn in turns[1:]:
        role = turn.get("role")
        if role == "tool":
            if turn.get("tool_call_id") not in pending or not _text(turn.get("content")):
                return False
            pending.discard(turn["tool_call_id"])
        elif pending or role != expected:
            return False
        elif role == "assistant" and turn.get("tool_calls"):
            calls = turn["tool_calls"]
            pending = {call.get("id") for call in calls if isinstance(call, dict)}
            if len(pending) != len(calls) or None in pending:
                return False
        elif _text(turn.get("content")):
            expected = "assistant" if role == "user" else "user"
        else:
            return False
    return not pending and expected == "user" and turns[-1].get("role") == "assistant"


def to_plain(value: object) -> object:
    """Python lists and dicts from what Parquet loads back (NumPy arrays of dicts)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    return value


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def frame_of(schema: type[pa.DataFrameModel], rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with exactly the schema's columns, also when there are none.

    Not validated here: the catalog's `validator:` checks (and coerces) every frame once, when
    it is saved, under every runner.
    """
    return pd.DataFrame(rows, columns=list(schema.to_schema().columns))


EVALUATION_SOURCES = ("skill", "eval_set")


class EvaluationTaskSchema(_Frame):
    """An evaluation item (`kedro run --pipeline=evaluate`): a skill's held-out test pair or a
    row of a multiple-choice eval set, as a student is asked it."""

    item_id: Series[str] = pa.Field(str_matches=ID_PATTERN, unique=True)
    source: Series[str] = pa.Field(isin=EVALUATION_SOURCES)
    set_name: Series[str] = pa.Field(description="the skill, or the eval set's file")
    subject: Series[str] = pa.Field(description="question type, or the eval set's subject")
    pair_id: Series[str] = pa.Field(nullable=True, description="the test pair; null for eval sets")
    answer_format: Series[str] = pa.Field(isin=ANSWER_FORMATS)
    prompt: Series[str] = pa.Field(description="JSON chat turns the student answers")
    options: Series[str] = pa.Field(description="JSON list of answer choices; [] if none")
    key: Series[str] = pa.Field(
        nullable=True, description="what exact match compares with (letter, true/false, order)"
    )
    reference_response: Series[str] = pa.Field(
        nullable=True, description="the teacher's answer the judge compares with"
    )
    run_version: Series[str] = pa.Field(
        nullable=True, description="the skill's run whose test split it is; null for eval sets"
    )


class StudentAnswerSchema(EvaluationTaskSchema):
    """An evaluation item as one student answered it (or why its call failed)."""

    item_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    student: Series[str]
    response: Series[str] = pa.Field(nullable=True, description="null when the call failed")
    failure: Series[str] = pa.Field(nullable=True, description="why the student's call failed")

    @pa.dataframe_check(name="one_row_per_item_and_student")
    def _unique(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~frame.duplicated(["item_id", "student"])


class EvaluationItemSchema(_Frame):
    """One item answered by one student and scored: exact match where the item has a key, the
    judge's 0-10 Orca-Bench score where it has a reference response."""

    item_id: Series[str] = pa.Field(str_matches=ID_PATTERN)
    student: Series[str]
    source: Series[str] = pa.Field(isin=EVALUATION_SOURCES)
    set_name: Series[str]
    subject: Series[str]
    pair_id: Series[str] = pa.Field(nullable=True)
    answer_format: Series[str] = pa.Field(isin=ANSWER_FORMATS)
    key: Series[str] = pa.Field(nullable=True)
    run_version: Series[str] = pa.Field(nullable=True)
    response: Series[str] = pa.Field(nullable=True, description="null when the call failed")
    failure: Series[str] = pa.Field(nullable=True, description="why the student's call failed")
    exact_match: Series[float] = pa.Field(
        nullable=True, isin=[0.0, 1.0], description="1 right, 0 wrong; null: no key"
    )
    exact_detail: Series[str] = pa.Field(nullable=True)
    score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, le=10)
    rationale: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(name="one_row_per_item_and_student")
    def _unique(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~frame.duplicated(["item_id", "student"])
