"""The gateway: ordered batches, a cache that makes re-runs free, failure records, no secrets."""

import asyncio

import pytest
from pydantic import BaseModel, Field

from agentinstruct.gateway import Credentials, GatewayConfig, LLMGateway, LLMRequest
from agentinstruct.gateway.store import SqliteStore
from tests.fake_llm import FAIL_MARKER, MODEL, REFUSAL, REFUSE_MARKER, SCHEMA_FAIL_MARKER


class Verdict(BaseModel):
    label: str = Field(min_length=3, max_length=40)
    score: int


def _gateway(tmp_path, **overrides) -> LLMGateway:
    config = GatewayConfig(
        model=MODEL, cache_path=str(tmp_path / "cache.sqlite"), progress=False, **overrides
    )
    return LLMGateway(config, Credentials(api_key="sk-secret-123"))


def _requests(n: int, model: type[BaseModel] = Verdict) -> list[LLMRequest]:
    return [
        LLMRequest(
            item_id=f"item-{i}",
            messages=[{"role": "user", "content": f"Judge {i}"}],
            response_model=model,
        )
        for i in range(n)
    ]


def test_batch_results_keep_request_order(tmp_path, fake_teacher) -> None:
    results = _gateway(tmp_path, concurrency=3).generate("judge", _requests(7))
    assert [r.request.item_id for r in results] == [f"item-{i}" for i in range(7)]
    assert all(isinstance(r.output, Verdict) for r in results)
    assert len({r.output.label for r in results}) == 7  # answers depend on the prompt
    assert {r.record.status for r in results} == {"ok"}
    assert all(r.record.prompt_tokens > 0 and r.record.attempts == 1 for r in results)


def test_calls_sharing_a_prefix_are_sent_back_to_back(tmp_path, fake_teacher) -> None:
    """A local model keeps the previous prompt in its KV cache: calls about the same passage
    should follow each other, whatever order the stage listed them in."""
    prompts = [f"Passage {passage}. Question {q}." for q in (1, 2) for passage in "BA"]
    requests = [
        LLMRequest(f"item-{i}", [{"role": "user", "content": p}], Verdict)
        for i, p in enumerate(prompts)
    ]
    results = _gateway(tmp_path, concurrency=1).generate("judge", requests)
    assert fake_teacher.prompts == sorted(prompts)  # A1, A2, B1, B2
    assert [r.request.item_id for r in results] == [f"item-{i}" for i in range(4)]


def test_rerun_is_served_from_the_cache(tmp_path, fake_teacher) -> None:
    first = _gateway(tmp_path).generate("judge", _requests(4))
    calls_before = fake_teacher.calls
    second = _gateway(tmp_path).generate("judge", _requests(4))  # a new process would do this
    assert fake_teacher.calls == calls_before
    assert [r.output.model_dump() for r in second] == [r.output.model_dump() for r in first]
    assert all(r.record.cached and r.record.attempts == 0 for r in second)
    assert [r.record.prompt_tokens for r in second] == [r.record.prompt_tokens for r in first]


@pytest.mark.parametrize(
    "change",
    ["messages", "schema", "temperature", "max_tokens", "model"],
)
def test_cache_key_covers_what_determines_the_answer(tmp_path, fake_teacher, change) -> None:
    _gateway(tmp_path).generate("judge", _requests(1))
    calls_before = fake_teacher.calls

    class OtherVerdict(BaseModel):
        label: str

    request = _requests(1)[0]
    overrides = {}
    if change == "messages":
        request = LLMRequest("item-0", [{"role": "user", "content": "Judge 0 again"}], Verdict)
    elif change == "schema":
        request = _requests(1, OtherVerdict)[0]
    elif change == "max_tokens":
        request = LLMRequest("item-0", request.messages, Verdict, max_tokens=99)
    elif change == "temperature":
        overrides = {"generation": {"temperature": 0.0}}
    elif change == "model":
        overrides = {"model": "fake/other-teacher"}
    config = {"cache_path": str(tmp_path / "cache.sqlite"), "progress": False, "model": MODEL}
    gateway = LLMGateway(GatewayConfig(**{**config, **overrides}))
    gateway.generate("judge", [request])
    assert fake_teacher.calls == calls_before + 1


