"""The held-out split: whole documents, about `test_fraction` of the kept pairs, at least
`min_test_items` when the run kept enough, never past `max_test_share`, the same every run."""

import pandas as pd
import pytest

from agentinstruct.flow.holdout import held_out_documents, held_out_target, splits_of
from agentinstruct.params import EvaluationParams


def _pairs(per_document: dict[str, int]) -> pd.Series:
    return pd.Series([doc for doc, count in per_document.items() for _ in range(count)])


@pytest.mark.parametrize(
    ("kept", "target"),
    [(0, (0, 0)), (6, (1, 1)), (40, (10, 10)), (100, (20, 25)), (1000, (50, 250))],
)
def test_the_target_follows_fraction_minimum_and_share(kept, target) -> None:
    assert held_out_target(kept, EvaluationParams()) == target


def test_whole_documents_are_held_out_and_the_split_is_stable() -> None:
    per_document = {f"doc{i:03d}": 1 + i % 4 for i in range(200)}
    pairs = _pairs(per_document)
    params = EvaluationParams()
    splits = splits_of(pairs, params)
    by_document = pd.DataFrame({"doc": pairs, "split": splits}).groupby("doc")["split"].nunique()
    assert (by_document == 1).all()  # no document in both splits
    held = (splits == "test").sum()
    low, most = held_out_target(len(pairs), params)
    assert low <= held <= most
    assert splits.equals(splits_of(pairs, params))  # deterministic from the seed
    assert not splits.equals(splits_of(pairs, EvaluationParams(seed=7)))


def test_adding_a_document_of_the_same_size_moves_at_most_one_other() -> None:
    """A document is drawn by its own id's hash, not by its place in the corpus: a newcomer
    takes a place in that order, and at most the last document held out leaves."""
    base = {f"doc{i:03d}": 2 for i in range(100)}
    params = EvaluationParams(test_fraction=0.1, min_test_items=0)
    before = held_out_documents(_pairs(base), params)
    grown = held_out_documents(_pairs({**base, "new-document": 2}), params)
    assert len(before ^ grown) <= 2  # at most the newcomer in, one document out


def test_a_document_larger_than_the_test_share_stays_in_train() -> None:
    pairs = _pairs({"huge": 30, "small-a": 2, "small-b": 2, "small-c": 2})
    held = held_out_documents(pairs, EvaluationParams())
    assert "huge" not in held
    assert held  # 36 kept: up to 9 held out, from the small documents
