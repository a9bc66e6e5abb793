"""The gateway against a real HTTP endpoint (the fake OpenAI server): faults, retries, resume."""

import json
import signal
import sqlite3
import subprocess
import time

import psutil
import pytest

from agentinstruct.devtools.fake_openai import Faults
from agentinstruct.devtools.gateway_worker import gateway, requests, worker_command
from agentinstruct.gateway.online.errors import FatalEndpointError
from agentinstruct.run_lock import RUN_STARTED_ENV
from tests.conftest import PROJECT_ROOT


def test_faulty_endpoint_every_item_is_answered_or_a_failure(tmp_path, server) -> None:
    faults = Faults(rate_limited=0.1, server_error=0.1, malformed=0.1, retry_after_s=0.01)
    endpoint = server(latency_s=0.01, faults=faults, seed=3)
    llm = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), max_retries=2, transport_retries=4)
    results = llm.generate("faulty", requests(120))

    assert [r.request.item_id for r in results] == [f"item-{i}" for i in range(120)]
    answered = [r for r in results if r.output is not None]
    failed = [r for r in results if r.output is None]
    assert len(answered) + len(failed) == 120
    assert len(answered) >= 110, "retries should rescue nearly every item"
    assert all(r.record.error_type and r.record.status == "failed" for r in failed)
    assert sum(r.record.attempts for r in results) <= 120 * 3  # re-asks are bounded
    served = sum(endpoint.served.values())
    assert served <= 120 * 3 * 5  # and so are transport retries
    assert endpoint.served["malformed"] > 0 and endpoint.served["rate_limited"] > 0


@pytest.mark.slow
def test_timeout_becomes_a_failure_record_not_a_hang(tmp_path, server) -> None:
    endpoint = server(latency_s=0.0, faults=Faults(timeout=1.0, timeout_s=5.0))
    llm = gateway(
        endpoint.base_url,
        str(tmp_path / "c.sqlite"),
        timeout_s=0.3,
        transport_retries=0,
        max_retries=0,
    )
    started = time.perf_counter()
    results = llm.generate("slow", requests(3))
    assert time.perf_counter() - started < 4
    assert {r.record.status for r in results} == {"failed"}
    assert all(
        "Timeout" in r.record.error_type or "timeout" in r.record.error.lower() for r in results
    )


def test_prompt_change_invalidates_exactly_the_changed_calls(tmp_path, server) -> None:
    endpoint = server(latency_s=0.0)
    cache = str(tmp_path / "c.sqlite")
    gateway(endpoint.base_url, cache).generate("first", requests(10))
    before = sum(endpoint.served.values())
    changed = requests(10)
    changed[3] = type(changed[3])(
        "item-3", [{"role": "user", "content": "Reworded?"}], changed[3].response_model
    )
    results = gateway(endpoint.base_url, cache).generate("second", changed)
    assert sum(endpoint.served.values()) == before + 1
    assert [r.record.cached for r in results].count(False) == 1


def _cached_entries(path) -> int:
    try:
        with sqlite3.connect(path) as connection:
            return connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_sigkill_halfway_then_rerun_pays_only_for_missing_calls(tmp_path, server) -> None:
    count = 200
    endpoint = server(latency_s=0.05)
    cache, out = tmp_path / "c.sqlite", tmp_path / "out.json"
    command = worker_command(endpoint.base_url, str(cache), count, str(out))
    worker = subprocess.Popen(command, cwd=PROJECT_ROOT)
    deadline = time.monotonic() + 120
    while _cached_entries(cache) < count // 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert not out.exists(), "killed before it finished"
    done_before_kill = _cached_entries(cache)
    assert count // 2 <= done_before_kill < count

    subprocess.run(command, cwd=PROJECT_ROOT, check=True)
    resumed = json.loads(out.read_text())

    total_calls = sum(endpoint.served.values())
    assert total_calls <= 1.05 * count, f"{total_calls} calls for {count} items"
    fresh = gateway(endpoint.base_url, str(tmp_path / "fresh.sqlite")).generate(
        "uninterrupted", requests(count)
    )
    assert resumed == [r.output.model_dump() for r in fresh]


def test_429_halves_concurrency_and_honours_retry_after(tmp_path, server) -> None:
    endpoint = server(latency_s=0.01, faults=Faults(rate_limited=0.2, retry_after_s=0.3), seed=5)
    llm = gateway(
        endpoint.base_url, str(tmp_path / "c.sqlite"), concurrency=16, transport_retries=6
    )
    started = time.perf_counter()
    results = llm.generate("limited", requests(60))

    assert all(r.output is not None for r in results)
    assert llm.throttle.rate_limited == endpoint.served["rate_limited"] > 0
    assert llm.throttle.lowest_limit < 16  # it slowed down instead of storming
    assert time.perf_counter() - started >= 0.3  # and waited as long as it was told
    assert sum(endpoint.served.values()) == 60 + endpoint.served["rate_limited"]


