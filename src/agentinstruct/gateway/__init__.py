"""The gateway: the only package that talks to models (LiteLLM + Instructor)."""

import os

# Set before LiteLLM is first imported: otherwise it fetches a price list (a ~7 s stall offline).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

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
