"""The one shape of an LLM step: outputs paired with their items, failures left out but logged."""

from pydantic import BaseModel, Field

from agentinstruct.gateway import GatewayConfig, LLMGateway, LLMRequest
from agentinstruct.llm_steps import steps as steps_module
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.schemas.frames import CallLogSchema
from tests.fake_llm import FAIL_MARKER, MODEL


class Verdict(BaseModel):
    label: str = Field(min_length=3, max_length=40)
    score: int


def _ask(text: str) -> LLMRequest:
    return LLMRequest(f"id-{text[:6]}", [{"role": "user", "content": text}], Verdict)


def test_outputs_come_back_with_their_items_and_every_call_is_logged(
    tmp_path, fake_teacher
) -> None:
    gateway = LLMGateway(
        GatewayConfig(model=MODEL, cache_path=str(tmp_path / "c.db"), progress=False)
    )
    steps = LLMSteps(gateway)
    items = ["second item", f"broken {FAIL_MARKER}", "first item"]
    asked = steps.ask("grade", items, _ask)
    assert [item for item, _ in asked] == ["second item", "first item"]  # item order
    assert all(isinstance(output, Verdict) for _, output in asked)
    more = steps.ask("grade.again", ["third item"], _ask)
    assert len(more) == 1
    log = CallLogSchema.validate(steps.call_log())
    assert log["stage"].tolist() == ["grade", "grade", "grade", "grade.again"]
    assert log["status"].tolist() == ["ok", "failed", "ok", "ok"]
    assert log.loc[1, "error"]  # the failure says why


def test_a_large_stage_is_sent_a_slice_at_a_time_in_item_order(
    tmp_path, fake_teacher, monkeypatch
) -> None:
    """Requests are built and sent `REQUESTS_AT_ONCE` at a time: the answers and the call log
    are those of one batch, in item order."""
    monkeypatch.setattr(steps_module, "REQUESTS_AT_ONCE", 3)
    gateway = LLMGateway(
        GatewayConfig(model=MODEL, cache_path=str(tmp_path / "c.db"), progress=False)
    )
    sent: list[int] = []
    generate = gateway.generate
    monkeypatch.setattr(
        gateway,
        "generate",
        lambda stage, requests: sent.append(len(requests)) or generate(stage, requests),
    )
    steps = LLMSteps(gateway)
    items = [f"item {i:02d}" for i in range(8)]
    asked = steps.ask("grade", items, _ask)
    assert sent == [3, 3, 2]
    assert [item for item, _ in asked] == items
    assert steps.call_log()["item_id"].tolist() == [_ask(item).item_id for item in items]
