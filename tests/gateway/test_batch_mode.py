"""Batch mode against the fake server's Batch API: the same answers as online calls, batches
found again after a SIGKILL, failed and expired lines asked again, the provider's limits kept."""

import json
import shutil
import signal
import subprocess
import time

import pandas as pd
import pytest
import yaml

from agentinstruct.devtools.fake_batches import BatchFaults
from agentinstruct.devtools.fake_openai import FakeOpenAIServer, Faults
from agentinstruct.devtools.gateway_worker import gateway, requests, worker_command
from agentinstruct.devtools.postgres_server import missing_reason, postgres_server
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.gateway import Credentials, GatewayConfig, LLMRequest, open_gateway
from agentinstruct.schemas.limits import ContractLimits
from agentinstruct.schemas.llm_outputs import contracts
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.kedro_runs import SKILL, latest_pairs, latest_report, run_pipeline, versions

BATCH = {"calls": "batch", "batch": {"poll_s": 0.05}}
FULL = yaml.safe_load((PROJECT_ROOT / "conf/base/size_profiles.yml").read_text())["full"]
ANSWER = contracts(ContractLimits(**FULL["limits"])).answer(reasoning_first=True)
ANTHROPIC_MODEL = "anthropic/claude-haiku-4-5"  # priced in LiteLLM's map, batch rate included


