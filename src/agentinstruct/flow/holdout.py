"""The held-out split of a run's kept pairs: whole source documents go to `test`, so no
document's passages (nor the questions refined from them) are in both splits.

Documents are drawn in an order fixed by the seed and each document's id (not by the corpus), and
the test split takes them in that order until it holds `test_fraction` of the kept pairs, raised
to `min_test_items` when the run kept enough, never past `max_test_share`: a small run still
keeps most of its pairs for training. A larger or smaller run moves the boundary of that order,
so a few documents can change sides between two runs: evaluate a model on the test split of the
run it was trained on (the evaluation report names it, `run_version`).
"""

import math

import pandas as pd

from agentinstruct.ids import stable_id
from agentinstruct.params import EvaluationParams
from agentinstruct.schemas.frames import SPLITS

TRAIN, TEST = SPLITS


def held_out_target(kept: int, params: EvaluationParams) -> tuple[int, int]:
    """How many kept pairs the test split aims for, and the most it may hold."""
    most = math.floor(kept * params.max_test_share)
    wanted = max(math.ceil(kept * params.test_fraction), params.min_test_items)
    return min(wanted, most), most


def held_out_documents(doc_ids: pd.Series, params: EvaluationParams) -> set[str]:
    """The documents whose kept pairs (one `doc_id` per kept pair) make the test split."""
    pairs_per_document = doc_ids.value_counts()
    target, most = held_out_target(len(doc_ids), params)
    order = sorted(pairs_per_document.index, key=lambda doc: stable_id(params.seed, "test", doc))
    held: set[str] = set()
    held_pairs = 0
    for doc in order:
        if held_pairs >= target:
            break
        count = int(pairs_per_document[doc])
        if held_pairs + count <= most:  # a document too large for what is left stays in train
            held.add(doc)
            held_pairs += count
    return held


def splits_of(kept_doc_ids: pd.Series, params: EvaluationParams) -> pd.Series:
    """`train` or `test` for each kept pair, by its document."""
    held = held_out_documents(kept_doc_ids, params)
    return kept_doc_ids.map(lambda doc: TEST if doc in held else TRAIN).astype(str)
