"""The gateway: the only package that talks to models (LiteLLM + Instructor)."""

from agentinstruct.gateway.config import Credentials, GatewayConfig, GenerationParams
from agentinstruct.gateway.gateway import LLMGateway
from agentinstruct.gateway.pool import PooledGateway, open_gateway
from agentinstruct.gateway.records import CallRecord, LLMRequest, LLMResult

__all__ = [
    "CallRecord",
    "Credentials",
    "GatewayConfig",
    "GenerationParams",
    "LLMGateway",
    "LLMRequest",
    "LLMResult",
    "PooledGateway",
    "open_gateway",
]
