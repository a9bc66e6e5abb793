"""Every use of Instructor beyond its public `from_litellm` client, in one place to update when
Instructor changes: its modes, its exceptions, the response class it builds per call, the
request and parsing it does around a call (used on their own for provider batch files, where
`RequestBodies` builds the part of a request that does not depend on its messages once per
response class), and one speed-up.

The speed-up, one walk per response class instead of five per call: Instructor 1.17 walks the
response model's class tree looking for async validators five times on every call (~0.4 ms of
the gateway's ~4 ms CPU a call, measured with cProfile at zero latency). A class's validators
are fixed once the class exists, so the answer for a class that passed is remembered; a class
that fails still raises, every time. Applied once, on import of the gateway; if a later
Instructor moves the function, nothing is patched and calls stay correct, only slower.
"""

import json
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

import instructor
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.v2.core.function_calls import response_schema
from instructor.v2.core.response import handle_response_model, process_response
from pydantic import BaseModel

__all__ = [
    "MODES",
    "IncompleteOutputException",
    "InstructorRetryException",
    "RequestBodies",
    "call_model",
    "parse_completion",
    "request_body",
    "speed_up_instructor",
]

MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}

_PATCHED_MODULES = (
    "instructor.v2.validation.async_validators",  # the call-time imports read it from here
    "instructor.v2.core.patch",  # imported by name at module level
)
_FUNCTION = "reject_async_validators"


@cache
def call_model(response_model: type[BaseModel]) -> type[BaseModel]:
    """The class Instructor would otherwise rebuild with `create_model` on every call (~1 ms)."""
    return response_schema(response_model)


def request_body(
    response_model: type[BaseModel], mode: str, messages: list[dict], params: dict[str, Any]
) -> dict[str, Any]:
    """The chat request Instructor would send for `response_model` (its `response_format` or
    tools, its messages), without sending it: a line of a provider batch file."""
    _, body = handle_response_model(
        call_model(response_model), MODES[mode], messages=messages, **params
    )
    return body


class RequestBodies:
    """`request_body` for many requests of one mode: Instructor builds the schema, tools and
    parameters of a request again for every request (~5% of a batch-mode run's CPU), and they
    depend on the response class and parameters only. The first request of each kind is built
    in full; if Instructor left its messages as they were (it does in `json_schema` and `tools`
    modes; the JSON modes write the schema into them), the later ones reuse its body with their
    own messages. A kind whose messages Instructor rewrites is built in full every time."""

    def __init__(self, mode: str) -> None:
        self._mode = mode
        self._first: dict[tuple[type[BaseModel], str], dict[str, Any] | None] = {}

    def __call__(
        self, response_model: type[BaseModel], messages: list[dict], params: dict[str, Any]
    ) -> dict[str, Any]:
        kind = (response_model, json.dumps(params, sort_keys=True, default=str))
        if kind not in self._first:
            body = request_body(response_model, self._mode, messages, params)
            self._first[kind] = body if body.get("messages") == messages else None
            return body
        first = self._first[kind]
        if first is None:
            return request_body(response_model, self._mode, messages, params)
        return {key: messages if key == "messages" else value for key, value in first.items()}


def parse_completion(completion: Any, response_model: type[BaseModel], mode: str) -> BaseModel:
    """A chat completion parsed and validated the way Instructor parses a call's answer; raises
    `ValidationError`, `JSONDecodeError` or `IncompleteOutputException` as a call would."""
    return process_response(
        completion, response_model=call_model(response_model), stream=False, mode=MODES[mode]
    )


def _remember_passes(check: Callable[[Any], None]) -> Callable[[Any], None]:
    passed: set[Any] = set()

    @wraps(check)
    def remembered(response_model: Any) -> None:
        try:
            if response_model in passed:
                return
        except TypeError:  # unhashable annotations: check every time
            check(response_model)
            return
        check(response_model)  # raises for a class with async validators: never remembered
        passed.add(response_model)

    remembered.__wrapped_check__ = check  # type: ignore[attr-defined]
    return remembered


def speed_up_instructor() -> bool:
    """Patch Instructor where it looks the check up; True if it is patched."""
    import importlib

    try:
        modules = [importlib.import_module(name) for name in _PATCHED_MODULES]
    except ImportError:
        return False
    check = getattr(modules[0], _FUNCTION, None)
    if hasattr(check, "__wrapped_check__"):
        return True
    if check is None or any(getattr(module, _FUNCTION, None) is not check for module in modules):
        return False  # Instructor changed: leave it be
    remembered = _remember_passes(check)
    for module in modules:
        setattr(module, _FUNCTION, remembered)
    return True
