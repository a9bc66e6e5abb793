"""A throw-away copy of a project's configuration, to run pipelines without touching its data."""

import shutil
from pathlib import Path


def scratch_project(source: Path, destination: Path) -> Path:
    """conf/ (without conf/local), pyproject.toml and .telemetry of `source` in `destination`."""
    shutil.copytree(source / "conf", destination / "conf", ignore=shutil.ignore_patterns("local"))
    (destination / "conf" / "local").mkdir()
    (destination / "src").mkdir()  # bootstrap_project wants it; the package itself is installed
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(source / name, destination / name)
    return destination
