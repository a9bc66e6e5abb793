"""One `kedro run` per project at a time: two runs at once would both pay for every call the
cache does not hold yet, and both reports would claim them.

The lock is an advisory `flock` on a file in the project's `data/` folder (beside, not inside,
an estimate's `data/estimate/`, which an estimate deletes as it starts), which the system
releases when its holder ends, however it ends: a killed run leaves no stale lock. The file says who
holds it (PID, start time, command), for the message the second run prints.
"""

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

RUN_LOCK, ESTIMATE_LOCK = ".kedro_run.lock", ".kedro_estimate.lock"
PREVIEW_LOCK = ".kedro_preview.lock"
# When the run began (epoch seconds), for its sessions and their child processes: the gateway's
# `run_timeout_s` counts from it.
RUN_STARTED_ENV = "AGENTINSTRUCT_RUN_STARTED"


class RunLocked(RuntimeError):
    """Another run holds the project's lock."""


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another run"
    return (
        f"another run (PID {holder.get('pid')}, started {holder.get('started_at')}:"
        f" {holder.get('command')})"
    )


@contextmanager
def run_lock(data: Path, wait: bool = False, name: str = RUN_LOCK) -> Iterator[Path]:
    """Hold the lock `name` in the project's `data` folder while the block runs; raise
    `RunLocked` at once if another run holds it, or with `wait`, wait for it."""
    data.mkdir(parents=True, exist_ok=True)
    path = data / name
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise RunLocked(
                    f"{_holder(path)} is running on this project ({path}); wait for it to end,"
                    " or run again with --wait-for-lock"
                ) from None
            print(f"Waiting for {_holder(path)} to end ...", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "command": " ".join(sys.argv[1:]) or sys.argv[0],
                    "started_epoch": time.time(),
                }
            )
        )
        handle.flush()
        try:
            yield path
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
