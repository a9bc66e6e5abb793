"""What a run shows on the console, and where the rest goes.

The console shows a run's progress bars, this project's records and every warning, not Kedro's
own INFO records (each dataset loaded and saved, each node started and finished: about 1,800
lines for the sample run); `kedro run -v` shows them too. The log file of conf/logging.yml
(logs/agentinstruct.log) keeps everything.

Kedro's logging config may name classes of `logging` and `kedro.logging` only (unless
KEDRO_LOGGING_MODULE_ALLOWLIST says otherwise), so the filter is put on the console's handlers
by a hook (hooks.QuietConsoleHooks), as the redacting filter is, and the log file's folder is
made there too.
"""

import logging
import os
from pathlib import Path

VERBOSE_ENV = "AGENTINSTRUCT_VERBOSE"  # set by `kedro run -v/--verbose`


class QuietConsoleFilter(logging.Filter):
    """Drops Kedro's records below WARNING, unless the run is verbose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return (
            record.levelno >= logging.WARNING
            or not record.name.startswith("kedro")
            or os.environ.get(VERBOSE_ENV) == "1"
        )


def quiet_console() -> None:
    """The filter on every console handler of the root logger; a log file keeps every record
    (and gets its folder: logs/ may be missing from a copy of the project)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            Path(handler.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        elif not any(isinstance(each, QuietConsoleFilter) for each in handler.filters):
            handler.addFilter(QuietConsoleFilter())
