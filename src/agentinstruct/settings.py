"""Project settings: Kedro reads this module before anything else runs."""

import warnings

from agentinstruct.config_loader import ProjectConfigLoader
from agentinstruct.hooks import (
    EstimateOnlyHooks,
    QuietConsoleHooks,
    RedactedLogsHooks,
    RunClockHooks,
    outputs_root,
    preview_files,
)

# Kedro 1.7's own config loader calls an OmegaConf API that OmegaConf 2.4 deprecates; the
# three warnings per run say nothing about this project.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")

# Kedro's OmegaConfigLoader, plus: the judge follows the teacher's entry, and every skill's
# parameters get their size profile (conf/base/size_profiles.yml; see config_loader.py).
CONFIG_LOADER_CLASS = ProjectConfigLoader
CONFIG_LOADER_ARGS = {"base_env": "base", "default_run_env": "local"}

# An estimate run (`--params=estimate_only=true`) writes under data/estimate/ (the catalog's
# `_outputs`), and its gateways answer with placeholders instead of calls.
CONFIG_LOADER_ARGS["custom_resolvers"] = {
    "outputs_root": outputs_root,
    "preview_files": preview_files,  # a preview (`--params=preview=true`) reads a few files
}
HOOKS = (RedactedLogsHooks(), QuietConsoleHooks(), RunClockHooks(), EstimateOnlyHooks())
# Kedro-Viz's run hooks record a run's events for its workflow view only on a full run; every
# run of a skill is partial (its partitions, then the gather), so they would only warn.
DISABLE_HOOKS_FOR_PLUGINS = ("kedro-viz",)
