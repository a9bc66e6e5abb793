"""The remembered async-validator check: same verdicts as Instructor's, one walk per class."""

import pytest
from instructor.v2.core import patch as instructor_patch
from instructor.v2.validation import async_validators
from pydantic import BaseModel

import agentinstruct.gateway  # noqa: F401  (applies the speedup on import)
from agentinstruct.gateway import instructor_internals


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
