"""Kedro entry points of curation: the flow's (per skill) and the standalone pipeline's.

They differ only in where things come from: a skill's flow has its seed documents, its params
(`params:<skill>`) and the judge template of its skill folder; the `curation` pipeline reads a
folder of chat data, `params:curation` and the shared judge template.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from agentinstruct.curation.checks import check_documents, check_pairs, collect_pairs
from agentinstruct.curation.contamination import BenchmarkIndex
from agentinstruct.curation.context import with_shared_context
from agentinstruct.curation.judge import judge_pairs
from agentinstruct.curation.rules import CurationRules
from agentinstruct.gateway import Gateway
from agentinstruct.params import CurationParams, FlowParams
from agentinstruct.skill import Skill, template


def _index(eval_sets: dict[str, pd.DataFrame], params: CurationParams) -> BenchmarkIndex | None:
    """The evaluation sets' index, built once per process for the same sets and settings: the
    document checks and the pair checks of a partition both use it (~1 s for MMLU's 14k
    items), and a process runs several partitions."""
    if not params.decontamination.enabled:
        return None
    key = (
        params.decontamination.model_dump_json(),
        tuple(
            (
                name,
                tuple(map(str, table.columns)),
                tuple(map(str, table.dtypes)),  # the index reads string columns only
                int(pd.util.hash_pandas_object(table.astype(str)).sum()),
            )
            for name, table in sorted(eval_sets.items())
        ),
    )
    if key not in _INDEXES:
        _INDEXES.clear()  # one set of evaluation sets at a time: an index can be large
        _INDEXES[key] = BenchmarkIndex(eval_sets, params.decontamination)
    return _INDEXES[key]


_INDEXES: dict[tuple, BenchmarkIndex] = {}


def check_flow_documents(
    documents: pd.DataFrame,
    eval_sets: dict[str, pd.DataFrame],
    rules: dict[str, Any],
    params: FlowParams,
) -> pd.DataFrame:
    """Seed-document checks (`DocumentCheckSchema`), before the plan: a document they set aside
    (`set_aside_documents`) is planned no chunk, so it costs no teacher call."""
    return check_documents(
        documents, _index(eval_sets, params.curation), CurationRules.model_validate(rules)
    )


def check_flow_pairs(
    pairs: pd.DataFrame,
    eval_sets: dict[str, pd.DataFrame],
    rules: dict[str, Any],
    params: FlowParams,
) -> pd.DataFrame:
    """Checked pairs (`ScoredPairSchema`)."""
    return check_pairs(
        pairs,
        _index(eval_sets, params.curation),
        CurationRules.model_validate(rules),
        params.curation,
    )


def judge_flow_pairs(
    checked: pd.DataFrame, skill: Skill, rules: dict[str, Any], params: FlowParams, llm: Gateway
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judged pairs (`ScoredPairSchema`) and the judge's call log."""
    render = partial(skill.render, "judge")
    return judge_pairs(checked, render, CurationRules.model_validate(rules), params.curation, llm)


def check_external_pairs(
    tables: dict[str, pd.DataFrame],
    eval_sets: dict[str, pd.DataFrame],
    rules: dict[str, Any],
    params: CurationParams,
) -> pd.DataFrame:
    """Every row of every table, checked (`ScoredExternalPairSchema`), with the shared context
    of its user turn (`context_id`), which near-duplicate detection then takes out."""
    pairs = with_shared_context(collect_pairs(tables))
    return check_pairs(
        pairs, _index(eval_sets, params), CurationRules.model_validate(rules), params
    )


def judge_external_pairs(
    checked: pd.DataFrame,
    judge_prompt: str,
    rules: dict[str, Any],
    params: CurationParams,
    llm: Gateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judged rows (`ScoredExternalPairSchema`) and the judge's call log."""
    render = template(judge_prompt).render
    return judge_pairs(checked, render, CurationRules.model_validate(rules), params, llm)
