"""What goes into the gateway and what comes out: a request, its result and its call record."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from agentinstruct.gateway.config import GatewayConfig


@dataclass(frozen=True)
class LLMRequest:
    """One structured call: `response_model` is its contract."""

    item_id: str
    messages: list[dict[str, str]]
    response_model: type[BaseModel]
    max_tokens: int | None = None


@dataclass(frozen=True)
class CallRecord:
    """What one request cost and how it ended; a row of the stage's call log."""

    stage: str
    item_id: str
    model: str
    status: str
    cached: bool
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    max_tokens: int = 0  # the cap the request was sent with: an estimate's completion bound
    max_prompt_tokens: int = 0  # prompt_tokens, or for an estimate the most its prompt can be
    cost_usd: float = 0.0
    error_type: str | None = None
    error: str | None = None
    reason: str | None = None  # a failure's, by its error: max_tokens, over_limit, schema, ...


@dataclass(frozen=True)
class LLMResult:
    request: LLMRequest
    output: BaseModel | None
    record: CallRecord


class Gateway(Protocol):
    """What nodes use of a gateway (`LLMGateway` and its kinds): its configuration, and answers
    to requests. Nodes are typed with this, not with `LLMGateway`, so Kedro reads their type
    hints without importing LiteLLM."""

    config: GatewayConfig

    def generate(self, stage: str, requests: Sequence[LLMRequest]) -> list[LLMResult]: ...
