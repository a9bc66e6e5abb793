"""What an evaluation would ask and pay, from its estimate run's call logs: each student's
requests and the judge's, priced as their own models (flow/projection.py's table).

Unlike a flow's judge, the evaluation's judge is asked about every answered item, so an
estimate's counts are the real run's exactly (when no student call fails)."""

from typing import Any

import pandas as pd

from agentinstruct.evaluation.pipeline import JUDGE, NAMESPACE, STUDENTS
from agentinstruct.flow.projection import project_calls
from agentinstruct.gateway.spend.pricing import Pricing


def save_evaluation_projection(catalog: Any) -> dict[str, Any]:
    """The projection of an `evaluate` estimate run, saved as `evaluation.projection`."""
    prices = {model: Pricing(config) for model, config in catalog.get(STUDENTS).configs.items()}
    judge = catalog.get(JUDGE).config
    prices[judge.model] = Pricing(judge)
    calls = pd.concat(
        [
            catalog.load(f"{NAMESPACE}.student_llm_calls"),
            catalog.load(f"{NAMESPACE}.judge_llm_calls"),
        ],
        ignore_index=True,
    )
    projection = {"skill": NAMESPACE, **project_calls(calls, prices, gated={})}
    catalog.save(f"{NAMESPACE}.projection", projection)
    return projection
