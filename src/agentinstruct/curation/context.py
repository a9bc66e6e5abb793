"""The shared context of user turns in chat data made elsewhere: found before the checks, taken
out before near-duplicates are looked for.

A skill's flow knows each pair's passage (`passage_id`); data made elsewhere does not. In a
reading-comprehension set the user turn is a passage and a question, and several questions per
passage is the method: compared whole, such turns are near-duplicates of each other. So the
passage is found in the data. A sentence or line of a user turn (as words: case, whitespace and
punctuation aside) is *shared* when it stands in another, different user turn too; a run of
shared sentences of at least `MIN_CONTEXT_WORDS` words is *shared context*. A row with shared
context gets `context_id` (the same for every row with that context) and `task_without_context`
(the rest of its user turn); near-duplicates are looked for among the rows of one context, on
that rest. A user turn that only repeats another word for word shares nothing with a
*different* turn, so an exact copy is compared whole, and caught.
"""

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import groupby

import numpy as np
import pandas as pd

from agentinstruct.curation.text import conversation, words
from agentinstruct.ids import stable_id

CONTEXT_ID = "context_id"
TASK_WITHOUT_CONTEXT = "task_without_context"
# Shorter shared runs are left in the task: a repeated instruction line ("Answer with one word.")
# or options ("A) True B) False") are part of what is asked, not a passage.
MIN_CONTEXT_WORDS = 30
# Units of a user turn: its lines, and the sentences of each (a question written on the same line
# as its passage is still its own unit).
_UNIT_BREAK = re.compile(r"\n|(?<=[.!?])\s+")


def _units(text: str) -> tuple[list[str], list[str]]:
    """The sentences and lines of a text that have words, and those words as their key."""
    units = [unit for unit in _UNIT_BREAK.split(text) if unit.strip()]
    keys = [" ".join(words(unit)) for unit in units]
    return [u for u, k in zip(units, keys, strict=True) if k], [k for k in keys if k]


def _context_positions(keys: list[str], shared: np.ndarray) -> list[int]:
    """Positions of the units in runs of shared units of at least MIN_CONTEXT_WORDS words."""
    positions: list[int] = []
    for is_shared, run in groupby(range(len(keys)), key=lambda position: shared[position]):
        run = list(run)
        if is_shared and sum(keys[p].count(" ") + 1 for p in run) >= MIN_CONTEXT_WORDS:
            positions += run
    return positions


def _shared_units(keys: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's hash, and whether it stands in two or more different turns (the units of
    every turn, one after the other). Each unit is hashed once, and the different turns of a
    unit are counted by one group-by, however many rows share a passage: linear in the text."""
    unit_hashes = pd.util.hash_array(np.asarray([key for row in keys for key in row], dtype=object))
    turn_hashes = pd.util.hash_array(np.asarray(["\n".join(row) for row in keys], dtype=object))
    owner = np.repeat(np.arange(len(keys)), [len(row) for row in keys])
    occurrences = pd.DataFrame({"unit": unit_hashes, "turn": turn_hashes[owner]})
    turns_per_unit = occurrences.drop_duplicates()["unit"].value_counts()
    return unit_hashes, pd.Series(unit_hashes).map(turns_per_unit).to_numpy() >= 2


def find_shared_context(users: Sequence[str | None]) -> tuple[list[str | None], list[str | None]]:
    """For each user turn (None: a chat that could not be read), the id of its shared context
    and the turn without it; None and None where it has none."""
    split = [_units(user) if user else ([], []) for user in users]
    if not any(keys for _, keys in split):
        return [None] * len(users), [None] * len(users)
    unit_hashes, shared = _shared_units([keys for _, keys in split])
    ids: list[str | None] = []
    rests: list[str | None] = []
    start = 0
    for units, keys in split:
        end = start + len(keys)
        context = _context_positions(keys, shared[start:end])
        inside = set(context)
        ids.append(stable_id("context", *unit_hashes[start:end][context]) if context else None)
        rests.append(
            " ".join(u for p, u in enumerate(units) if p not in inside) if context else None
        )
        start = end
    return ids, rests


def _user(messages: str) -> str | None:
    try:
        return conversation(messages).user
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # rejected by the checks as invalid_messages or invalid_json


def with_shared_context(pairs: pd.DataFrame) -> pd.DataFrame:
    """`pairs` with `context_id` and `task_without_context` (None where a row has no shared
    context), found over all of them at once."""
    ids, rests = find_shared_context([_user(messages) for messages in pairs["messages"]])
    return pairs.assign(
        **{
            CONTEXT_ID: pd.Series(ids, index=pairs.index, dtype=object),
            TASK_WITHOUT_CONTEXT: pd.Series(rests, index=pairs.index, dtype=object),
        }
    )


def compared_texts(frame: pd.DataFrame, part: str) -> list[str]:
    """What near-duplicate detection compares of each row: its user turns (`part` "user") or
    its whole chat ("whole"), any shared context taken out of the user turns."""
    rests = frame[TASK_WITHOUT_CONTEXT] if TASK_WITHOUT_CONTEXT in frame else [None] * len(frame)
    texts = []
    for messages, rest in zip(frame["messages"], rests, strict=True):
        chat = conversation(messages)
        texts.append(getattr(replace(chat, user=rest) if isinstance(rest, str) else chat, part))
    return texts


def context_ids(frame: pd.DataFrame) -> list[str | None] | None:
    """Each row's `context_id`, which scopes its comparison: rows of different contexts are
    never near-duplicates (the same question about two passages is two tasks)."""
    if CONTEXT_ID not in frame:
        return None
    return [value if isinstance(value, str) else None for value in frame[CONTEXT_ID]]
