"""The gateway: the only package that talks to models (LiteLLM + Instructor).

Requests, results and configuration import nothing heavy; the gateways themselves import
LiteLLM (~3 s and ~100 MB a process), so they load on first use: a process that never calls a
model (ingestion, the gather of a partitioned run, `kedro viz`) never imports it.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from agentinstruct.gateway.config import Credentials, GatewayConfig, GenerationParams
from agentinstruct.gateway.records import CallRecord, Gateway, LLMRequest, LLMResult

if TYPE_CHECKING:
    from agentinstruct.gateway.online.engine import LLMGateway
    from agentinstruct.gateway.online.workers import PooledGateway
    from agentinstruct.gateway.opening import open_gateway

_LAZY = {
    "LLMGateway": "agentinstruct.gateway.online.engine",
    "PooledGateway": "agentinstruct.gateway.online.workers",
    "open_gateway": "agentinstruct.gateway.opening",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CallRecord",
    "Credentials",
    "Gateway",
    "GatewayConfig",
    "GenerationParams",
    "LLMGateway",
    "LLMRequest",
    "LLMResult",
    "PooledGateway",
    "open_gateway",
]
