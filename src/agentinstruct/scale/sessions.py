"""One Kedro session of a partitioned run: what this process, or a Dask worker, runs."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

_bootstrapped: set[str] = set()


@dataclass(frozen=True)
class Project:
    """Where the project is and how its sessions are configured; the same for every session of a
    run, so it travels to the workers (a real cluster needs the path on a shared filesystem)."""

    path: str
    env: str | None = None
    conf_source: str | None = None
    runtime_params: dict[str, Any] = field(default_factory=dict)

    def session(self, **runtime_params: Any) -> KedroSession:
        if self.path not in _bootstrapped:  # once per process: it imports settings and hooks
            bootstrap_project(Path(self.path))
            _bootstrapped.add(self.path)
        os.chdir(self.path)  # relative paths in the catalog and logging config
        return KedroSession.create(
            project_path=Path(self.path),
            env=self.env,
            conf_source=self.conf_source,
            runtime_params={**self.runtime_params, **runtime_params},
        )


def run_session(project: Project, pipeline: str, tags: list[str], **runtime_params: Any) -> None:
    """The nodes of `pipeline` with any of `tags`, in one session."""
    with project.session(**runtime_params) as session:
        session.run(pipeline_names=[pipeline], tags=tags)
