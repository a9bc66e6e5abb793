"""No entry point reaches for the internet: the benchmarks, the devtools and the CLI run with
every connection outside 127.0.0.1 refused and reported (tests/network_guard.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

from agentinstruct.devtools.scratch_project import scratch_project
from tests.conftest import PROJECT_ROOT

GUARD = str(Path(__file__).with_name("network_guard.py"))
BENCHMARKS = sorted(str(path) for path in (PROJECT_ROOT / "benchmarks").glob("*.py"))
DEVTOOLS = [
    "agentinstruct.devtools.fake_openai",
    "agentinstruct.devtools.made_files",
    "agentinstruct.devtools.viz_check",
]


def _guarded(*command: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, GUARD, *command], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert "NETWORK-ATTEMPT" not in done.stderr, done.stderr[-2000:]
    return done


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda path: Path(path).name)
@pytest.mark.slow
def test_a_benchmark_starts_without_the_network(script: str) -> None:
    assert _guarded(script, "--help").returncode == 0


@pytest.mark.parametrize("module", DEVTOOLS)
def test_a_devtool_starts_without_the_network(module: str) -> None:
    assert _guarded("-m", module, "--help").returncode == 0


@pytest.mark.slow
def test_the_cli_runs_a_pipeline_that_imports_litellm_without_the_network(tmp_path) -> None:
    """`kedro run` of the evaluation's estimate: the CLI, the project's settings and hooks, and
    the gateways (LiteLLM, Instructor) are all imported; nothing is asked of any host."""
    project = scratch_project(PROJECT_ROOT, tmp_path / "project")
    done = _guarded(
        "-m", "kedro", "run", "--pipeline=evaluate", "--params=estimate_only=true", cwd=project
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Projection of the evaluation" in done.stdout


def test_the_guard_catches_a_request(tmp_path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import urllib.request\nurllib.request.urlopen('https://example.org')\n")
    done = subprocess.run(
        [sys.executable, GUARD, str(probe)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "NETWORK-ATTEMPT lookup example.org" in done.stderr
