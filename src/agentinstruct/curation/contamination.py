"""Benchmark decontamination: word n-gram overlap with the evaluation sets a user provides.

Every string cell of every evaluation table is one benchmark item. A text is contaminated when
it shares one n-gram (13 words by default, after lower-casing and dropping punctuation) with an
item; items shorter than n words are matched whole, down to `min_item_words` words.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from agentinstruct.curation.text import ngram_hashes, words
from agentinstruct.params import DecontaminationParams


@dataclass(frozen=True)
class _Grams:
    """Sorted n-gram hashes of one length, and the item each came from."""

    hashes: np.ndarray
    items: np.ndarray


class BenchmarkIndex:
    """The n-grams of every benchmark item, to look texts up in."""

    def __init__(self, tables: dict[str, pd.DataFrame], params: DecontaminationParams) -> None:
        self.labels: list[str] = []
        tokens: list[list[str]] = []
        for name in sorted(tables):
            table = tables[name]
            for column in table.columns:
                values = table[column]
                if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
                    continue
                for row, value in values.items():
                    if isinstance(value, str) and value.strip():
                        self.labels.append(f"{name}#{row}.{column}")
                        tokens.append(words(value))
        self.size = params.ngram_words
        self.too_short = sum(len(t) < params.min_item_words for t in tokens)
        self._grams: dict[int, _Grams] = {}
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        for length in [self.size, *range(params.min_item_words, self.size)]:
            chosen = (lengths >= length) if length == self.size else (lengths == length)
            ids = np.flatnonzero(chosen)
            if not len(ids):
                continue
            hashes, owner = ngram_hashes([tokens[i] for i in ids], length)
            order = np.argsort(hashes, kind="stable")
            self._grams[length] = _Grams(hashes[order], ids[owner[order]])

    @property
    def items(self) -> int:
        return len(self.labels)

    def matches(self, texts: list[str]) -> list[str | None]:
        """For each text, the label of a benchmark item it overlaps (`file#row.column`), or None."""
        found: list[str | None] = [None] * len(texts)
        if not self._grams:
            return found
        tokens = [words(text) for text in texts]
        for length, grams in self._grams.items():
            hashes, owner = ngram_hashes(tokens, length)
            slot = np.searchsorted(grams.hashes, hashes).clip(max=len(grams.hashes) - 1)
            hit = grams.hashes[slot] == hashes
            hit_texts, first = np.unique(owner[hit], return_index=True)
            for text, item in zip(hit_texts, grams.items[slot[hit]][first], strict=True):
                if found[text] is None:
                    found[text] = self.labels[item]
        return found
