"""The choice: judge thresholds and one pair per duplicate cluster; every pair kept or rejected."""

import json
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from agentinstruct.curation.checks import ordered
from agentinstruct.curation.context import compared_texts, context_ids
from agentinstruct.curation.duplicates import NearDuplicates
from agentinstruct.curation.verification import answer_disagrees
from agentinstruct.params import CurationParams

# Judge scores that rank the members of a duplicate cluster (difficulty is not "better").
RANKING_DIMENSIONS = ("correctness", "clarity", "quality")


def _score(pair: dict[str, Any]) -> float:
    scores = [pair[f"judge_{d}"] for d in RANKING_DIMENSIONS if not pd.isna(pair[f"judge_{d}"])]
    return float(np.mean(scores)) if scores else 0.0


DECISIONS = ["pair_id", "duplicate_of", "reasons"]  # `PairDecisionSchema`


def select_pairs(judged: pd.DataFrame, params: CurationParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge thresholds, then one pair per duplicate cluster; every pair kept or rejected.

    Returns:
        kept pairs (`reasons` "[]") and rejected pairs (with their reasons), in input order.
    """
    return split_pairs(judged, pair_decisions([judged], params))


def split_pairs(frame: pd.DataFrame, decisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`frame` with its rows' decisions (the same rows, in order): kept and rejected pairs."""
    frame = frame.reset_index(drop=True).copy()
    for column in ("duplicate_of", "reasons"):
        frame[column] = decisions[column].to_numpy()
    kept = frame["reasons"] == "[]"
    kept_pairs = frame[kept].reset_index(drop=True)
    if "split" in decisions:  # a flow's run holds some out (flow/holdout.py)
        kept_pairs["split"] = decisions["split"].to_numpy()[kept.to_numpy()]
    return kept_pairs, frame[~kept].reset_index(drop=True)


def decisions_by_frame(
    frames: Iterable[pd.DataFrame], decisions: pd.DataFrame
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each frame of `frames` (those `pair_decisions` decided, in the same order) with the
    rows of `decisions` that belong to it."""
    offset = 0
    for frame in frames:
        yield frame, decisions.iloc[offset : offset + len(frame)]
        offset += len(frame)
    if offset != len(decisions):
        raise ValueError(f"{len(decisions)} pair decisions for {offset} pairs: run select again")


def pair_decisions(
    frames: Iterable[pd.DataFrame], params: CurationParams, carried: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Every pair's fate (`DECISIONS`), in order: the judge's thresholds, then near-duplicates
    among the pairs that passed every other check; `carried` columns come along as they are
    (a flow's `doc_id`, which its split needs), read in the same pass.

    `frames` is read once for the thresholds and once per round of deduplication, a frame at a
    time (a list, or the partitions of a run as `Frames`): what is held across frames is a few
    short columns per pair and the signature of each duplicate cluster's first text.
    """
    decided = pd.concat(
        [_thresholds(frame, params, carried) for frame in frames], ignore_index=True
    )
    if params.duplicates.enabled:
        _mark_duplicates(frames, decided, params)
    decided["reasons"] = [ordered(found) for found in decided["reasons"]]
    # a run with no pair left has empty columns of no type: give them the schema's
    columns = {"pair_id": str, "duplicate_of": "str", "reasons": str}
    return decided[[*DECISIONS, *carried]].astype(columns)


def _thresholds(
    judged: pd.DataFrame, params: CurationParams, carried: tuple[str, ...] = ()
) -> pd.DataFrame:
    """One frame's pairs with the reasons found so far (a set each), the judge's included, and
    what ranks them inside a duplicate cluster; no text."""
    judged_columns = [f"judge_{name}" for name in (*RANKING_DIMENSIONS, *params.judge.min_scores)]
    columns = ["pair_id", "reasons", "verification", "judge_agrees", *judged_columns]
    records = judged[[c for c in dict.fromkeys(columns) if c in judged.columns]].to_dict("records")
    reasons = [set(json.loads(pair["reasons"])) for pair in records]
    thresholds = params.judge.min_scores if params.judge.enabled else {}
    for pair, found in zip(records, reasons, strict=True):
        if answer_disagrees(pair["verification"], pair.get("judge_agrees")):
            found.add("answer_mismatch")
        if not thresholds or (found and params.judge.only_clean):
            continue
        if pd.isna(pair["judge_quality"]):
            found.add("judge_failed")
            continue
        for dimension, minimum in thresholds.items():
            if pair[f"judge_{dimension}"] < minimum:
                found.add(f"low_{dimension}")
    return pd.DataFrame(
        {
            "pair_id": [pair["pair_id"] for pair in records],
            "duplicate_of": pd.Series([None] * len(records), dtype=object),  # set by the choice
            "reasons": reasons,
            "score": [_score(pair) for pair in records],
            **{column: judged[column].to_numpy() for column in carried},
        },
        index=pd.RangeIndex(len(records)),
    )


def _mark_duplicates(
    frames: Iterable[pd.DataFrame], decided: pd.DataFrame, params: CurationParams
) -> None:
    """Near-duplicate instructions (user turns), then near-duplicate pairs (all turns), among
    the pairs that passed every other check; the best-scored, then lowest id, is kept."""
    settings = params.duplicates
    for reason, threshold, part in (
        ("duplicate_instruction", settings.instruction_threshold, "user"),
        ("duplicate_pair", settings.pair_threshold, "whole"),
    ):
        alive = np.flatnonzero([not found for found in decided["reasons"]])
        clusters = NearDuplicates(
            threshold,
            shingle_words=settings.shingle_words,
            num_perm=settings.num_perm,
            bands=settings.bands,
        )
        for frame, rows in decisions_by_frame(frames, decided):
            chosen = frame[np.array([not found for found in rows["reasons"]], dtype=bool)]
            clusters.add(
                compared_texts(chosen, part),
                # several instructions about one passage are the method: only whole pairs repeat
                chosen["passage_id"].tolist()
                if part == "user" and "passage_id" in chosen
                else None,
                context_ids(chosen),  # data made elsewhere: questions about one shared context
            )
        kept_by = clusters.kept_by(
            [(-decided.at[i, "score"], decided.at[i, "pair_id"]) for i in alive]
        )
        for i, keeper in zip(alive, kept_by, strict=True):
            if keeper is not None:
                decided.at[i, "reasons"].add(reason)
                decided.at[i, "duplicate_of"] = decided.at[alive[keeper], "pair_id"]
