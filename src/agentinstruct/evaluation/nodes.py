"""Kedro entry points of `evaluate`: what the catalog hands (templates as text, rules as a
dict) made into what the evaluation's modules take."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from agentinstruct.curation.rules import CurationRules
from agentinstruct.evaluation.items import eval_set_items, evaluation_tasks, skill_items
from agentinstruct.evaluation.report import build_evaluation_report, card_sections
from agentinstruct.evaluation.scoring import score_answers
from agentinstruct.gateway import Gateway
from agentinstruct.params import EvaluationParams
from agentinstruct.skill import template

logger = logging.getLogger(__name__)


def collect_items(
    held_out_pairs: dict[str, pd.DataFrame],
    eval_sets: dict[str, pd.DataFrame],
    multiple_choice_prompt: str,
    params: EvaluationParams,
) -> pd.DataFrame:
    """Every item to evaluate (`EvaluationTaskSchema`): the skills' test pairs, then the
    multiple-choice eval sets (`evaluation.eval_sets`)."""
    items = skill_items(held_out_pairs, params.skills)
    if params.eval_sets:
        items += eval_set_items(eval_sets, template(multiple_choice_prompt).render, params)
    if not items:
        logger.warning(
            "Nothing to evaluate: no skill's run has a test split yet (run a skill first, e.g."
            " kedro run --pipeline=reading_comprehension) and no multiple-choice set is in"
            " data/01_raw/eval_sets/. The report will be empty."
        )
    return evaluation_tasks(items)


def score_student_answers(
    answers: pd.DataFrame,
    judge_prompt: str,
    rules: dict[str, Any],
    params: EvaluationParams,
    judge: Gateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every answer scored (`EvaluationItemSchema`), and the judge's call log."""
    render = template(judge_prompt).render
    return score_answers(answers, render, CurationRules.model_validate(rules), params, judge)


def report_evaluation(
    items: pd.DataFrame,
    student_calls: pd.DataFrame,
    judge_calls: pd.DataFrame,
    params: EvaluationParams,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The evaluation report, and each evaluated skill's section of its dataset card."""
    report = build_evaluation_report(items, student_calls, judge_calls, params)
    return report, card_sections(report)
