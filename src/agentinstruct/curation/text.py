"""What the checks read of a pair: its turns as text, normalized words and hashed n-grams."""

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


def conversation(messages: str | list[dict[str, Any]]) -> Conversation:
    """A chat in orca / OpenAI form: a JSON string or a list of `{role, content}` turns.

    Raises:
        ValueError: not a list of turns with at least one user and one assistant text.
    """
    turns = json.loads(messages) if isinstance(messages, str) else messages
    if not isinstance(turns, list) or not all(isinstance(turn, dict) for turn in turns):
        raise ValueError("messages is not a list of {role, content} turns")
    texts: dict[str, list[str]] = {"user": [], "assistant": [], "tool": []}
    for turn in turns:
        role, content = turn.get("role"), turn.get("content")
        if role in ("user", "assistant", "tool") and isinstance(content, str) and content.strip():
            texts[role].append(content)
        for call in turn.get("tool_calls") or []:
            texts["tool"].append(str(call.get("function", {}).get("arguments", "")))
    if not texts["user"] or not texts["assistant"]:
        raise ValueError("messages need a user turn and an assistant turn with text")
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
