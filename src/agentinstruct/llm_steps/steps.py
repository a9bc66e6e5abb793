"""The one shape of an LLM step: items -> requests -> results -> (item, output) pairs.

A stage declares how to ask about one item (a function from the item to an `LLMRequest`) and
what a row is (built from the pairs `ask` returns). Sending the batch, matching each answer back
to its item, leaving out the items whose call failed and logging every call happen here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any, TypeVar

import pandas as pd

from agentinstruct.gateway import CallRecord, Gateway, LLMRequest
from agentinstruct.schemas.frames import CallLogSchema, frame_of

Item = TypeVar("Item")
# Requests built and sent at once: a stage of 800,000 requests (one 50 MB file) holds 50,000
# prompts at a time, not all of them. As many as one provider batch holds (OpenAI's cap), so
# batch mode sends the same batches.
REQUESTS_AT_ONCE = 50_000


class LLMSteps:
    """The LLM steps of one node, sharing one gateway and one call log."""

    def __init__(self, llm: Gateway) -> None:
        self.llm = llm
        self.records: list[CallRecord] = []  # what each request cost, without its prompt

    def ask(
        self, stage: str, items: Iterable[Item], request: Callable[[Item], LLMRequest]
    ) -> list[tuple[Item, Any]]:
        """(item, validated output) in item order; an item whose call failed is left out, its
        failure is a row of the call log. Requests are built and sent `REQUESTS_AT_ONCE` at a
        time, so a stage's memory does not grow with its prompts."""
        items = list(items)
        answered: list[tuple[Item, Any]] = []
        for start in range(0, len(items), REQUESTS_AT_ONCE):
            part = items[start : start + REQUESTS_AT_ONCE]
            results = self.llm.generate(stage, [request(item) for item in part])
            self.records += [result.record for result in results]
            answered += [
                (item, result.output)
                for item, result in zip(part, results, strict=True)
                if result.output is not None
            ]
        return answered

    def call_log(self) -> pd.DataFrame:
        """Every request of the node's steps, one row each (`CallLogSchema`)."""
        return frame_of(CallLogSchema, [asdict(record) for record in self.records])
