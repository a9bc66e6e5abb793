"""Shared fixtures: a fake teacher, and a throw-away copy of the project to run pipelines in."""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests import fake_llm

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = PROJECT_ROOT / "data" / "01_raw" / "reading_comprehension"


@pytest.fixture
def fake_teacher() -> fake_llm.FakeTeacher:
    return fake_llm.install()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """conf/, pyproject.toml and the sample corpus in a temp folder, which becomes the cwd."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(PROJECT_ROOT / ".telemetry", root / ".telemetry")
    (root / "src").mkdir()  # bootstrap_project wants it; the package itself is installed
    shutil.copytree(SAMPLE_CORPUS, root / "data" / "01_raw" / "reading_comprehension")
    monkeypatch.chdir(root)
    return root