def test_invalid_output_becomes_a_failure_record(tmp_path, fake_teacher) -> None:
    requests = [
        *_requests(2),
        LLMRequest("bad", [{"role": "user", "content": FAIL_MARKER}], Verdict),
    ]
    results = _gateway(tmp_path, max_retries=2).generate("judge", requests)
    bad = results[-1]
    assert bad.output is None
    assert bad.record.status == "failed"
    assert bad.record.attempts == 3  # the first try and two re-asks
    assert bad.record.error_type and bad.record.error
    assert [r.record.status for r in results[:2]] == ["ok", "ok"]


def test_schema_failures_are_cached_unless_told_otherwise(tmp_path, fake_teacher) -> None:
    request = LLMRequest("bad", [{"role": "user", "content": SCHEMA_FAIL_MARKER}], Verdict)
    first = _gateway(tmp_path, max_retries=0).generate("judge", [request])[0]
    assert first.record.reason == "schema"
    calls_before = fake_teacher.calls

    again = _gateway(tmp_path, max_retries=0).generate("judge", [request])[0]
    assert fake_teacher.calls == calls_before  # same request, same failure: no call
    assert again.record.status == "failed" and again.record.cached
    assert again.record.error == first.record.error

    _gateway(tmp_path, max_retries=0, cache_failures=False).generate("judge", [request])
    assert fake_teacher.calls == calls_before + 1


def test_invalid_json_and_refusals_are_asked_again_by_the_next_run(tmp_path, fake_teacher) -> None:
    """A passing glitch (a proxy's torn answer, a refusal) is not cached for good."""
    torn = LLMRequest("torn", [{"role": "user", "content": FAIL_MARKER}], Verdict)
    refused = LLMRequest("refused", [{"role": "user", "content": REFUSE_MARKER}], Verdict)
    first = _gateway(tmp_path, max_retries=0).generate("judge", [torn, refused])
    assert [r.record.reason for r in first] == ["invalid_json", "refusal"]
    assert first[1].record.error == REFUSAL  # the model's words, not an empty input_value
    calls_before = fake_teacher.calls

    again = _gateway(tmp_path, max_retries=0).generate("judge", [torn, refused])
    assert fake_teacher.calls == calls_before + 2
    assert not any(r.record.cached for r in again)


def test_secrets_reach_the_call_but_not_the_cache(tmp_path, fake_teacher) -> None:
    gateway = _gateway(tmp_path)
    gateway.generate("judge", _requests(2))
    assert fake_teacher.seen_kwargs[-1]["api_key"] == "sk-secret-123"
    cache_bytes = b"".join(path.read_bytes() for path in tmp_path.glob("cache.sqlite*"))
    assert b"sk-secret-123" not in cache_bytes
    assert "sk-secret-123" not in repr(gateway.config) + repr(Credentials(api_key="sk-secret-123"))
    assert len(SqliteStore(tmp_path / "cache.sqlite")) == 2


def test_generate_works_inside_a_running_event_loop(tmp_path, fake_teacher) -> None:
    """Notebooks run a loop already; asyncio.run would fail there."""

    async def from_a_notebook_cell() -> list:
        return _gateway(tmp_path).generate("judge", _requests(2))

    results = asyncio.run(from_a_notebook_cell())
    assert all(r.output is not None for r in results)


def test_missing_api_key_fails_before_any_call(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = GatewayConfig(model="openai/gpt-4o-mini", cache_path=str(tmp_path / "c.sqlite"))
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        LLMGateway(config)
    LLMGateway(config, Credentials(api_key="sk-from-credentials-yml"))  # a key is enough
