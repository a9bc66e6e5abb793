"""Project settings: Kedro reads this module before anything else runs."""

import os

# LiteLLM otherwise fetches its price list from the internet at import (a ~7 s stall offline).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from kedro.config import OmegaConfigLoader

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}
