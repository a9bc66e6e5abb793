"""The budget cap against the fake server: no call past `budget_usd` (spending ends within one
request's most cost of it), the rest become `budget exhausted` records, and a re-run with more
budget makes exactly the calls not yet made; in SQLite and in a real PostgreSQL server."""

import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
from agentinstruct.devtools.gateway_worker import gateway, requests
from agentinstruct.devtools.postgres_server import missing_reason, postgres_server
from agentinstruct.gateway import Credentials, GatewayConfig, open_gateway
from agentinstruct.gateway.spend.budget import Budget, budget_line
from agentinstruct.gateway.store import open_store

PRICES = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
COUNT = 120


@pytest.fixture
def endpoint():
    server = FakeOpenAIServer(latency_s=0.01).start()
    yield server
    server.stop()


def _cost_of_each(endpoint, tmp_path, **settings) -> list[float]:
    """What each request costs when nothing stops it (another cache, the same answers)."""
    llm = gateway(endpoint.base_url, str(tmp_path / "unbudgeted.sqlite"), **PRICES, **settings)
    results = llm.generate("answers", requests(COUNT))
    return [
        llm.pricing.online_usd(r.record.prompt_tokens, r.record.completion_tokens) for r in results
    ]


def _calls(endpoint) -> int:
    return endpoint.served["ok"]


def _check_the_cap(endpoint, tmp_path, cache: str) -> None:
    costs = _cost_of_each(endpoint, tmp_path)
    before = _calls(endpoint)
    llm = gateway(endpoint.base_url, cache, **PRICES, budget_usd=1.0)  # for most_usd only
    most = max(llm.pricing.most_usd(r, 512) for r in requests(COUNT))
    budget = sum(costs[: COUNT // 2]) + most

    capped = gateway(endpoint.base_url, cache, **PRICES, budget_usd=budget)
    results = capped.generate("answers", requests(COUNT))
    done = [r for r in results if r.output is not None]
    stopped = [r for r in results if r.output is None]
    spent = capped.budget.standing()
    assert done and stopped
    assert all(r.record.error_type == "BudgetExhausted" and r.record.attempts == 0 for r in stopped)
    assert "budget exhausted" in stopped[0].record.error
    assert _calls(endpoint) - before == len(done)  # no call for a stopped item
    assert budget - most <= spent.spent_usd <= budget  # within one request's most cost
    assert spent.holds == 0

    again = gateway(endpoint.base_url, cache, **PRICES, budget_usd=budget)
    assert all(r.output is None for r in again.generate("answers", [stopped[0].request]))
    assert _calls(endpoint) - before == len(done)  # the budget is counted across runs

    calls_before = _calls(endpoint)
    more = gateway(endpoint.base_url, cache, **PRICES, budget_usd=10 * budget)
    finished = more.generate("answers", requests(COUNT))
    assert all(r.output is not None for r in finished)
    assert _calls(endpoint) - calls_before == len(stopped)  # only what was not done
    assert sum(r.record.cached for r in finished) == len(done)


@pytest.mark.slow
def test_budget_caps_online_calls_and_a_rerun_with_more_completes(tmp_path, endpoint) -> None:
    _check_the_cap(endpoint, tmp_path, str(tmp_path / "c.sqlite"))


@pytest.mark.services
@pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))
@pytest.mark.slow
def test_budget_is_kept_in_a_shared_postgresql_cache(tmp_path, endpoint) -> None:
    with postgres_server() as url:
        _check_the_cap(endpoint, tmp_path, url)


def test_budget_caps_batch_lines(tmp_path, endpoint) -> None:
    batch = {"calls": "batch", "batch": {"poll_s": 0.05}}
    cache = str(tmp_path / "c.sqlite")
    llm = gateway(endpoint.base_url, cache, **PRICES, budget_usd=1.0, **batch)
    most = [llm.pricing.most_usd(r, 512, batch=True) for r in requests(COUNT)]
    budget = sum(most[:30]) + most[30] / 2  # room for the holds of 30 lines

    capped = gateway(endpoint.base_url, cache, **PRICES, budget_usd=budget, **batch)
    results = capped.generate("answers", requests(COUNT))
    done = sum(r.output is not None for r in results)
    assert done >= 30 and endpoint.served["batch_lines"] == done  # stopped lines never sent
    assert capped.budget.standing().spent_usd <= budget

    more = gateway(endpoint.base_url, cache, **PRICES, budget_usd=1000 * budget, **batch)
    assert all(r.output is not None for r in more.generate("answers", requests(COUNT)))
    assert endpoint.served["batch_lines"] == COUNT  # only the lines not yet made


def test_a_budget_needs_a_price(tmp_path) -> None:
    with pytest.raises(ValueError, match="budget_usd needs a price"):
        open_gateway(
            GatewayConfig(
                model="openai/a-model-nobody-priced",
                budget_usd=5.0,
                cache_path=str(tmp_path / "c.sqlite"),
            ),
            Credentials(api_key="sk-fake", api_base="http://127.0.0.1:9"),
        )


def test_the_budget_line_says_what_is_spent_and_left_from_the_cache(tmp_path) -> None:
    cache = str(tmp_path / "c.sqlite")
    assert budget_line(GatewayConfig(model="openai/m", cache_path=cache)) is None
    config = GatewayConfig(model="openai/m", cache_path=cache, budget_usd=2.0, budget_name="pilot")
    store = open_store(cache)
    try:
        Budget(store, "pilot", 2.0).settle("call-1", 0.5)  # another run's spending
        Budget(store, "other", 2.0).settle("call-2", 9.0)  # another budget's
    finally:
        store.close()
    assert budget_line(config) == "$0.5000 of $2.0000 spent, $1.5000 left (pilot)"
