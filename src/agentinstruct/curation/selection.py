"""The choice: judge thresholds and one pair per duplicate cluster; every pair kept or rejected."""

import json
from typing import Any

import numpy as np
import pandas as pd

from agentinstruct.curation.checks import ordered
from agentinstruct.curation.duplicates import duplicate_of
from agentinstruct.curation.text import conversation
from agentinstruct.params import CurationParams

# Judge scores that rank the members of a duplicate cluster (difficulty is not "better").
RANKING_DIMENSIONS = ("correctness", "clarity", "quality")


def _score(pair: dict[str, Any]) -> float:
    scores = [pair[f"judge_{d}"] for d in RANKING_DIMENSIONS if not pd.isna(pair[f"judge_{d}"])]
    return float(np.mean(scores)) if scores else 0.0


def select_pairs(judged: pd.DataFrame, params: CurationParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge thresholds, then one pair per duplicate cluster; every pair kept or rejected.

    Returns:
        kept pairs (`reasons` "[]") and rejected pairs (with their reasons), in input order.
    """
    frame = judged.reset_index(drop=True).copy()
    # only what the choice reads: rows of every column would hold each pair's text twice
    decided = ["pair_id", "passage_id", "messages", "reasons", "verification", "duplicate_of"]
    judged_columns = [f"judge_{name}" for name in (*RANKING_DIMENSIONS, *params.judge.min_scores)]
    columns = [c for c in dict.fromkeys(decided + judged_columns) if c in frame.columns]
    records = frame[columns].to_dict("records")
    reasons = [set(json.loads(pair["reasons"])) for pair in records]
    thresholds = params.judge.min_scores if params.judge.enabled else {}
    for pair, found in zip(records, reasons, strict=True):
        if pair["verification"] == "judge":
            pair["verification"] = "unchecked"  # free text the judge did not see
        if pair["verification"] == "disagrees":
            found.add("answer_mismatch")
        if not thresholds or (found and params.judge.only_clean):
            continue
        if pd.isna(pair["judge_quality"]):
            found.add("judge_failed")
            continue
        for dimension, minimum in thresholds.items():
            if pair[f"judge_{dimension}"] < minimum:
                found.add(f"low_{dimension}")
    if params.duplicates.enabled:
        _mark_duplicates(records, reasons, params)
    frame["verification"] = [pair["verification"] for pair in records]
    frame["duplicate_of"] = [pair["duplicate_of"] for pair in records]
    frame["reasons"] = [ordered(found) for found in reasons]
    kept = frame["reasons"] == "[]"
    return frame[kept].reset_index(drop=True), frame[~kept].reset_index(drop=True)


def _mark_duplicates(records: list[dict], reasons: list[set[str]], params: CurationParams) -> None:
    """Near-duplicate instructions (user turns), then near-duplicate pairs (all turns), among
    the pairs that passed every other check; the best-scored, then lowest id, is kept."""
    settings = params.duplicates
    chats = {
        i: conversation(records[i]["messages"]) for i, found in enumerate(reasons) if not found
    }
    for reason, threshold, part in (
        ("duplicate_instruction", settings.instruction_threshold, "user"),
        ("duplicate_pair", settings.pair_threshold, "whole"),
    ):
        alive = [i for i in chats if not reasons[i]]
        kept_by = duplicate_of(
            [getattr(chats[i], part) for i in alive],
            [(-_score(records[i]), records[i]["pair_id"]) for i in alive],
            threshold,
            shingle_words=settings.shingle_words,
            num_perm=settings.num_perm,
            bands=settings.bands,
            # several instructions about one passage are the method: only whole pairs repeat there
            groups=[records[i].get("passage_id") for i in alive] if part == "user" else None,
        )
        for i, keeper in zip(alive, kept_by, strict=True):
            if keeper is not None:
                reasons[i].add(reason)
                records[i]["duplicate_of"] = records[alive[keeper]]["pair_id"]
