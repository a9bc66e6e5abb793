"""Tool calls are checked against the library they were offered: names, parameters, types."""

import json

import pytest
from pydantic import ValidationError

from agentinstruct.schemas.tools import (
    api_library_model,
    call_arguments,
    openai_tools,
    tool_decision_model,
)
from agentinstruct.skill import Skill
from tests.flow.test_skills import _load_skill

ApiLibrary = api_library_model()  # the compact profile's
LIBRARY = ApiLibrary.model_validate(
    {
        "apis": [
            {
                "name": "get_forecast",
                "description": "Forecast for a city, 1 to 7 days.",
                "parameters": [
                    {"name": "city", "type": "string", "description": "a city", "required": True},
                    {"name": "days", "type": "integer", "description": "1 to 7", "required": False},
                ],
            },
            {
                "name": "get_alerts",
                "description": "Storm warnings of a region.",
                "parameters": [
                    # a name that would shadow a Pydantic attribute must still work
                    {"name": "schema", "type": "string", "description": "region", "required": True}
                ],
            },
        ]
    }
)
Decision = tool_decision_model(LIBRARY)


def _decide(*calls: dict, action: str = "call") -> object:
    return Decision.model_validate({"action": action, "calls": list(calls), "message": "On it."})


def test_a_call_with_the_apis_parameters_is_accepted_and_exported_as_openai_arguments():
    decision = _decide(
        {"name": "get_forecast", "arguments": {"city": "Lisbon", "days": 3}},
        {"name": "get_alerts", "arguments": {"schema": "PT-11"}},
    )
    assert [json.loads(call_arguments(call)) for call in decision.calls] == [
        {"city": "Lisbon", "days": 3},
        {"schema": "PT-11"},
    ]
    assert json.loads(
        call_arguments(_decide({"name": "get_forecast", "arguments": {"city": "X"}}).calls[0])
    ) == {"city": "X"}


@pytest.mark.parametrize(
    "call",
    [
        {"name": "get_weather", "arguments": {"city": "Lisbon"}},  # no such API
        {"name": "get_forecast", "arguments": {"days": 3}},  # required parameter missing
        {"name": "get_forecast", "arguments": {"city": "Lisbon", "zip": "1000"}},  # unknown one
        {"name": "get_forecast", "arguments": {"city": "Lisbon", "days": "soon"}},  # wrong type
        {"name": "get_forecast", "arguments": {"city": ""}},  # an empty value
    ],
)
def test_a_call_that_does_not_fit_the_library_is_rejected(call):
    with pytest.raises(ValidationError):
        _decide(call)


def test_the_action_and_the_calls_must_agree():
    with pytest.raises(ValidationError, match="needs at least one call"):
        _decide(action="call")
    with pytest.raises(ValidationError, match="take none"):
        _decide({"name": "get_alerts", "arguments": {"schema": "PT"}}, action="no_suitable_tool")
    assert _decide(action="ask_for_missing").calls == []


def test_the_schema_a_model_is_constrained_by_lists_only_the_librarys_apis():
    schema = json.dumps(Decision.model_json_schema())
    assert '"const": "get_forecast"' in schema and '"const": "get_alerts"' in schema
    assert '"additionalProperties": false' in schema
    tools = openai_tools(LIBRARY)
    assert tools[0]["function"]["parameters"]["required"] == ["city"]
    assert (
        tool_decision_model(ApiLibrary.model_validate_json(LIBRARY.model_dump_json())) is Decision
    )


def test_repeated_names_in_a_library_are_refused():
    twice = LIBRARY.model_dump()
    twice["apis"][1]["name"] = "get_forecast"
    with pytest.raises(ValidationError, match="repeats an API name"):
        ApiLibrary.model_validate(twice)


def test_agents_and_output_format_must_agree():
    spec = _load_skill("tool_use").model_dump()
    spec["transformation_agents"]["identity"] = {
        "name": "identity",
        "instruction": "Keep.",
        "llm": False,
    }
    with pytest.raises(ValidationError, match="output: api_library"):
        Skill.model_validate(spec)
    text_skill = _load_skill("coding").model_dump()
    text_skill["transformation_agents"]["identity"]["output"] = "api_library"
    with pytest.raises(ValidationError, match="set output_format: tool_calls"):
        Skill.model_validate(text_skill)
    chat = _load_skill("conversation").model_dump()
    del chat["prompts"]["follow_up"]
    with pytest.raises(ValidationError, match="follow_up"):
        Skill.model_validate(chat)
