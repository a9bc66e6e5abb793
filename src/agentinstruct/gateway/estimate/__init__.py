"""The estimate run (`estimate_only: true`): a gateway that answers with placeholders and counts
what each request would cost, and the placeholders themselves."""

from agentinstruct.gateway.estimate.placeholders import is_placeholder
from agentinstruct.gateway.records import Gateway


def made_up(llm: Gateway, text: str) -> bool:
    """Whether `text` quotes an answer an estimate made up instead of asking for it: only a run
    whose gateway estimates has any (a gateway that asks its model makes none up)."""
    return llm.config.estimate_only and is_placeholder(text)


__all__ = ["is_placeholder", "made_up"]
