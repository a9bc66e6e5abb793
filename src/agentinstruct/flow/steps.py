"""The one shape of an LLM step: items -> requests -> results -> (item, output) pairs.

A stage declares how to ask about one item (a function from the item to an `LLMRequest`) and
what a row is (built from the pairs `ask` returns). Sending the batch, matching each answer back
to its item, leaving out the items whose call failed and logging every call happen here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from agentinstruct.gateway import LLMRequest, LLMResult
from agentinstruct.schemas.frames import CallLogSchema, frame_of

if TYPE_CHECKING:  # the gateway imports LiteLLM: only processes that call a model pay for it
    from agentinstruct.gateway import LLMGateway

Item = TypeVar("Item")


class LLMSteps:
    """The LLM steps of one node, sharing one gateway and one call log."""

    def __init__(self, llm: LLMGateway) -> None:
        self.llm = llm
        self.results: list[LLMResult] = []

    def ask(
        self, stage: str, items: Iterable[Item], request: Callable[[Item], LLMRequest]
    ) -> list[tuple[Item, Any]]:
        """(item, validated output) in item order; an item whose call failed is left out, its
        failure is a row of the call log."""
        items = list(items)
        results = self.llm.generate(stage, [request(item) for item in items])
        self.results += results
        return [
            (item, result.output)
            for item, result in zip(items, results, strict=True)
            if result.output is not None
        ]

    def call_log(self) -> pd.DataFrame:
        """Every request of the node's steps, one row each (`CallLogSchema`)."""
        return frame_of(CallLogSchema, [asdict(result.record) for result in self.results])
