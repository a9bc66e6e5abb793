"""What a model needs before its first call: a key where it needs one, and the most it may
write in one answer."""

import litellm

from agentinstruct.gateway.config import Credentials, GatewayConfig


def require_api_key(model: str, credentials: Credentials) -> None:
    """Fail before the first call when the provider's key is nowhere to be found.

    Without a key LiteLLM raises a retryable-looking error per request, and a run would end
    with every item a failure record instead of one clear message.
    """
    if credentials.api_key is not None:
        return
    missing = litellm.validate_environment(model=model, api_base=credentials.api_base)[
        "missing_keys"
    ]
    keys = [name for name in missing if name.endswith("_KEY")]
    if keys:
        raise ValueError(
            f"Model {model!r} needs {' or '.join(keys)}: set it in the environment, or put "
            "api_key in conf/local/credentials.yml and name that entry in the teacher_llm "
            "catalog entry (`credentials: <entry>`)."
        )


def output_cap(config: GatewayConfig) -> int | None:
    """The most tokens the model writes in one answer, where LiteLLM's map knows it (16,384
    for gpt-4o-mini, 4,096 for gpt-4-turbo): a request asking for more is refused by the
    provider, so the gateway asks for at most this. For a fleet, its first deployment's."""
    model = config.deployments[0].model if config.deployments else config.model
    try:
        cap = litellm.get_model_info(model).get("max_output_tokens")
    except Exception:  # LiteLLM raises several kinds for a model missing from its map
        return None
    return int(cap) if cap else None
