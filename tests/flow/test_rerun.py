"""Nothing lost: a run whose calls failed for a passing reason (a burst of 429s, a budget too
small) is finished by the next run, which pays only for what failed; a run that makes no pair
still ends with its report."""

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer, Faults
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.scale.partitioned_run import in_process, run_partitioned
from agentinstruct.scale.sessions import Project
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_pairs, latest_report, versions

COMPACT = {"size_profile": "compact"}


@pytest.fixture
def fast_server(server):
    """The conftest's fake servers, answering at once."""
    return lambda **settings: server(latency_s=0.0, **settings)


def _run(project: Path, base_url: str, **teacher: object) -> dict:
    point_at_server(project, base_url, concurrency=4, **teacher)
    return run_partitioned(Project(str(project), runtime_params=COMPACT), [SKILL], in_process)[
        SKILL
    ]


def _paid(endpoint: FakeOpenAIServer) -> int:
    return endpoint.served["ok"]


def _kept_ids(project: Path) -> list[str]:
    path = versions(project, f"data/07_model_output/{SKILL}/curated_pairs.parquet")[-1]
    return sorted(pd.read_parquet(path)["pair_id"])


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    """The sample run with nothing failing: its pairs, kept pairs, paid calls and cost."""
    project = scratch_project(PROJECT_ROOT, tmp_path_factory.mktemp("rerun") / "project")
    shutil.copytree(SAMPLE_CORPUS, project / "data" / "01_raw" / SKILL)
    healthy, here = FakeOpenAIServer(latency_s=0.0).start(), Path.cwd()
    try:
        _run(project, healthy.base_url)  # its session moves into the project
    finally:
        healthy.stop()
        os.chdir(here)
    return {
        "pairs": sorted(latest_pairs(project)["pair_id"]),
        "kept": _kept_ids(project),
        "paid": _paid(healthy),
        "cost": latest_report(project)["llm"]["total"]["cost_usd"],
    }


@pytest.mark.parametrize("fault", ["rate_limited", "budget"])
@pytest.mark.slow
def test_a_rerun_finishes_what_failed_and_pays_only_for_it(
    project, fast_server, uninterrupted, fault
) -> None:
    """The same run as `uninterrupted`, this time interrupted, then run again."""
    uninterrupted_pairs, uninterrupted_kept = uninterrupted["pairs"], uninterrupted["kept"]
    paid_once, cost = uninterrupted["paid"], uninterrupted["cost"]

    if fault == "rate_limited":  # a burst of 429s that retries do not outlast
        failing = fast_server(faults=Faults(rate_limited=0.5, retry_after_s=0.0))
        first = _run(project, failing.base_url, transport_retries=0)
    else:  # a budget that runs out part way
        failing = fast_server()
        first = _run(project, failing.base_url, budget_usd=cost / 3)
    assert first["failures"][fault]["retried_on_rerun"]
    assert len(latest_pairs(project)) < len(uninterrupted_pairs)
    partitions = project / f"data/02_intermediate/{SKILL}/partitions"
    marker = json.loads((partitions / "00000-of-00001/summary.json").read_text())
    assert marker["complete"] is False and marker["failures"][fault]["requests"] > 0

    again = fast_server()
    second = _run(project, again.base_url, budget_usd=cost * 10)
    assert second["ran"] == ["00000-of-00001"] and second["failures"] == {}
    assert sorted(latest_pairs(project)["pair_id"]) == uninterrupted_pairs
    assert _kept_ids(project) == uninterrupted_kept
    assert _paid(failing) + _paid(again) == paid_once  # nothing answered was asked twice

    third = _run(project, again.base_url, budget_usd=cost * 10)
    assert third["ran"] == [] and _paid(again) + _paid(failing) == paid_once


@pytest.mark.parametrize(
    "teacher",
    [
        pytest.param({"budget_usd": 0.0}, id="budget-zero"),
        pytest.param({"api_base": "http://127.0.0.1:9/v1"}, id="connection-refused"),
        pytest.param({"faults": Faults(rate_limited=1.0, retry_after_s=0.0)}, id="always-429"),
        pytest.param({"faults": Faults(malformed=1.0)}, id="invalid-json"),
    ],
)
@pytest.mark.slow
def test_a_run_that_makes_no_pair_ends_with_its_report(project, fast_server, teacher) -> None:
    endpoint = fast_server(faults=teacher.pop("faults", Faults()))
    base_url = teacher.pop("api_base", endpoint.base_url)
    result = _run(project, base_url, transport_retries=0, max_retries=0, **teacher)
    report = latest_report(project)
    assert report["stages"]["pairs"] == 0 and len(latest_pairs(project)) == 0
    assert _kept_ids(project) == []
    assert result["failures"] and all(e["retried_on_rerun"] for e in result["failures"].values())
    assert (
        sum(e["requests"] for e in result["failures"].values())
        == (report["llm"]["total"]["failed"])
    )


@pytest.mark.parametrize("corpus", ["empty", "unusable"])
@pytest.mark.slow
def test_a_corpus_with_no_usable_document_ends_with_its_report(
    project, fast_server, corpus
) -> None:
    raw = project / "data" / "01_raw" / SKILL
    shutil.rmtree(raw)
    raw.mkdir()
    if corpus == "unusable":  # binary, too short, a link out of the folder
        (raw / "blob.bin").write_bytes(bytes(range(256)) * 8)
        (raw / "short.txt").write_text("Too short.")
        (raw / "passwd.txt").symlink_to("/etc/passwd")
    endpoint = fast_server()
    result = _run(project, endpoint.base_url)
    report = latest_report(project)
    assert result["failures"] == {} and sum(endpoint.served.values()) == 0
    assert report["inputs"]["documents_used"] == 0 and report["stages"]["pairs"] == 0
    assert report["inputs"]["quarantined"] == (3 if corpus == "unusable" else 0)
    assert len(latest_pairs(project)) == 0 and _kept_ids(project) == []


@pytest.mark.slow
def test_a_key_echoed_by_the_endpoint_reaches_no_file_of_the_run(project, fast_server) -> None:
    """An endpoint that quotes the request's Authorization header in a third of its errors: the
    key is in none of the files the run writes (call logs, cache, markers, reports, exports)."""
    key = "3f9a1c27e84b4d0c9a6e5b2f71d08c4e"
    endpoint = fast_server(faults=Faults(echo_key=0.3))
    point_at_server(project, endpoint.base_url, concurrency=4, max_retries=0, transport_retries=0)
    credentials = project / "conf/local/credentials.yml"
    credentials.write_text(credentials.read_text().replace("sk-fake", key))
    run_partitioned(Project(str(project), runtime_params=COMPACT), [SKILL], in_process)
    assert endpoint.served["echo_key"] > 0
    assert latest_report(project)["failures_by_reason"]  # the echoes were recorded
    written = [path for path in (project / "data").rglob("*") if path.is_file()]
    leaked = [path for path in written if key.encode() in path.read_bytes()]
    assert len(written) > 20 and leaked == []
