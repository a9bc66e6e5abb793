"""Evaluation items: what a student is asked, and what its answer is compared with.

Two sources. A skill's held-out test pair (flow/holdout.py): the student gets the chat up to
the teacher's last answer and answers it; the teacher's answer is the judge's reference, and a
single-turn item whose reference has a key (a letter, true/false, an order) is also scored by
exact match. A multiple-choice eval set (question, choices, answer; MMLU / AGIEval style): the
student gets the question and its lettered choices, and is scored by exact match only.
"""

import json
import logging
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from agentinstruct.curation.text import content_text
from agentinstruct.curation.verification import LETTERS
from agentinstruct.ids import stable_id
from agentinstruct.params import EvaluationParams
from agentinstruct.schemas.frames import EVALUATION_SOURCES, EvaluationTaskSchema, frame_of

logger = logging.getLogger(__name__)

# Answer formats whose reference is a key that exact match decides (curation/verification.py).
KEYED_FORMATS = ("multiple_choice", "true_false", "ordering", "matching")
SKILL, EVAL_SET = EVALUATION_SOURCES
Render = Callable[..., str]  # the multiple-choice template: render(question=, choices=)


def _plain_turns(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat as system / user / assistant text turns: tool calls written out, tool results
    as the user's, consecutive turns of one role joined (every provider takes that)."""
    turns: list[dict[str, str]] = []
    for message in messages:
        role = message.get("role")
        content = content_text(message.get("content"))
        if role == "tool":
            role, content = "user", f"Tool result: {content}"
        calls = [
            f"Calls {call['function']['name']}({call['function']['arguments']})"
            for call in message.get("tool_calls") or []
        ]
        content = "\n".join(part for part in (content, *calls) if part)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content
        else:
            turns.append({"role": role, "content": content})
    return turns


def _with_tools(turns: list[dict[str, str]], tools: str) -> list[dict[str, str]]:
    """The tool definitions of a tool-use pair, written into its system turn: a student is asked
    for text (one structured answer), so the tools it may call are read, not declared."""
    declared = json.loads(tools) if tools else []
    if not declared or not turns or turns[0]["role"] != "system":
        return turns
    listed = json.dumps(declared, ensure_ascii=False)
    system = f"{turns[0]['content']}\n\nTools you can call (OpenAI function format): {listed}"
    return [{"role": "system", "content": system}, *turns[1:]]


def _skill_item(pair: Any) -> dict[str, Any] | None:
    """A test pair as an item: the chat before the teacher's last answer, that answer as the
    reference; None for a chat that does not end with the assistant's text."""
    messages = json.loads(pair.messages)
    last = len(messages) - 1
    if last < 1 or messages[last].get("role") != "assistant" or messages[last].get("tool_calls"):
        return None
    prompt = _with_tools(_plain_turns(messages[:last]), pair.tools)
    single_turn = sum(turn["role"] == "user" for turn in prompt) == 1
    keyed = single_turn and pair.answer_format in KEYED_FORMATS
    return {
        "item_id": stable_id("evaluation", pair.pair_id),
        "source": SKILL,
        "set_name": pair.skill,
        "subject": pair.question_type,
        "pair_id": pair.pair_id,
        "answer_format": pair.answer_format,
        "prompt": json.dumps(prompt, ensure_ascii=False),
        "options": pair.options,
        "key": pair.reference_answer if keyed else None,
        "reference_response": content_text(messages[last].get("content")),
        "run_version": pair.run_version,
    }


def skill_items(held_out: dict[str, pd.DataFrame], skills: list[str] | None) -> list[dict]:
    """The items of every skill's test pairs (or of `skills` only)."""
    unknown = sorted(set(skills or []) - set(held_out))
    if unknown:
        logger.warning("No test pairs for %s: run those skills first", ", ".join(unknown))
    items = []
    for skill, pairs in sorted(held_out.items()):
        if skills is None or skill in skills:
            made = [_skill_item(pair) for pair in pairs.itertuples(index=False)]
            items += [item for item in made if item is not None]
    return items


def _choices(row: dict[str, Any]) -> list[str] | None:
    """The choices of an eval-set row: a `choices` list (or its JSON), or columns A, B, C, ..."""
    choices = row.get("choices")
    if isinstance(choices, str):
        try:
            choices = json.loads(choices)
        except json.JSONDecodeError:
            return None
    if choices is None and "A" in row and "B" in row:
        choices = [row[letter] for letter in LETTERS if letter in row and pd.notna(row[letter])]
    # a list from JSON Lines, a numpy array from Parquet; anything else (NaN, a dict) is none
    if not isinstance(choices, list | tuple | np.ndarray) or not 2 <= len(choices) <= len(LETTERS):
        return None
    return [str(choice) for choice in choices]


def _key(answer: Any, choices: list[str]) -> str | None:
    """The answer as a letter: an index (0-based), a letter, or the text of one choice (a
    string is a choice's text before it is an index)."""
    if (
        isinstance(answer, bool)
        or answer is None
        or (isinstance(answer, float) and pd.isna(answer))
    ):
        return None
    if isinstance(answer, int | float) and float(answer).is_integer():
        index = int(answer)
        return LETTERS[index] if 0 <= index < len(choices) else None
    said = str(answer).strip()
    if len(said) == 1 and said.upper() in LETTERS[: len(choices)]:
        return said.upper()
    if said in choices:  # before an index: "3" of choices 2, 3, 4, 5 is the choice "3"
        return LETTERS[choices.index(said)]
    return LETTERS[int(said)] if said.isdigit() and int(said) < len(choices) else None


def is_multiple_choice_set(table: pd.DataFrame) -> bool:
    """A table an evaluation can score: questions with choices and an answer."""
    columns = set(table.columns)
    return {"question", "answer"} <= columns and ("choices" in columns or {"A", "B"} <= columns)


def eval_set_items(
    eval_sets: dict[str, pd.DataFrame], render: Render, params: EvaluationParams
) -> list[dict]:
    """The items of every multiple-choice eval set; a row without a usable key is skipped,
    counted in the log; a table of another shape (decontamination only) is left out."""
    items = []
    for name, table in sorted(eval_sets.items()):
        if not is_multiple_choice_set(table):
            continue
        rows = table.to_dict("records")
        if params.max_items_per_set and len(rows) > params.max_items_per_set:
            rows = random.Random(stable_id(params.seed, name)).sample(
                rows, params.max_items_per_set
            )
        skipped = 0
        for number, row in enumerate(rows):
            choices = _choices(row)
            key = _key(row.get("answer"), choices) if choices else None
            if key is None or not str(row.get("question") or "").strip():
                skipped += 1
                continue
            question = str(row["question"])
            items.append(
                {
                    "item_id": stable_id("evaluation", name, number, question),
                    "source": EVAL_SET,
                    "set_name": name,
                    "subject": str(row["subject"]) if pd.notna(row.get("subject")) else name,
                    "pair_id": None,
                    "answer_format": "multiple_choice",
                    "prompt": json.dumps(
                        [{"role": "user", "content": render(question=question, choices=choices)}],
                        ensure_ascii=False,
                    ),
                    "options": json.dumps(choices, ensure_ascii=False),
                    "key": key,
                    "reference_response": None,
                    "run_version": None,
                }
            )
        if skipped:
            logger.warning(
                "%s: %d rows without a question, choices or answer skipped", name, skipped
            )
    return items


def evaluation_tasks(items: list[dict]) -> pd.DataFrame:
    """The items as one frame (`EvaluationTaskSchema`); an item id met twice is kept once."""
    unique = list({item["item_id"]: item for item in items}.values())
    return frame_of(EvaluationTaskSchema, unique)
