"""A throw-away copy of a project's configuration, to run pipelines without touching its data."""

import shutil
from pathlib import Path

import yaml


def scratch_project(source: Path, destination: Path) -> Path:
    """conf/ (without conf/local), pyproject.toml and .telemetry of `source` in `destination`."""
    shutil.copytree(source / "conf", destination / "conf", ignore=shutil.ignore_patterns("local"))
    (destination / "conf" / "local").mkdir()
    (destination / "src").mkdir()  # bootstrap_project wants it; the package itself is installed
    (destination / "logs").mkdir()  # conf/logging.yml's log file
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(source / name, destination / name)
    return destination


def point_at_server(
    project: Path, base_url: str, students: list[str] | None = None, **teacher: object
) -> None:
    """The teacher and the judge of `project` on an OpenAI-compatible server (the fake one in
    tests and benchmarks), through conf/local; `teacher` overrides catalog settings of both;
    `students` (model names), the students of `evaluate` on the same server."""
    base = yaml.safe_load((project / "conf/base/catalog_llm.yml").read_text())
    local = {}
    served = {
        "credentials": "fake_server",
        "progress": False,
        "input_cost_per_token": 1e-7,
        "output_cost_per_token": 4e-7,
    }
    for name in ("teacher_llm", "judge_llm"):
        local[name] = {**base[name], "model": "openai/fake-teacher", **served, **teacher}
    if students:
        local["student_llms"] = {**base["student_llms"], "models": students, **served}
    (project / "conf/local/catalog_llm.yml").write_text(yaml.safe_dump(local))
    (project / "conf/local/credentials.yml").write_text(
        yaml.safe_dump({"fake_server": {"api_key": "sk-fake", "api_base": base_url}})
    )
