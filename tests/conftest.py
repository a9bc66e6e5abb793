"""Shared fixtures: a fake teacher, and a throw-away copy of the project to run pipelines in."""

import shutil
from pathlib import Path

import pytest

from agentinstruct.devtools.scratch_project import scratch_project
from tests import fake_llm

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = PROJECT_ROOT / "data" / "01_raw" / "reading_comprehension"


@pytest.fixture
def fake_teacher() -> fake_llm.FakeTeacher:
    return fake_llm.install()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """conf/, pyproject.toml and the sample corpus in a temp folder, which becomes the cwd."""
    root = scratch_project(PROJECT_ROOT, tmp_path / "project")
    shutil.copytree(SAMPLE_CORPUS, root / "data" / "01_raw" / "reading_comprehension")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def all_skills_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Like `project`, with the sample seeds of every skill."""
    root = scratch_project(PROJECT_ROOT, tmp_path / "project")
    shutil.copytree(PROJECT_ROOT / "data" / "01_raw", root / "data" / "01_raw")
    monkeypatch.chdir(root)
    return root
