"""A partitioned run on a Dask LocalCluster of 2 worker processes, against the fake OpenAI server,
with the response cache in a real PostgreSQL server: the same kept pairs as one process, a
re-run from the shared cache makes no call, and a worker killed mid-run loses nothing."""

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import psycopg
import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
from agentinstruct.devtools.postgres_server import missing_reason, postgres_server
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.scale import cluster, partitioned_run
from agentinstruct.scale.cluster import dask_executor
from agentinstruct.scale.partitioned_run import in_process, run_partitioned
from agentinstruct.scale.sessions import Project
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_report, versions

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason())),
]
SAMPLE_DOCUMENTS = list(SAMPLE_CORPUS.iterdir())
CONCURRENCY = 8  # in flight at the endpoint, shared by the workers (4 each)
PER_PARTITION = {SKILL: {"partitions": {"documents_per_partition": 3}}}
EXTRA_DOCUMENTS = 4  # with the 8 samples, 4 partitions


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as url:
        yield url


def _database(server_url: str, name: str) -> str:
    """A fresh database on the server, so each test starts with an empty shared cache."""
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def server():
    started = FakeOpenAIServer(latency_s=0.05).start()
    yield started
    started.stop()


def _project(folder: Path, base_url: str, cache: str) -> Project:
    root = scratch_project(PROJECT_ROOT, folder)
    raw = root / "data" / "01_raw" / SKILL
    shutil.copytree(SAMPLE_CORPUS, raw)
    for i in range(EXTRA_DOCUMENTS):
        raw.joinpath(f"extra_{i:02d}.txt").write_text(
            f"Field note {i}. The station logged {i * 5 % 11} storms in week {i}; each storm "
            "was measured for wind, rain and pressure before the log was closed."
        )
    point_at_server(root, base_url, concurrency=CONCURRENCY, filepath=cache, size_profile="compact")
    return Project(str(root), runtime_params=PER_PARTITION)


def _kept(project: Project) -> pd.DataFrame:
    path = versions(Path(project.path), f"data/07_model_output/{SKILL}/curated_pairs.parquet")[-1]
    frame = pd.read_parquet(path).sort_values("pair_id").reset_index(drop=True)
    return frame[["pair_id", "doc_id", "question_type", "messages", "judge_quality"]]


def _served(server: FakeOpenAIServer) -> int:
    return sum(server.served.values())


def test_cluster_run_keeps_the_pairs_of_one_process_and_reruns_from_the_shared_cache(
    tmp_path, server, postgres, monkeypatch
) -> None:
    # fresh processes part way, here (a child for every two sessions) and on the workers
    # (after every session): recycling loses nothing
    monkeypatch.setattr(partitioned_run, "SESSIONS_PER_PROCESS", 2)
    monkeypatch.setattr(cluster, "SESSIONS_PER_PROCESS", 1)
    alone = _project(tmp_path / "alone", server.base_url, "data/llm_cache/responses.sqlite")
    run_partitioned(alone, [SKILL], in_process)
    calls = latest_report(Path(alone.path))["llm"]["total"]["requests"]
    assert _served(server) == calls

    shared = _database(postgres, "cluster_cache")
    on_cluster = _project(tmp_path / "cluster", server.base_url, shared)
    with dask_executor("local:2") as (executor, workers):
        assert workers == 2
        summary = run_partitioned(on_cluster, [SKILL], executor, processes=workers)
        assert len(summary[SKILL]["ran"]) == summary[SKILL]["partitions"] == 4
        assert _served(server) == 2 * calls, "an empty shared cache: every call once"
        pd.testing.assert_frame_equal(_kept(on_cluster), _kept(alone))

        # Another machine's checkout (a fresh project) on the same cache: no call at all.
        monkeypatch.setattr(cluster, "SESSIONS_PER_PROCESS", 4)
        elsewhere = _project(tmp_path / "elsewhere", server.base_url, shared)
        run_partitioned(elsewhere, [SKILL], executor, processes=workers)
    assert _served(server) == 2 * calls
    report = latest_report(Path(elsewhere.path))
    assert report["llm"]["total"]["cache_hits"] == calls
    pd.testing.assert_frame_equal(_kept(elsewhere), _kept(alone))
    with psycopg.connect(shared) as connection:
        assert connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == calls


def _worker_processes() -> list[psutil.Process]:
    children = psutil.Process(os.getpid()).children(recursive=True)
    return [child for child in children if "spawn_main" in " ".join(child.cmdline())]


def test_killing_a_worker_mid_run_loses_nothing(tmp_path, postgres) -> None:
    server = FakeOpenAIServer(latency_s=0.3).start()  # slow enough to kill mid-run
    try:
        shared = _database(postgres, "kill_cache")
        project = _project(tmp_path / "killed", server.base_url, shared)
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                with dask_executor("local:2") as (executor, workers):
                    outcome["summary"] = run_partitioned(
                        project, [SKILL], executor, processes=workers
                    )
            except Exception as error:  # reported by the assertion below
                outcome["error"] = error

        thread = threading.Thread(target=run)
        thread.start()
        with psycopg.connect(shared, autocommit=True) as connection:
            deadline = time.monotonic() + 300
            cached = 0
            while cached < 40 and time.monotonic() < deadline:
                time.sleep(0.2)
                try:
                    cached = connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
                except psycopg.errors.UndefinedTable:
                    continue
        workers = _worker_processes()
        assert len(workers) == 2
        workers[0].send_signal(signal.SIGKILL)
        thread.join(600)
        assert "error" not in outcome, outcome.get("error")
        assert len(outcome["summary"][SKILL]["ran"]) == 4

        report = latest_report(Path(project.path))
        calls = report["llm"]["total"]["requests"]
        # every item is in the outputs: each document, each planned pair, kept or rejected
        stages = report["stages"]
        assert report["inputs"]["documents_used"] == len(SAMPLE_DOCUMENTS) + EXTRA_DOCUMENTS
        assert stages["pairs"] == report["plan"]["pairs"] > 0
        assert stages["curated_pairs"] + stages["rejected_pairs"] == stages["pairs"]
        in_flight_at_kill = CONCURRENCY // 2
        assert calls <= _served(server) <= calls + in_flight_at_kill
    finally:
        server.stop()
