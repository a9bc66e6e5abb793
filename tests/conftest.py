"""Shared fixtures: a fake teacher, and a throw-away copy of the project to run pipelines in."""

import os
import shutil
from pathlib import Path

import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
from agentinstruct.devtools.scratch_project import scratch_project
from tests import fake_llm
from tests.scheduling import SharedFixtureScheduling

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under CI a skipped service test fails: CI installs PostgreSQL and Chromium, and a test
    skipped for want of one would let the build pass without checking what it guards."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and item.get_closest_marker("services"):
        report.outcome = "failed"
        report.longrepr = f"a service test was skipped under CI: {report.longrepr}"


# Module-scoped fixtures that run pipelines once for many assertions: any test that uses one
# waits for it, so it is slow however quick its own assertions are.
PIPELINE_FIXTURES = {"evaluated", "card_project", "exported_project", "natural", "first_run"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test of the embedded model, or of a pipeline-running fixture, is slow too:
    `-m "not slow"` leaves it out. Slow tests go first, so that no parallel worker ends the
    run on a long one (tests/scheduling.py)."""
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("embedded") or uses & PIPELINE_FIXTURES:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: not item.get_closest_marker("slow"))  # stable: order kept within


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent with -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log) -> SharedFixtureScheduling | None:
    """The project's scheduler for `-n N` (xdist's `load`); an explicit `--dist` keeps its own."""
    return SharedFixtureScheduling(config, log) if config.getvalue("dist") == "load" else None