@pytest.fixture
def server():
    started: list[FakeOpenAIServer] = []

    def start(**settings) -> FakeOpenAIServer:
        started.append(FakeOpenAIServer(latency_s=0.01, **settings).start())
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def cache_location(request, tmp_path):
    """Where batch answers are cached: a SQLite file, or a real PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "batch.sqlite")
        return
    if missing_reason() is not None:
        pytest.skip(str(missing_reason()))
    with postgres_server() as url:
        yield url


def _outputs(results) -> list:
    return [None if r.output is None else r.output.model_dump() for r in results]


@pytest.mark.slow
def test_batch_answers_equal_online_answers_and_a_rerun_is_free(
    tmp_path, server, cache_location
) -> None:
    endpoint = server()
    cache = cache_location
    batched = gateway(endpoint.base_url, cache, **BATCH).generate("answers", requests(120))
    assert endpoint.served["batches"] == 1 and endpoint.served["batch_lines"] == 120
    assert endpoint.served["ok"] == 0  # no online call
    online = gateway(endpoint.base_url, str(tmp_path / "online.sqlite")).generate(
        "answers", requests(120)
    )
    assert _outputs(batched) == _outputs(online)
    assert all(r.record.cost_usd == 0 and r.record.attempts == 1 for r in batched)

    again = gateway(endpoint.base_url, cache, **BATCH).generate("answers", requests(120))
    assert endpoint.served["batches"] == 1  # all from the cache
    assert all(r.record.cached for r in again)


def test_an_answer_cut_at_max_tokens_is_a_failure_record_not_an_online_retry(
    tmp_path, server
) -> None:
    """Asked again online, a line cut at its max_tokens would be cut again: paid twice."""
    endpoint = server(natural=True)  # writes as long as a strong model: past 30 tokens
    asked = [
        LLMRequest(f"item-{i}", [{"role": "user", "content": f"Why {i}?"}], ANSWER, tokens)
        for i, tokens in enumerate([30, 30, 30, 30, 4000])
    ]
    results = gateway(endpoint.base_url, str(tmp_path / "b.sqlite"), **BATCH).generate(
        "answers", asked
    )
    assert endpoint.served["batch_lines"] == 5 and endpoint.served["ok"] == 0  # none online
    assert [r.record.reason for r in results] == ["max_tokens"] * 4 + [None]
    assert all(r.record.completion_tokens > 0 for r in results)


@pytest.mark.slow
def test_sigkill_while_waiting_then_rerun_submits_nothing_new(tmp_path, server) -> None:
    count = 150
    endpoint = server(batch_faults=BatchFaults(completion_s=4.0))
    cache, out = tmp_path / "c.sqlite", tmp_path / "out.json"
    settings = {**BATCH, "batch": {"poll_s": 0.05, "max_requests": 100}}
    command = worker_command(endpoint.base_url, str(cache), count, str(out), settings)
    worker = subprocess.Popen(command, cwd=PROJECT_ROOT)
    deadline = time.monotonic() + 60
    while endpoint.served["batches"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # the second batch is in the ledger
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert not out.exists(), "killed before the batches completed"
    assert endpoint.served["batches"] == 2  # 100 + 50 lines

    subprocess.run(command, cwd=PROJECT_ROOT, check=True, timeout=120)
    resumed = json.loads(out.read_text())
    assert endpoint.served["batches"] == 2, "the re-run waited for the same batches"
    assert endpoint.served["batch_lines"] == count
    assert endpoint.served["ok"] == 0
    online = gateway(endpoint.base_url, str(tmp_path / "online.sqlite")).generate(
        "answers", requests(count)
    )
    assert resumed == _outputs(online)


def test_failed_expired_and_invalid_lines_are_asked_again_and_nothing_is_lost(
    tmp_path, server
) -> None:
    endpoint = server(
        faults=Faults(malformed=0.1),
        batch_faults=BatchFaults(failed_line=0.15, expired_line=0.15),
        seed=3,
    )
    llm = gateway(
        endpoint.base_url,
        str(tmp_path / "c.sqlite"),
        calls="batch",
        batch={"poll_s": 0.05, "resubmits": 1, "max_requests": 50},
    )
    results = llm.generate("answers", requests(200))

    assert [r.request.item_id for r in results] == [f"item-{i}" for i in range(200)]
    assert all(r.output is not None for r in results), [r.record.error for r in results]
    served = endpoint.served
    first_round = 200
    assert served["batch_lines"] > first_round  # failed and expired lines went into new batches
    assert served["batches"] >= 5  # 4 of 50, then the resubmitted lines
    assert served["ok"] + served["malformed"] > 0  # some were asked online at the end
    assert set(llm.ledger.states().values()) == {"collected"}


def test_batches_keep_the_providers_limits(tmp_path, server) -> None:
    endpoint = server()
    llm = gateway(
        endpoint.base_url,
        str(tmp_path / "c.sqlite"),
        calls="batch",
        batch={"poll_s": 0.05, "max_requests": 40, "max_bytes": 30_000},
    )
    llm.generate("answers", requests(100))
    sizes = [len(data) for data in endpoint.batch_api.files.values()]
    batches = list(endpoint.batch_api.batches.values())
    assert len(batches) >= 3
    assert all(batch["request_counts"]["total"] <= 40 for batch in batches)
    inputs = [endpoint.batch_api.files[batch["input_file_id"]] for batch in batches]
    assert all(len(data) <= 30_000 for data in inputs), sizes
    assert sum(batch["request_counts"]["total"] for batch in batches) == 100


def test_batch_mode_refuses_providers_without_a_batch_api(tmp_path) -> None:
    with pytest.raises(ValueError, match="calls: batch works with"):
        open_gateway(
            GatewayConfig(
                model="gemini/gemini-2.0-flash",
                calls="batch",
                cache_path=str(tmp_path / "c.sqlite"),
            ),
            Credentials(api_key="sk-fake"),
        )


@pytest.mark.slow
def test_reading_comprehension_in_batch_mode_makes_the_online_run_s_pairs(
    project, tmp_path, server, monkeypatch
) -> None:
    """The whole flow, teacher and judge in batch mode, against the same flow online."""
    endpoint = server()
    point_at_server(project, endpoint.base_url, concurrency=8, size_profile="compact", **BATCH)
    run_pipeline(project)
    assert endpoint.served["ok"] == 0 and endpoint.served["batches"] >= 6  # a batch a stage
    batched, report = _pairs(project), latest_report(project)

    online = scratch_project(PROJECT_ROOT, tmp_path / "online")
    shutil.copytree(SAMPLE_CORPUS, online / "data" / "01_raw" / SKILL)
    point_at_server(online, endpoint.base_url, concurrency=8, size_profile="compact")
    monkeypatch.chdir(online)
    run_pipeline(online)
    assert endpoint.served["ok"] == report["llm"]["total"]["requests"]
    pd.testing.assert_frame_equal(batched, _pairs(online))
    assert len(batched) > 0 and batched["kept"].any()


def _pairs(project) -> pd.DataFrame:
    """The pairs made, and whether curation kept each (the judge ran in batch mode too)."""
    pairs = latest_pairs(project)[["pair_id", "messages", "question_type"]]
    kept = pd.read_parquet(
        versions(project, f"data/07_model_output/{SKILL}/curated_pairs.parquet")[-1]
    )
    pairs = pairs.assign(kept=pairs["pair_id"].isin(kept["pair_id"]))
    return pairs.sort_values("pair_id").reset_index(drop=True)


def test_a_batch_the_provider_no_longer_knows_is_asked_again(tmp_path, server) -> None:
    endpoint = server()
    cache = str(tmp_path / "c.sqlite")
    llm = gateway(endpoint.base_url, cache, **BATCH)
    keys = [llm._cache_key(request) for request in requests(10)]
    llm.ledger.record("file-lost", "answers", keys)
    llm.ledger.started("file-lost", "batch-lost-at-the-provider")

    results = gateway(endpoint.base_url, cache, **BATCH).generate("answers", requests(10))
    assert all(r.output is not None for r in results)
    assert endpoint.served["batches"] == 1 and endpoint.served["batch_lines"] == 10
    assert llm.ledger.states()["batch-lost-at-the-provider"] == "collected"


@pytest.mark.parametrize("killed", ["after uploading", "after starting the batch"])
def test_a_kill_before_the_batch_id_is_written_pays_nothing_twice(tmp_path, server, killed) -> None:
    """The ledger has the uploaded file but not its batch: the re-run finds the batch the
    provider already runs by its file, or starts it on the same file."""
    endpoint = server()
    cache = str(tmp_path / "c.sqlite")
    llm = gateway(endpoint.base_url, cache, **BATCH)
    asked = requests(20)
    keys = [llm._cache_key(request) for request in asked]
    [(chunk_keys, data)] = llm._chunks(keys, dict(zip(keys, asked, strict=True)))
    file_id = llm._batches.upload(data)
    llm.ledger.record(file_id, "answers", chunk_keys)
    if killed == "after starting the batch":
        llm._batches.start(file_id, {"stage": "answers"})

    results = gateway(endpoint.base_url, cache, **BATCH).generate("answers", asked)
    assert all(r.output is not None for r in results)
    assert endpoint.served["files"] == 1  # the same file
    assert endpoint.served["batches"] == 1 and endpoint.served["batch_lines"] == 20
    assert set(llm.ledger.states().values()) == {"collected"}


def _anthropic(endpoint, cache: str, mode: str = "tools", calls: str = "batch", **batch):
    """A gateway whose teacher is Anthropic's, against the fake server (LiteLLM takes
    Anthropic's base URL without `/v1`)."""
    return open_gateway(
        GatewayConfig(
            model=ANTHROPIC_MODEL,
            mode=mode,
            calls=calls,
            batch={"poll_s": 0.05, **batch},
            cache_path=cache,
            progress=False,
        ),
        Credentials(api_key="sk-fake", api_base=endpoint.base_url.removesuffix("/v1")),
    )


