"""What `kedro run` prints: progress, warnings and a closing summary, not Kedro's own INFO
records (those go to logs/); the summary is saved beside the report."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.run_summary import skill_summary
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_report

KEDRO = str(Path(sys.executable).parent / "kedro")
MAX_LINES = 80
BUDGET_USD = 1.0


@pytest.fixture(scope="module")
def served():
    started = FakeOpenAIServer(latency_s=0.0).start()
    yield started
    started.stop()


def _kedro_run(project: Path, *arguments: str) -> str:
    env = {**os.environ, "COLUMNS": "120"}
    done = subprocess.run(
        [KEDRO, "run", *arguments], cwd=project, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def _sample(folder: Path, served: FakeOpenAIServer) -> Path:
    """The sample corpus on the fake server, with a student for `evaluate`."""
    project = scratch_project(PROJECT_ROOT, folder / "project")
    shutil.copytree(SAMPLE_CORPUS, project / "data/01_raw" / SKILL)
    point_at_server(
        project,
        served.base_url,
        students=["openai/fake-student"],
        size_profile="compact",
        budget_usd=BUDGET_USD,  # the teacher's and the judge's, one model: one budget
    )
    return project


@pytest.fixture(scope="module")
def sample(tmp_path_factory, served) -> Path:
    return _sample(tmp_path_factory.mktemp("summary"), served)


@pytest.fixture(scope="module")
def first_run(sample) -> dict[str, str | float]:
    """The first run of the main job: what it printed, saved and logged, and its cost, read
    at once (the tests below run the project again, and any of them may run first)."""
    printed = _kedro_run(sample, f"--pipeline={SKILL}")
    return {
        "printed": printed,
        "summary": (sample / f"data/08_reporting/{SKILL}/run_summary.txt").read_text(),
        "log": (sample / "logs/agentinstruct.log").read_text(),
        "cost": latest_report(sample)["llm"]["total"]["cost_usd"],
    }


@pytest.mark.slow
def test_a_run_ends_with_its_summary_and_keeps_kedro_s_records_in_the_log(first_run) -> None:
    printed, summary, cost = first_run["printed"], first_run["summary"], first_run["cost"]
    lines = printed.rstrip("\n").splitlines()
    assert len(lines) <= MAX_LINES, printed
    assert "WARNING" not in printed and "Traceback" not in printed, printed
    assert "Running node" not in printed  # Kedro's INFO records: the log file's
    assert printed.rstrip().endswith(summary.rstrip())  # the last lines, saved as they were
    for label in ("pairs", "rejected", "LLM", "kept pairs", "exports", "report"):
        assert any(line.startswith(label) for line in summary.splitlines()), label
    budgets = [line for line in summary.splitlines() if line.startswith("budget")]
    assert len(budgets) == 1, summary  # teacher and judge share the model's budget
    left = BUDGET_USD - cost
    assert f"${cost:.4f} of ${BUDGET_USD:.4f} spent, ${left:.4f} left" in budgets[0]
    assert "Running node" in first_run["log"]


@pytest.mark.slow
def test_verbose_brings_kedro_s_records_back(sample, first_run) -> None:
    assert "Running node" in _kedro_run(sample, f"--pipeline={SKILL}", "-v")


@pytest.mark.slow
def test_an_evaluation_ends_with_its_summary(sample, first_run) -> None:
    evaluated = _kedro_run(sample, "--pipeline=evaluate")
    assert "── evaluation" in evaluated and f"{SKILL} · openai/fake-student" in evaluated
    saved = (sample / "data/08_reporting/evaluation/run_summary.txt").read_text()
    assert evaluated.rstrip().endswith(saved.rstrip())


def test_the_summary_names_the_top_reasons_and_counts_the_rest() -> None:
    report = {
        "skill": SKILL,
        "inputs": {"documents_used": 3, "quarantined": 2},
        "documents": [
            {"status": "quarantined", "reason": "binary: not text"},
            {"status": "used", "rows_quarantined": {"empty: no text": 4}},
        ],
        "curation": {
            "generated": 40,
            "kept": 10,
            "reasons": {"truncated": 9, "answer_mismatch": 12, "duplicate_pair": 5, "meta": 1},
        },
        "llm": {
            "total": {
                "requests": 90,
                "cache_hits": 10,
                "failed": 3,
                "prompt_tokens": 1000,
                "completion_tokens": 500,
                "cost_usd": 0.0123,
            }
        },
        "failures_by_reason": {"answers": {"timeout": 2, "schema": 1}},
    }
    text = skill_summary(report, {"report": "r.json"}, 12.4)
    assert "40 generated → 10 kept" in text
    assert "answer_mismatch 12 · truncated 9 · duplicate_pair 5 (+1 more reason)" in text
    assert "2 quarantined (empty 4 · binary 1)" in text
    assert "timeout 2 · schema 1; a re-run asks 2 of them again" in text
    assert "$0.0123" in text and "12 s" in text


@pytest.mark.slow
def test_a_preview_shows_one_document_s_pairs_and_writes_nothing_beside_real_outputs(
    tmp_path, served
) -> None:
    sample = _sample(tmp_path, served)
    printed = _kedro_run(sample, f"--pipeline={SKILL}", "--params=preview=true")
    assert f"Preview of {SKILL}:" in printed
    assert "PASSAGE" in printed and "QUESTION" in printed and "ANSWER" in printed
    assert "kept" in printed or "rejected:" in printed
    first = sorted(path.name for path in (sample / "data/01_raw" / SKILL).iterdir())[0]
    shown = {line for line in printed.splitlines() if ".md" in line or ".txt" in line}
    assert shown and all(first in line for line in shown)  # the first file only
    assert not (sample / "data/07_model_output").exists()
    assert not (sample / "data/08_reporting").exists()
    assert (sample / "data/preview/07_model_output").is_dir()
