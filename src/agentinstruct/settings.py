"""Project settings: Kedro reads this module before anything else runs."""

import os
import warnings

from kedro.config import OmegaConfigLoader

# LiteLLM otherwise fetches its price list from the internet at import (a ~7 s stall offline).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# Kedro 1.7's own config loader calls an OmegaConf API that OmegaConf 2.4 deprecates; the
# three warnings per run say nothing about this project.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}
