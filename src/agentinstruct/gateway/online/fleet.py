"""A teacher served by several endpoints, through LiteLLM's Router.

The Router spreads calls over the deployments (weighted shuffle) and cools down one that keeps
failing, so the next call goes elsewhere. It makes no retries of its own (`num_retries=0`, no
fallback lists): the gateway's transport retries are the only ones, and each goes back through
the Router, which picks a deployment that is not cooling down. Retries do not multiply.
"""

import litellm

from agentinstruct.gateway.config import Credentials, GatewayConfig
from agentinstruct.gateway.online.providers import require_api_key

COOLDOWN_S = 30.0  # how long a deployment that failed ALLOWED_FAILS times in a minute sits out
ALLOWED_FAILS = 3


def fleet_credentials(config: GatewayConfig, credentials: dict | None) -> dict[str, Credentials]:
    """Each deployment's credentials, from the entries of the teacher's credentials."""
    entries = credentials or {}
    missing = sorted({d.credentials for d in config.deployments if d.credentials} - set(entries))
    if missing:
        raise ValueError(
            f"deployments name credentials {missing} that the teacher's credentials entry lacks"
            f" (it has {sorted(entries)})"
        )
    return {name: Credentials(**value) for name, value in entries.items()}


def build_router(config: GatewayConfig, credentials: dict[str, Credentials]) -> litellm.Router:
    model_list = []
    for deployment in config.deployments:
        secrets = credentials.get(deployment.credentials or "", Credentials())
        require_api_key(deployment.model, secrets)
        model_list.append(
            {
                "model_name": config.model,
                "litellm_params": {
                    "model": deployment.model,
                    "weight": deployment.weight,
                    **secrets.as_call_kwargs(),
                },
            }
        )
    return litellm.Router(
        model_list=model_list,
        routing_strategy="simple-shuffle",
        num_retries=0,
        allowed_fails=ALLOWED_FAILS,
        cooldown_time=COOLDOWN_S,
    )
