"""The estimate run (`--params=estimate_only=true`): no call, nothing written beside the real
outputs, and a projection whose requests are the real run's; a pilot's cached answers turn the
bounds into a measured estimate."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.flow.projection import project_calls, projection_table
from agentinstruct.gateway import GatewayConfig
from agentinstruct.gateway.spend.pricing import Pricing
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_report, versions

KEDRO = str(Path(sys.executable).parent / "kedro")


@pytest.fixture
def server():
    started = FakeOpenAIServer(latency_s=0.01).start()
    yield started
    started.stop()


def _kedro_run(project: Path, *params: str) -> str:
    # a --params each: the project's run merges them (Kedro's own keeps only the last)
    command = [KEDRO, "run", f"--pipeline={SKILL}", *(f"--params={p}" for p in params)]
    env = {**os.environ, "COLUMNS": "250"}
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def _projection(project: Path) -> dict:
    path = versions(project, f"data/estimate/08_reporting/{SKILL}/projection.json")[-1]
    return json.loads(path.read_text())


def _estimate(project: Path, judge_setting: str) -> tuple[dict, str]:
    """An estimate run: its projection and what it printed; it calls nothing."""
    printed = _kedro_run(project, "estimate_only=true", judge_setting)
    assert f"Projection of {SKILL} (no call was made)" in printed
    assert not (project / "data" / "07_model_output").exists()  # real outputs untouched
    projection = _projection(project)
    assert projection["total"]["to_pay"] == projection["total"]["requests"] > 0
    for stage in projection["stages"].values():
        assert stage["prompt_tokens"]["low"] <= stage["prompt_tokens"]["high"]
        assert stage["completion_tokens"]["low"] < stage["completion_tokens"]["high"]
        assert 0 < stage["usd_batch"]["high"] < stage["usd_online"]["high"]
    first = projection["stages"]["transformation"]["prompt_tokens"]
    assert first["low"] == first["high"]  # its prompts quote no earlier answer
    return projection, printed


def _requests(stages: dict) -> dict[str, int]:
    return {name: stage["requests"] for name, stage in stages.items()}


@pytest.mark.slow
def test_an_estimate_makes_no_call_and_projects_the_real_runs_requests(tmp_path, server) -> None:
    """Every stage's requests equal the real run's, but the judge's when it is asked only about
    pairs that pass the checks: then the projection bounds its requests and tokens. Both ways
    of judging are estimated, then run (the second run pays only for the judge's extra calls)."""
    project = scratch_project(PROJECT_ROOT, tmp_path / "project")
    shutil.copytree(SAMPLE_CORPUS, project / "data" / "01_raw" / SKILL)
    # conf/local overrides the whole teacher entry, without estimate_only: still no call
    point_at_server(project, server.base_url, concurrency=8, size_profile="compact")
    only_clean, every_pair = (
        f"{SKILL}.curation.judge.only_clean={setting}" for setting in ("true", "false")
    )
    bounded, printed = _estimate(project, only_clean)
    exact, _ = _estimate(project, every_pair)
    assert sum(server.served.values()) == 0

    _kedro_run(project, only_clean)  # the fake teacher's text fails some checks
    real = latest_report(project)["llm"]["by_stage"]
    stages, made = bounded["stages"], _requests(real)
    judge = stages["judge"]
    assert judge["to_pay_at_most"] == stages["answers"]["to_pay"] > made["judge"]
    for tokens in ("prompt_tokens", "completion_tokens"):
        low, high = judge[tokens]["low"], judge[tokens]["high"]
        assert low == 0 < real["judge"][f"new_{tokens}"] < high, tokens
    assert "0 to " in printed and f"≤{judge['requests']}" in printed
    projected = _requests(stages)
    projected.pop("judge"), made.pop("judge")
    assert projected == made

    _kedro_run(project, every_pair)
    assert "to_pay_at_most" not in exact["stages"]["judge"]
    assert _requests(exact["stages"]) == _requests(latest_report(project)["llm"]["by_stage"])
    assert sum(server.served.values()) == exact["total"]["requests"]


@pytest.mark.slow
def test_a_pilots_cached_answers_give_a_measured_estimate(tmp_path, server) -> None:
    project = scratch_project(PROJECT_ROOT, tmp_path / "project")
    raw = project / "data" / "01_raw" / SKILL
    raw.mkdir(parents=True)
    corpus = sorted(SAMPLE_CORPUS.iterdir())
    for path in corpus[:3]:  # the pilot: a real run on part of the corpus
        shutil.copy(path, raw / path.name)
    point_at_server(project, server.base_url, concurrency=8, size_profile="compact")
    _kedro_run(project)
    pilot_calls = sum(server.served.values())
    for path in corpus[3:]:
        shutil.copy(path, raw / path.name)

    _kedro_run(project, "estimate_only=true")
    assert sum(server.served.values()) == pilot_calls  # the estimate called nothing
    projection = _projection(project)
    assert projection["total"]["from_cache"] == pilot_calls
    measured = projection["stages"]["answers"]["measured"]
    assert measured["answers_measured"] >= 2
    completion = measured["completion_tokens"]
    assert completion["low"] <= completion["expected"] <= completion["high"]

    _kedro_run(project)
    real = latest_report(project)["llm"]["by_stage"]
    paid = real["answers"]["new_completion_tokens"]
    assert completion["low"] <= paid <= completion["high"], (paid, completion)
    for name, stage in projection["stages"].items():
        if "measured" in stage:  # measured requests (the judge's: the pilot's pass rate) bracket
            requests = stage["measured"]["requests_to_pay"]
            assert requests["low"] <= real[name]["new_calls"] <= requests["high"], name


def test_projection_prices_each_stage_with_its_model() -> None:
    calls = pd.DataFrame(
        {
            "stage": ["a", "a", "b"],
            "model": ["openai/gpt-4o-mini", "openai/gpt-4o-mini", "openai/gpt-4o"],
            "status": ["estimated", "estimated", "estimated"],
            "cached": [False, False, False],
            "prompt_tokens": [1000, 1000, 500],
            "max_prompt_tokens": [1000, 1000, 900],
            "completion_tokens": [10, 10, 5],
            "max_tokens": [100, 100, 50],
        }
    )
    prices = {
        model: Pricing(GatewayConfig(model=model))
        for model in ("openai/gpt-4o-mini", "openai/gpt-4o")
    }
    projection = project_calls(calls, prices)
    a, b = projection["stages"]["a"], projection["stages"]["b"]
    assert a["prompt_tokens"] == {"low": 2000, "high": 2000}
    assert a["usd_online"]["high"] == pytest.approx(
        prices["openai/gpt-4o-mini"].online_usd(2000, 200)
    )
    assert b["usd_online"]["high"] == pytest.approx(prices["openai/gpt-4o"].online_usd(900, 50))
    assert a["usd_batch"]["high"] == pytest.approx(a["usd_online"]["high"] / 2)
    assert projection["total"]["requests"] == 3
    assert "total" in projection_table(projection)


def test_the_table_keeps_its_columns_apart_at_any_size() -> None:
    """793,048 requests and billions of tokens still leave a space between columns."""
    huge = {"low": 3_000_000_000, "high": 9_000_000_000}
    stage = {
        "requests": 793_048,
        "from_cache": 0,
        "to_pay": 793_048,
        "prompt_tokens": huge,
        "completion_tokens": huge,
        "usd_online": {"low": 12345.6789, "high": 99999.1234},
        "usd_batch": {"low": 6172.83, "high": 49999.56},
    }
    table = projection_table({"stages": {"answers": stage}, "total": stage}).splitlines()
    header, row = table[0], table[1]
    assert len({len(line) for line in table}) == 1  # every row as wide: the columns line up
    for title in ("requests", "cached", "to pay", "prompt tokens", "USD batch"):
        end = header.index(title) + len(title)
        assert row[end - 1] != " " and (end == len(row) or row[end] == " ")


def _log(stage: str, cached: int, to_pay: int) -> pd.DataFrame:
    rows = cached + to_pay
    return pd.DataFrame(
        {
            "stage": [stage] * rows,
            "model": ["openai/gpt-4o-mini"] * rows,
            "status": ["ok"] * cached + ["estimated"] * to_pay,
            "cached": [True] * cached + [False] * to_pay,
            "prompt_tokens": range(100, 100 + rows),
            "max_prompt_tokens": range(200, 200 + rows),
            "completion_tokens": range(10, 10 + rows),
            "max_tokens": [50] * rows,
        }
    )


def test_a_pilot_s_pass_rate_gives_the_judge_s_requests() -> None:
    """The estimate asked the judge about all 30 pairs of placeholder text; the pilot's pairs
    passed the checks on 10 of 20: the judge's expected requests are half the 30, with an
    interval, at most all, and its token bounds run from none of them to all."""
    calls = pd.concat([_log("answers", cached=20, to_pay=30), _log("judge", cached=10, to_pay=30)])
    prices = {"openai/gpt-4o-mini": Pricing(GatewayConfig(model="openai/gpt-4o-mini"))}
    projection = project_calls(calls, prices)
    stages = projection["stages"]
    answers, judge = stages["answers"]["measured"], stages["judge"]["measured"]
    assert answers["requests_to_pay"] == {"expected": 30, "low": 30, "high": 30}
    requests = judge["requests_to_pay"]
    assert requests["expected"] == 15
    assert requests["low"] < 15 < requests["high"] < 30
    completion = judge["completion_tokens"]
    assert completion["low"] < 15 * 14.5 < completion["high"]  # mean of the pilot's 10..19
    assert stages["judge"]["to_pay_at_most"] == 30
    prompt = stages["judge"]["prompt_tokens"]  # none of the 30 may pass, or all
    assert prompt == {"low": 0, "high": sum(range(210, 240))}
    table = projection_table(projection)
    assert "0 to 30 requests to pay" in table and "≤30" in table and "15 ±" in table


def test_a_judge_asked_about_every_pair_is_counted_exactly() -> None:
    """With `judge.only_clean: false` no check stands before the judge: its requests to pay are
    the placeholders' count, with no bound or pass rate, even beside a pilot that judged half."""
    calls = pd.concat([_log("answers", cached=20, to_pay=30), _log("judge", cached=10, to_pay=30)])
    prices = {"openai/gpt-4o-mini": Pricing(GatewayConfig(model="openai/gpt-4o-mini"))}
    judge = project_calls(calls, prices, gated={})["stages"]["judge"]
    assert judge["to_pay"] == 30 and "to_pay_at_most" not in judge
    assert judge["measured"]["requests_to_pay"] == {"expected": 30, "low": 30, "high": 30}
    assert "at most" not in projection_table(project_calls(calls, prices, gated={}))
