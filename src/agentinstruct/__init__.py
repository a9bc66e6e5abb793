"""AgentInstruct on Kedro: agentic flows that turn raw documents into post-training data."""

import os

# Set here, before any module of the package can import LiteLLM: otherwise LiteLLM fetches its
# price list from the internet at import (a ~7 s stall offline). The one place it is set.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

__version__ = "0.1.0"
