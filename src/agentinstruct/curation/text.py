"""What the checks read of a pair: its turns as text (or what keeps a row from being a chat),
normalized words and hashed n-grams."""

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_WORD = re.compile(r"\w+")
# The line an Orca-style response ends with (reasoning first): the full profile's response.j2.
_FINAL_ANSWER = re.compile(r"(?im)^final answer:[ \t]*")
# Odd multiplier of the rolling n-gram hash (arithmetic wraps modulo 2**64).
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Conversation:
    """The text of a chat by kind (the system turn left out): what the user wrote, what the
    assistant wrote as text, and tool traffic (call arguments and results)."""

    user: str
    assistant: str
    tools: str
    first_answer: str  # the assistant's answer to the task: its first text, or its final answer
    response: str  # the assistant's last text turn

    @property
    def whole(self) -> str:
        return "\n".join(part for part in (self.user, self.assistant, self.tools) if part)


ROLES = ("system", "user", "assistant", "tool")
_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def _json_type(value: object) -> str:
    """What a value is, in JSON's words (the reasons of `invalid_messages` name it)."""
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), "a number" if isinstance(value, int | float) else "?")


def content_text(content: object) -> str:
    """A turn's text: its `content` string, or the text parts of OpenAI's multi-part content
    joined by newlines (images and other parts have none); None (a tool call's turn) is ""."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        )
    raise ValueError(f"content is not text but {_json_type(content)}")


def _read_turn(turn: object, number: int) -> tuple[str, str, list[str]]:
    """(role, text, tool-call arguments) of the `number`th turn (from 1), or why it is none."""
    if not isinstance(turn, dict):
        raise ValueError(f"message {number} is not an object but {_json_type(turn)}")
    role = turn.get("role")
    if role is None:
        raise ValueError(f"message {number} has no role")
    if role not in ROLES:
        raise ValueError(f"role {role!r} of message {number} is not one of {'/'.join(ROLES)}")
    content = turn.get("content")
    try:
        text = content_text(content)
    except ValueError:
        raise ValueError(
            f"content of message {number} is not text but {_json_type(content)}"
        ) from None
    if isinstance(content, list) and content and not text:
        kinds = sorted(
            {str(part.get("type")) if isinstance(part, dict) else "?" for part in content}
        )
        raise ValueError(f"message {number} has only non-text parts ({', '.join(kinds)})")
    tool_calls = turn.get("tool_calls") or []
    if not isinstance(tool_calls, list):
        raise ValueError(
            f"tool_calls of message {number} is not a list but {_json_type(tool_calls)}"
        )
    calls = []
    for call in tool_calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise ValueError(f"a tool call of message {number} has no function")
        calls.append(str(function.get("arguments", "")))
    return role, text, calls


def _turns(messages: object) -> list[object]:
    """The list of turns of a JSON string or a list, or why it is not one."""
    if isinstance(messages, str):
        try:
            messages = json.loads(messages)
        except ValueError as error:
            raise ValueError(f"messages is not JSON: {error}") from None
    if messages is None:
        raise ValueError("messages is missing")
    if not isinstance(messages, list):
        raise ValueError(f"messages is not a list but {_json_type(messages)}")
    if not messages:
        raise ValueError("messages is an empty list")
    return messages


def conversation(messages: str | list[dict[str, Any]]) -> Conversation:
    """A chat in orca / OpenAI form: a JSON string or a list of `{role, content}` turns, the
    content a string or OpenAI's list of parts.

    Raises:
        ValueError: saying what is wrong (the reason of `invalid_messages`): not JSON, not a
            list of turns, a turn without a known role or with content that is not text, no
            user or no assistant turn with text.
    """
    texts: dict[str, list[str]] = {"user": [], "assistant": [], "tool": []}
    roles = set()
    for number, turn in enumerate(_turns(messages), start=1):
        role, text, calls = _read_turn(turn, number)
        roles.add(role)
        if role in texts and text.strip():
            texts[role].append(text)
        texts["tool"] += calls
    for role in ("user", "assistant"):
        if not texts[role]:
            raise ValueError(f"no {role} turn" + (" has text" if role in roles else ""))
    return Conversation(
        user="\n".join(texts["user"]),
        assistant="\n".join(texts["assistant"]),
        tools="\n".join(texts["tool"]),
        first_answer=split_final_answer(texts["assistant"][0])[1] or texts["assistant"][0],
        response=texts["assistant"][-1],
    )


def split_final_answer(text: str) -> tuple[str, str | None]:
    """(the reasoning, the final answer) of a response that reasons first and ends on a
    `Final answer:` line; (the text, None) for any other."""
    found = list(_FINAL_ANSWER.finditer(text))
    if not found:
        return text, None
    return text[: found[-1].start()].strip(), text[found[-1].end() :].strip()


def words(text: str) -> list[str]:
    """Lower-cased word tokens: case, whitespace and punctuation do not make texts differ."""
    return _WORD.findall(text.lower())


def shingles(tokens: list[str], size: int) -> list[str]:
    """Overlapping word n-grams; a text shorter than `size` is one shingle."""
    if len(tokens) <= size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def ngram_hashes(texts: list[list[str]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every word n-gram of every text, vectorized, and the text each belongs to.

    Words are hashed once (pandas' SipHash) and n-grams by a polynomial over them, so a
    million-word corpus takes well under a second; n-grams never span two texts.
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    flat = [word for tokens in texts for word in tokens]
    if not flat:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    hashed = pd.util.hash_array(np.asarray(flat, dtype=object))
    windows = len(hashed) - size + 1
    if windows <= 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    combined = np.zeros(windows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            combined = combined * _MULTIPLIER + hashed[offset : offset + windows]
    owner = np.repeat(np.arange(len(texts)), lengths)
    inside = owner[:windows] == owner[size - 1 :]  # window starts and ends in the same text
    return combined[inside], owner[:windows][inside]
