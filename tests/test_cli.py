"""`kedro run` of this project: a skill's flow runs in partitions, anything else is Kedro's run."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import pytest

from agentinstruct.cli import _partitioned, _skills, cli
from agentinstruct.devtools.fake_openai import FakeOpenAIServer, Faults
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.run_lock import RunLocked, run_lock
from agentinstruct.skill_folders import skill_names
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_report

KEDRO = str(Path(sys.executable).parent / "kedro")


def test_which_pipelines_run_in_partitions() -> None:
    assert _skills(SKILL, []) == [SKILL]
    assert _skills(None, []) == _skills("__default__", []) == [SKILL]  # the main job
    assert _skills("all_skills", []) == skill_names()
    assert _skills(None, [SKILL, "tool_use"]) == [SKILL, "tool_use"]
    assert _skills("curation", []) is None
    assert _skills(None, [SKILL, "curation"]) is None
    assert _skills("evaluate", []) is None


def _options(**chosen) -> dict:
    options = {"pipeline": SKILL, "pipelines": [], "params": {}, "env": None, "conf_source": None}
    return {**options, **chosen}


def test_params_given_twice_are_merged_so_an_estimate_stays_an_estimate() -> None:
    """Kedro keeps only the last `--params`: an earlier `estimate_only=true` would be dropped and
    the estimate would pay. This run merges them, a later key winning."""
    run = cli.commands["run"]
    given = ["--params=estimate_only=true,plan.seed=1", "--params=plan.seed=2,plan.k=3"]
    merged = run.make_context("run", [f"--pipeline={SKILL}", *given]).params["params"]
    assert merged == {"estimate_only": True, "plan": {"seed": 2, "k": 3}}
    assert run.make_context("run", []).params["params"] == {}
    with pytest.raises(click.UsageError, match="key and a value"):
        run.make_context("run", ["--params=x"])


def test_picking_nodes_or_a_partition_is_kedros_own_run() -> None:
    assert _partitioned(None, **_options(pipeline="curation")) is None
    assert _partitioned(None, **_options(to_nodes=f"{SKILL}.plan_partition")) is None
    assert _partitioned(None, **_options(params={"partition": "00000-of-00001"})) is None
    with pytest.raises(click.UsageError, match="--tags"):
        _partitioned("local:2", **_options(tags=("gather",)))


@pytest.mark.slow
def test_kedro_run_partitions_the_corpus_and_skips_it_when_complete(tmp_path) -> None:
    server = FakeOpenAIServer(latency_s=0.01).start()
    try:
        project = scratch_project(PROJECT_ROOT, tmp_path / "project")
        shutil.copytree(SAMPLE_CORPUS, project / "data" / "01_raw" / SKILL)
        point_at_server(project, server.base_url, concurrency=8, size_profile="compact")
        command = [KEDRO, "run", f"--pipeline={SKILL}"]
        env = {**os.environ, "COLUMNS": "250"}
        first = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "1 partitions, 1 to run" in first.stdout + first.stderr
        report = latest_report(project)
        assert report["partitions"]["run"] == "all"
        assert report["stages"]["pairs"] == 8 * 2 * 2
        served = sum(server.served.values())

        again = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "1 partitions, 0 to run (1 complete, skipped)" in again.stdout + again.stderr
        assert sum(server.served.values()) == served
        assert latest_report(project)["stages"] == report["stages"]
    finally:
        server.stop()


def _scratch(tmp_path, server, **teacher) -> Path:
    project = scratch_project(PROJECT_ROOT, tmp_path / "project")
    shutil.copytree(SAMPLE_CORPUS, project / "data" / "01_raw" / SKILL)
    point_at_server(project, server.base_url, size_profile="compact", **teacher)
    return project


def test_a_second_run_of_a_project_fails_at_once_while_one_is_going(tmp_path) -> None:
    server = FakeOpenAIServer(latency_s=0.0).start()
    try:
        project = _scratch(tmp_path, server)
        with run_lock(project / "data"):  # a run of this project is going
            second = subprocess.run(
                [KEDRO, "run", f"--pipeline={SKILL}"], cwd=project, capture_output=True, text=True
            )
        assert second.returncode != 0
        assert "is running on this project" in second.stderr
        assert f"PID {os.getpid()}" in second.stderr and "--wait-for-lock" in second.stderr
        assert sum(server.served.values()) == 0  # it paid for nothing
    finally:
        server.stop()


@pytest.mark.slow
def test_a_bad_key_stops_the_run_with_one_line_that_says_what_to_fix(tmp_path) -> None:
    server = FakeOpenAIServer(latency_s=0.02, faults=Faults(unauthorized=1.0)).start()
    try:
        project = _scratch(tmp_path, server, concurrency=4)
        env = {**os.environ, "COLUMNS": "250"}
        run = subprocess.run(
            [KEDRO, "run", f"--pipeline={SKILL}"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 1
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith("Error: openai/fake-teacher: the endpoint refused the API key")
        assert "Traceback" not in run.stdout + run.stderr
        assert sum(server.served.values()) <= 4  # at most `concurrency` requests
    finally:
        server.stop()


def test_a_run_that_waits_for_the_lock_starts_when_the_first_ends(tmp_path) -> None:
    """`--wait-for-lock`: the second run waits for the first to end, then holds the lock."""
    held = threading.Event()

    def first_run() -> None:
        with run_lock(tmp_path):
            held.set()
            time.sleep(0.5)

    thread = threading.Thread(target=first_run)
    thread.start()
    held.wait(5)
    with pytest.raises(RunLocked, match="is running on this project"), run_lock(tmp_path):
        pass
    started = time.monotonic()
    with run_lock(tmp_path, wait=True) as path:
        assert time.monotonic() - started > 0.2  # it waited for the first run
        assert f'"pid": {os.getpid()}' in path.read_text()
    thread.join()
