"""Sums a stage's call log (`CallLogSchema`, one row per request) up for the reports."""

from typing import Any

import pandas as pd

# What `llm_usage` and the report's breakdowns read of a call log.
USAGE_COLUMNS = [
    "stage",
    "model",
    "status",
    "cached",
    "attempts",
    "prompt_tokens",
    "completion_tokens",
    "latency_s",
    "cost_usd",
]


def llm_usage(calls: pd.DataFrame) -> dict[str, Any]:
    """Requests, new calls, cache hits, failures, attempts, tokens, time and cost of a call log."""
    new_calls = calls[~calls["cached"]]
    return {
        "requests": len(calls),
        "new_calls": len(new_calls),
        "cache_hits": int(calls["cached"].sum()),
        "failed": int((calls["status"] == "failed").sum()),
        "attempts": int(calls["attempts"].sum()),
        "prompt_tokens": int(calls["prompt_tokens"].sum()),
        "completion_tokens": int(calls["completion_tokens"].sum()),
        "new_prompt_tokens": int(new_calls["prompt_tokens"].sum()),
        "new_completion_tokens": int(new_calls["completion_tokens"].sum()),
        "llm_seconds": round(float(calls["latency_s"].sum()), 2),
        "cost_usd": round(float(calls["cost_usd"].sum()), 6),
    }
