"""Turns gateway results into the stage's call log (one row per request, failures included)."""

from collections.abc import Iterable
from dataclasses import asdict

import pandas as pd

from agentinstruct.gateway import LLMResult
from agentinstruct.schemas.frames import CallLogSchema, frame_of


def call_log(results: Iterable[LLMResult]) -> pd.DataFrame:
    return frame_of(CallLogSchema, [asdict(result.record) for result in results])
