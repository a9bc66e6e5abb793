"""Which gateway a config asks for: the one factory of every kind, above all of them."""

from agentinstruct.gateway.batch.gateway import BatchGateway
from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.estimate.gateway import EstimatingGateway
from agentinstruct.gateway.online.engine import LLMGateway
from agentinstruct.gateway.online.workers import PooledGateway


def open_gateway(
    config: GatewayConfig, credentials: Credentials | dict[str, Credentials] | None = None
) -> LLMGateway:
    """The gateway a config asks for: placeholders and counts for `estimate_only`; this
    process's share of the limits when several share the endpoints; the provider's batch API
    for `calls: batch` (no client CPU to spread); worker processes when `workers > 1`."""
    config = config.share(config.shared_by).model_copy(update={"shared_by": 1})
    if config.estimate_only:
        return EstimatingGateway(config, credentials)
    if config.calls == "batch":
        return BatchGateway(config, credentials)
    return (PooledGateway if config.workers > 1 else LLMGateway)(config, credentials)
