"""Helpers to run the project's pipelines in a test project and read their versioned outputs."""

import json
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

SKILL = "reading_comprehension"
# Columns every final pair must fill: where it came from and what made it.
PROVENANCE = [
    "doc_id",
    "source_path",
    "source_format",
    "chunk_id",
    "chunk_index",
    "passage_id",
    "transformation_agent",
    "instruction_id",
    "question_type",
    "answer_format",
    "refinement_round",
    "model",
    "prompt_version",
    "skill",
]


def run_pipeline(project: Path, pipeline: str = SKILL, **runtime_params: Any) -> None:
    """A Kedro session's run. The size profile is `compact` unless a test names another: the
    machinery's tests assert its shapes (one item per call, one edit per goal) and run fast;
    the `full` profile has its own tests (test_strong_teacher.py)."""
    runtime_params.setdefault("size_profile", "compact")
    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params=runtime_params) as session:
        session.run(pipeline_names=[pipeline])


def versions(project: Path, relative: str) -> list[Path]:
    """Files of a versioned dataset, oldest first (`<filepath>/<timestamp>/<file>`)."""
    folder = project / relative
    return sorted(path / folder.name for path in folder.iterdir())


def latest_pairs(project: Path, skill: str = SKILL) -> pd.DataFrame:
    return pd.read_parquet(
        versions(project, f"data/07_model_output/{skill}/generated_pairs.parquet")[-1]
    )


def latest_report(project: Path, skill: str = SKILL) -> dict[str, Any]:
    path = versions(project, f"data/08_reporting/{skill}/run_report.json")[-1]
    return json.loads(path.read_text())
