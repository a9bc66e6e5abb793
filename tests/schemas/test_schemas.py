"""Pandera models reject invalid frames, and say which column and rows are wrong."""

import json

import pandas as pd
import pandera.errors
import pytest
from kedro.io import DataCatalog

from agentinstruct.schemas.frames import (
    CallLogSchema,
    InstructionSchema,
    PairSchema,
    frame_of,
    is_chat,
)

VALID_ID = "0123456789abcdef"
REJECTED = (pandera.errors.SchemaError, pandera.errors.SchemaErrors)


def _instruction(**overrides: object) -> dict:
    row = {
        "passage_id": VALID_ID,
        "chunk_id": VALID_ID,
        "doc_id": VALID_ID,
        "source_path": "a.txt",
        "source_format": "pdf",
        "title": "Bees",
        "chunk_index": 0,
        "transformation_agent": "debate_passage",
        "passage": "A passage.",
        "instruction_id": "fedcba9876543210",
        "question_type": "weaken",
        "answer_format": "multiple_choice",
        "question": "Which weakens it?",
        "options": json.dumps(["a", "b", "c", "d"]),
        "reference_answer": "A",
        "refinement_goal": None,
        "refinement_round": 0,
        "parent_id": None,
        "suggestions": "[]",
    }
    return {**row, **overrides}


def test_valid_instruction_frame_passes() -> None:
    frame = InstructionSchema.validate(frame_of(InstructionSchema, [_instruction()]))
    assert len(frame) == 1


def test_empty_stage_output_keeps_its_columns() -> None:
    frame = frame_of(InstructionSchema, [])
    assert list(frame.columns) == list(InstructionSchema.to_schema().columns)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (_instruction(answer_format="haiku"), "answer_format"),
        (_instruction(options="not json"), "options"),
        (_instruction(instruction_id="short"), "instruction_id"),
        (_instruction(refinement_round=1), "refined_rows_have_parent_and_goal"),
    ],
)
def test_invalid_instruction_is_rejected_naming_the_column(row: dict, column: str) -> None:
    with pytest.raises(REJECTED) as error:
        InstructionSchema.validate(pd.DataFrame([row]), lazy=True)
    assert column in str(error.value)


def test_unexpected_column_is_rejected() -> None:
    frame = pd.DataFrame([{**_instruction(), "surprise": 1}])
    with pytest.raises(REJECTED, match="surprise"):
        InstructionSchema.validate(frame)


def _pair(messages: list[dict], tools: list[dict] | None = None) -> dict:
    return {
        **_instruction(),
        "task": "Read...",
        "response": "A",
        "turns": json.dumps(messages[1:]),
        "tools": json.dumps(tools or []),
        "model": "fake/teacher",
        "pair_id": VALID_ID,
        "skill": "reading_comprehension",
        "prompt_version": "0123456789ab",
        "messages": json.dumps(messages),
    }


SYSTEM, USER, ANSWER = (
    {"role": "system", "content": "S"},
    {"role": "user", "content": "Q"},
    {"role": "assistant", "content": "A"},
)
CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ],
}
RESULT = {"role": "tool", "tool_call_id": "call_1", "content": "42"}


@pytest.mark.parametrize(
    "messages",
    [
        [SYSTEM, USER, ANSWER],
        [SYSTEM, USER, ANSWER, USER, ANSWER],  # multi-turn
        [SYSTEM, USER, CALL, RESULT, ANSWER],  # tool call answered, then the reply
    ],
)
def test_pair_messages_of_every_output_format_are_accepted(messages) -> None:
    assert is_chat(messages)
    assert len(PairSchema.validate(pd.DataFrame([_pair(messages)]))) == 1


@pytest.mark.parametrize(
    "messages",
    [
        [USER, ANSWER],  # no system prompt
        [SYSTEM, ANSWER, USER],  # assistant first
        [SYSTEM, USER, ANSWER, ANSWER],  # two assistants in a row
        [SYSTEM, USER, ANSWER, USER],  # ends with the user
        [SYSTEM, USER, CALL, ANSWER],  # call never answered
        [SYSTEM, USER, CALL, {**RESULT, "tool_call_id": "call_9"}, ANSWER],  # wrong call id
        [SYSTEM, USER, CALL, RESULT],  # no reply after the tool result
        [SYSTEM, USER, {"role": "assistant", "content": " "}],  # empty answer
    ],
)
def test_malformed_pair_messages_are_rejected(messages) -> None:
    assert not is_chat(messages)
    with pytest.raises(REJECTED, match="system_then_user_and_assistant_turns"):
        PairSchema.validate(
            pd.DataFrame([_pair([SYSTEM, USER, ANSWER]) | {"messages": json.dumps(messages)}])
        )


def test_failed_call_must_carry_its_error() -> None:
    row = {
        "stage": "answers",
        "item_id": "x",
        "model": "m",
        "status": "failed",
        "cached": False,
        "attempts": 3,
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "latency_s": 0.1,
        "max_tokens": 100,
        "max_prompt_tokens": 1,
        "cost_usd": 0.0,
        "error_type": None,
        "error": None,
        "reason": None,
    }
    with pytest.raises(REJECTED, match="failed_calls_carry_their_error"):
        CallLogSchema.validate(pd.DataFrame([row]))
    # an estimate's row (no call, a placeholder answer) carries no error
    CallLogSchema.validate(pd.DataFrame([{**row, "status": "estimated", "attempts": 0}]))


def test_catalog_validator_rejects_bad_frames_on_save(tmp_path) -> None:
    catalog = DataCatalog.from_config(
        {
            "documents": {
                "type": "pandas.ParquetDataset",
                "filepath": str(tmp_path / "documents.parquet"),
                "validator": "agentinstruct.schemas.frames.DocumentSchema",
            }
        }
    )
    bad = pd.DataFrame(
        {
            "doc_id": ["not-a-hash", "not-a-hash"],
            "source_path": ["a", "b"],
            "source_format": ["text", "pdf"],
            "encoding": ["utf-8", None],
            "title": [None, "Bees"],
            "pages": [None, 3],
            "metadata": [None, '{"topic": "bees"}'],
            "n_chars": [0, 5],
            "text": ["", "text"],
        }
    )
    with pytest.raises(Exception, match="doc_id") as error:
        catalog.save("documents", bad)
    assert "n_chars" in str(error.value)
    assert not (tmp_path / "documents.parquet").exists()
    good = bad.assign(doc_id=[VALID_ID, "fedcba9876543210"], n_chars=[1, 5], text=["a", "text"])
    catalog.save("documents", good)
    assert len(catalog.load("documents")) == 2
