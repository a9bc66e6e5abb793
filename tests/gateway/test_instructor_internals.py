"""The remembered async-validator check: same verdicts as Instructor's, one walk per class."""

import json

import pytest
from instructor.v2.core import patch as instructor_patch
from instructor.v2.validation import async_validators
from pydantic import BaseModel

import agentinstruct.gateway  # noqa: F401  (applies the speedup on import)
from agentinstruct.gateway.online import instructor_internals
from agentinstruct.schemas.llm_outputs import contracts, judge_verdict

TransformedPassage, JudgeVerdict = contracts().transformed_passage, judge_verdict()


class Plain(BaseModel):
    text: str


class WithAsyncValidator(BaseModel):
    text: str

    @async_validators.async_field_validator("text")
    async def check_text(self, value: str) -> str:
        return value


def test_both_lookup_places_share_the_remembered_check():
    assert instructor_internals.speed_up_instructor()
    check = async_validators.reject_async_validators
    assert hasattr(check, "__wrapped_check__")
    assert instructor_patch.reject_async_validators is check


def test_a_class_that_passed_is_not_walked_again():
    class Fresh(BaseModel):
        text: str

    walks = []
    original = async_validators.reject_async_validators.__wrapped_check__
    remembered = instructor_internals._remember_passes(lambda model: walks.append(model))
    remembered(Fresh)
    remembered(Fresh)
    assert walks == [Fresh]
    original(Fresh)  # the real check passes it too


def test_a_class_with_async_validators_is_rejected_every_time():
    check = async_validators.reject_async_validators
    for _ in range(2):
        with pytest.raises(ValueError, match="async validators are not supported"):
            check(WithAsyncValidator)
    check(Plain)


@pytest.mark.parametrize("mode", sorted(instructor_internals.MODES))
def test_request_bodies_are_instructor_s_own_in_every_mode(mode):
    """Bodies built once per kind and reused with other messages equal Instructor's, built in
    full for each request; in the JSON modes Instructor writes the schema into the messages, so
    every body there is built in full."""
    kinds = [
        (TransformedPassage, {"max_tokens": 512, "temperature": 0.3}),
        (JudgeVerdict, {"max_tokens": 160, "temperature": 0.0}),
        (TransformedPassage, {"max_tokens": 200, "temperature": 0.3}),
    ]
    bodies = instructor_internals.RequestBodies(mode)
    for turn in range(3):
        for response_model, params in kinds:
            messages = [
                {"role": "system", "content": f"You write passages ({turn})."},
                {"role": "user", "content": f"Passage {turn}: bees {response_model.__name__}"},
            ]
            built = bodies(response_model, messages, params)
            own = instructor_internals.request_body(response_model, mode, messages, params)
            assert json.dumps(built) == json.dumps(own)
    reused = sum(first is not None for first in bodies._first.values())
    assert reused == (len(kinds) if mode in ("json_schema", "tools") else 0)