def test_anthropic_message_batches_answer_as_online_calls_do_at_the_batch_price(
    tmp_path, server
) -> None:
    endpoint = server()
    cache = str(tmp_path / "c.sqlite")
    llm = _anthropic(endpoint, cache, max_requests=25)
    results = llm.generate("answers", requests(60))

    assert [r.request.item_id for r in results] == [f"item-{i}" for i in range(60)]
    assert all(r.output is not None for r in results)
    assert endpoint.served["batches"] == 3 and endpoint.served["batch_lines"] == 60
    assert endpoint.served["ok"] == 0  # no online call
    online = _anthropic(endpoint, str(tmp_path / "online.sqlite"), calls="online")
    assert _outputs(results) == _outputs(online.generate("answers", requests(60)))
    assert endpoint.served["ok"] == 60
    batches = endpoint.message_batches.batches.values()
    sent = [line for batch in batches for line in batch["_requests"]]
    assert {line["params"]["tool_choice"]["name"] for line in sent} == {"TeacherAnswer"}
    record = results[0].record
    assert record.cost_usd == pytest.approx(
        llm.pricing.online_usd(record.prompt_tokens, record.completion_tokens) / 2
    )
    assert record.cost_usd > 0

    again = _anthropic(endpoint, cache).generate("answers", requests(60))
    assert all(r.record.cached for r in again)
    assert endpoint.served["batches"] == 3


def test_anthropic_errored_and_expired_results_go_into_new_batches(tmp_path, server) -> None:
    endpoint = server(batch_faults=BatchFaults(failed_line=0.2, expired_line=0.2), seed=5)
    llm = _anthropic(endpoint, str(tmp_path / "c.sqlite"), resubmits=8)
    results = llm.generate("answers", requests(80))

    assert all(r.output is not None for r in results), [r.record.error for r in results]
    assert endpoint.served["batch_lines"] > 80  # errored and expired lines were sent again
    assert endpoint.served["ok"] == 0
    assert set(llm.ledger.states().values()) == {"collected"}


def test_anthropic_batches_resume_without_paying_twice(tmp_path, server) -> None:
    """A batch Anthropic accepted and the ledger wrote down is waited for, not sent again; a
    file a killed run kept only in its memory was never sent, so its lines go into a new batch."""
    endpoint = server(batch_faults=BatchFaults(completion_s=0.5))
    cache = str(tmp_path / "c.sqlite")
    killed = _anthropic(endpoint, cache)
    asked = requests(30)
    keys = [killed._cache_key(request) for request in asked]
    wanted = dict(zip(keys, asked, strict=True))
    [(sent_keys, sent)] = killed._chunks(keys[:20], wanted)
    [(unsent_keys, unsent)] = killed._chunks(keys[20:], wanted)
    sent_file = killed._batches.upload(sent)
    killed.ledger.record(sent_file, "answers", sent_keys)
    killed._started(sent_file, "answers")  # sent, and its id written down
    killed.ledger.record(killed._batches.upload(unsent), "answers", unsent_keys)  # then killed

    results = _anthropic(endpoint, cache).generate("answers", asked)
    assert all(r.output is not None for r in results)
    assert endpoint.served["batches"] == 2  # the one sent before, and the unsent lines
    assert endpoint.served["batch_lines"] == 30
    assert set(killed.ledger.states().values()) == {"collected"}


def test_anthropic_batch_mode_needs_tools_mode(tmp_path, server) -> None:
    with pytest.raises(ValueError, match="needs mode: tools"):
        _anthropic(server(), str(tmp_path / "c.sqlite"), mode="json_schema")