@pytest.mark.slow
def test_requests_per_minute_limit_paces_the_run(tmp_path, server) -> None:
    endpoint = server(latency_s=0.0)
    llm = gateway(
        endpoint.base_url, str(tmp_path / "c.sqlite"), concurrency=32, requests_per_minute=600
    )  # 10 a second
    started = time.perf_counter()
    llm.generate("paced", requests(25))
    assert time.perf_counter() - started >= 1.4  # 25 requests at 10/s, one second of burst


def test_latency_is_time_at_the_endpoint_not_in_the_queue(tmp_path, server) -> None:
    endpoint = server(latency_s=0.05)
    llm = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), concurrency=1)
    results = llm.generate("queued", requests(6))
    latencies = [r.record.latency_s for r in results]
    assert min(latencies) >= 0.04
    # the last one waited behind five others (~0.3 s) in the queue; that is not its latency
    assert latencies[-1] < 0.2


@pytest.mark.slow
def test_worker_processes_answer_like_one_process(tmp_path, server) -> None:
    endpoint = server(latency_s=0.01)
    in_process = gateway(endpoint.base_url, str(tmp_path / "one.sqlite")).generate(
        "one", requests(40)
    )
    pooled_gateway = gateway(endpoint.base_url, str(tmp_path / "pool.sqlite"), workers=2)
    pooled = pooled_gateway.generate("two", requests(40))

    assert [r.request.item_id for r in pooled] == [f"item-{i}" for i in range(40)]
    assert [r.output.model_dump() for r in pooled] == [r.output.model_dump() for r in in_process]
    assert all(not r.record.cached and r.record.attempts == 1 for r in pooled)
    # the workers wrote the shared cache: a re-run is answered here, without calls
    served = sum(endpoint.served.values())
    again = pooled_gateway.generate("again", requests(40))
    assert sum(endpoint.served.values()) == served
    assert all(r.record.cached for r in again)


@pytest.mark.slow
def test_stages_and_sessions_reuse_one_pool_of_connections(tmp_path, server) -> None:
    """Each stage used to run on an event loop of its own, where LiteLLM built a new client and
    the last one's sockets stayed open: a worker that ran many sessions held thousands."""
    endpoint = server(latency_s=0.01)
    port = int(endpoint.base_url.rsplit(":", 1)[1].split("/")[0])

    def open_to_server() -> int:
        return sum(
            connection.raddr.port == port and connection.status == psutil.CONN_ESTABLISHED
            for connection in psutil.Process().net_connections("tcp")
            if connection.raddr
        )

    counts = []
    for session in range(2):  # a session opens its own gateway; a stage is one generate()
        llm = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), concurrency=8)
        for stage in range(3):
            llm.generate(f"stage-{stage}", requests(40 * (3 * session + stage + 1)))
            counts.append(open_to_server())
    assert endpoint.served["ok"] == 240
    assert 0 < max(counts) <= 8, counts


def test_a_401_stops_the_run_after_at_most_concurrency_requests(tmp_path, server) -> None:
    endpoint = server(latency_s=0.05, faults=Faults(unauthorized=1.0))
    llm = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), concurrency=16)
    with pytest.raises(FatalEndpointError, match="refused the API key") as raised:
        llm.generate("fatal", requests(300))
    assert sum(endpoint.served.values()) <= 16
    assert "\n" not in str(raised.value)  # one line, with the fix


def test_a_key_echoed_by_the_endpoint_is_written_nowhere(tmp_path, server) -> None:
    endpoint = server(latency_s=0.0, faults=Faults(echo_key=1.0))
    key = "3f9a1c27e84b4d0c9a6e5b2f71d08c4e"  # an Azure key: no shape, only the configured value
    llm = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), api_key=key, max_retries=0)
    results = llm.generate("echo", requests(3))
    assert {r.record.reason for r in results} == {"bad_request"}
    assert all("[REDACTED]" in r.record.error for r in results)
    written = b"".join(path.read_bytes() for path in tmp_path.glob("c.sqlite*"))
    assert key.encode() not in written and b"3f9a1c27" not in written
    assert not any("3f9a1c27" in repr(r.record) for r in results)


def test_a_run_deadline_fails_what_is_left_for_a_re_run(tmp_path, server, monkeypatch) -> None:
    endpoint = server(latency_s=0.0)
    monkeypatch.setenv(RUN_STARTED_ENV, str(time.time() - 100))  # the run began 100 s ago
    late = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), run_timeout_s=50)
    results = late.generate("late", requests(5))
    assert {r.record.reason for r in results} == {"deadline"}
    assert sum(endpoint.served.values()) == 0

    monkeypatch.setenv(RUN_STARTED_ENV, str(time.time()))  # the next run asks them again
    again = gateway(endpoint.base_url, str(tmp_path / "c.sqlite"), run_timeout_s=50)
    assert all(r.output is not None for r in again.generate("late", requests(5)))
