"""The project's hooks: secrets kept out of the logs, the run's clock, and the estimate run's
guarantees.

Kedro's logging config may name neither a filter factory nor a handler class outside its own
modules, so the redacting filter (agentinstruct/redaction.py) is put on the root logger's
handlers once a session's context exists, before any node runs.

The estimate run's guarantees, whatever the catalog says: no call, no real output touched.

`kedro run --params=estimate_only=true` writes its outputs under data/estimate/ (the catalog's
`_outputs` resolves through `outputs_root`), and every LLM gateway of the catalog is switched to
its estimating form before it is loaded, so a teacher entry overridden in conf/local without
`estimate_only` still makes no paid call.
"""

import logging
import os
import time
from typing import Any

from kedro.framework.hooks import hook_impl

from agentinstruct.console import quiet_console
from agentinstruct.redaction import RedactingFilter
from agentinstruct.run_lock import RUN_STARTED_ENV

ESTIMATE_OUTPUTS = "data/estimate"
PREVIEW_OUTPUTS = "data/preview"  # `--params=preview=true`: a few documents, shown, not kept


def is_on(value: object) -> bool:
    """A switch given as a parameter (`estimate_only`, `preview`): a bool from YAML, a string
    from the command line."""
    return str(value).lower() in ("true", "1", "yes")


def outputs_root(estimate_only: object, preview: object = False) -> str:
    """Where a run writes: an estimate and a preview each under a root of their own, so their
    outputs never mix with a real run's."""
    if is_on(estimate_only):
        return ESTIMATE_OUTPUTS
    return PREVIEW_OUTPUTS if is_on(preview) else "data"


def preview_files(preview: object, documents: object = 1) -> int | None:
    """How many raw files a preview reads (`preview_documents`, default 1); None (all) for any
    other run."""
    return int(str(documents)) if is_on(preview) else None


class EstimateOnlyHooks:
    @hook_impl
    def after_catalog_created(self, catalog: Any, parameters: dict[str, Any]) -> None:
        # Kedro hands the parameters as catalog entries: "parameters" is the whole dict
        if not is_on(parameters.get("parameters", {}).get("estimate_only", False)):
            return
        from agentinstruct.gateway.dataset import (  # imports LiteLLM
            LLMGatewayDataset,
            StudentGatewaysDataset,
        )

        for name in catalog:
            dataset = catalog.get(name)
            if isinstance(dataset, LLMGatewayDataset | StudentGatewaysDataset):
                dataset.estimate_only()


class RedactedLogsHooks:
    """Secrets out of every log record: the redacting filter on the root logger's handlers."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        for handler in logging.getLogger().handlers:
            if not any(isinstance(each, RedactingFilter) for each in handler.filters):
                handler.addFilter(RedactingFilter())


class QuietConsoleHooks:
    """Kedro's own INFO records off the console, into the log file only (console.py)."""

    @hook_impl
    def after_context_created(self, context: Any) -> None:
        quiet_console()


class RunClockHooks:
    """The run's start for `run_timeout_s`, set for a run that `kedro run` did not start (a
    notebook's session, `KedroSession.run` from code), and cleared when it ends, so that the
    next run in the same process counts from its own start."""

    def __init__(self) -> None:
        self._set_here = False

    @hook_impl
    def before_pipeline_run(self) -> None:
        if RUN_STARTED_ENV not in os.environ:
            os.environ[RUN_STARTED_ENV] = str(time.time())
            self._set_here = True

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._clear()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._clear()

    def _clear(self) -> None:
        if self._set_here:
            os.environ.pop(RUN_STARTED_ENV, None)
            self._set_here = False
