"""Shared fixtures: a fake teacher, and a throw-away copy of the project to run pipelines in."""

import shutil
from pathlib import Path

import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
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


@pytest.fixture
def server():
    """Starts fake OpenAI servers on 127.0.0.1 (`server(latency_s=..., faults=...)`); each is
    stopped after the test."""
    started: list[FakeOpenAIServer] = []

    def start(**settings) -> FakeOpenAIServer:
        started.append(FakeOpenAIServer(**settings).start())
        return started[-1]

    yield start
    for running in started:
        running.stop()
