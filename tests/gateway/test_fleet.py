"""A teacher served by several endpoints (LiteLLM's Router), against fake OpenAI servers: calls
are spread over them, a failing one is routed around, and no retry is hidden inside LiteLLM."""

import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer, Faults
from agentinstruct.devtools.gateway_worker import requests
from agentinstruct.gateway import Credentials, GatewayConfig, open_gateway
from agentinstruct.gateway.config import Deployment
from agentinstruct.gateway.dataset import LLMGatewayDataset


@pytest.fixture
def servers():
    started: list[FakeOpenAIServer] = []

    def start(**faults: float) -> FakeOpenAIServer:
        server = FakeOpenAIServer(latency_s=0.01, faults=Faults(**faults)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _fleet(tmp_path, endpoints: list[FakeOpenAIServer], **config):
    names = [f"node{i}" for i in range(len(endpoints))]
    return open_gateway(
        GatewayConfig(
            model="fake-fleet",
            deployments=[Deployment(model="openai/fake-teacher", credentials=n) for n in names],
            cache_path=str(tmp_path / "cache.sqlite"),
            concurrency=8,
            progress=False,
            input_cost_per_token=0.0,
            **config,
        ),
        {
            name: Credentials(api_key="sk-fake", api_base=server.base_url)
            for name, server in zip(names, endpoints, strict=True)
        },
    )


def _served(server: FakeOpenAIServer) -> int:
    return sum(server.served.values())


@pytest.mark.slow
def test_calls_are_spread_over_the_deployments(tmp_path, servers) -> None:
    first, second = servers(), servers()
    results = _fleet(tmp_path, [first, second]).generate("fleet", requests(200))
    assert all(result.output is not None for result in results)
    assert _served(first) + _served(second) == 200
    assert 50 <= _served(first) <= 150, (first.served, second.served)
    # the answers are the endpoint's, whichever deployment gave them
    alone = servers()
    single = open_gateway(
        GatewayConfig(
            model="openai/fake-teacher",
            cache_path=str(tmp_path / "single.sqlite"),
            concurrency=8,
            progress=False,
            input_cost_per_token=0.0,
        ),
        Credentials(api_key="sk-fake", api_base=alone.base_url),
    ).generate("single", requests(200))
    assert [r.output for r in results] == [r.output for r in single]


def test_a_failing_deployment_is_routed_around_and_retries_do_not_multiply(
    tmp_path, servers
) -> None:
    healthy, broken = servers(), servers(server_error=1.0)
    results = _fleet(tmp_path, [healthy, broken], transport_retries=3).generate(
        "fleet", requests(100)
    )
    assert all(result.output is not None for result in results)
    assert broken.served["server_error"] == _served(broken) > 0
    assert _served(broken) < 30, "cooled down after a few failures, not tried for every call"
    # every request the servers saw is one of the gateway's attempts: LiteLLM retried nothing
    assert sum(result.record.attempts for result in results) == _served(healthy) + _served(broken)


def test_deployments_name_credentials_that_must_exist(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"lacks"):
        LLMGatewayDataset(
            model="fake-fleet",
            filepath=str(tmp_path / "cache.sqlite"),
            credentials={"node0": {"api_key": "sk-fake"}},
            deployments=[
                {"model": "openai/fake-teacher", "credentials": "node0"},
                {"model": "openai/fake-teacher", "credentials": "node1"},
            ],
        )
