"""Tool use: the API library a transformation writes, and call schemas checked against it.

A tool-use passage is an `ApiLibrary` as JSON. For each library the teacher's decision gets its
own response model, built from the library: every call names one of its APIs and passes
exactly that API's parameters, with their types, required ones present and no others. A call
that does not fit cannot be produced by a grammar-constrained model, and is re-asked (then
recorded as a failure) for any other model.
"""

import json
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, StringConstraints, create_model, model_validator

from agentinstruct.schemas.llm_outputs import Contract

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
ParameterType = Literal["string", "integer", "number", "boolean"]
_PYTHON_TYPES: dict[str, Any] = {
    "string": Annotated[str, StringConstraints(min_length=1, max_length=200)],  # no empty values
    "integer": int,
    "number": float,
    "boolean": bool,
}


def _require_unique(names: list[str], what: str) -> None:
    if len(names) != len(set(names)):
        raise ValueError(f"{what}: {names}")


class ApiParameter(Contract):
    name: Identifier
    type: ParameterType
    description: str = Field(min_length=5, max_length=100)
    required: bool


class Api(Contract):
    name: Identifier
    description: str = Field(min_length=10, max_length=150)
    parameters: list[ApiParameter] = Field(min_length=1, max_length=4)

    @model_validator(mode="after")
    def _unique_parameters(self) -> "Api":
        _require_unique(
            [p.name for p in self.parameters], f"API {self.name} repeats a parameter name"
        )
        return self


class ApiLibrary(Contract):
    """Stage 1 for tool use: a small library of APIs reconstructed from code or docs."""

    # Bounds keep a library within a small model's token budget (about 150 tokens an API).
    apis: list[Api] = Field(min_length=2, max_length=3)

    @model_validator(mode="after")
    def _unique_apis(self) -> "ApiLibrary":
        _require_unique([api.name for api in self.apis], "the library repeats an API name")
        return self


class ToolResult(Contract):
    """What a simulated API returned, as the text a tool message carries."""

    content: str = Field(min_length=2, max_length=400)


def openai_tools(library: ApiLibrary) -> list[dict[str, Any]]:
    """The library in OpenAI's `tools` format (function name, description, JSON schema)."""
    return [
        {
            "type": "function",
            "function": {
                "name": api.name,
                "description": api.description,
                "parameters": {
                    "type": "object",
                    "properties": {
                        parameter.name: {
                            "type": parameter.type,
                            "description": parameter.description,
                        }
                        for parameter in api.parameters
                    },
                    "required": [p.name for p in api.parameters if p.required],
                    "additionalProperties": False,
                },
            },
        }
        for api in library.apis
    ]


def _call_model(api: Api) -> type[Contract]:
    """`{"name": <api>, "arguments": {...}}` with exactly the API's parameters.

    Fields are positional names with the parameter names as aliases, so a parameter may be
    called anything, even `schema` or `model_config`.
    """
    fields: dict[str, Any] = {}
    for index, parameter in enumerate(api.parameters):
        kind = _PYTHON_TYPES[parameter.type]
        fields[f"p{index}"] = (
            (kind, Field(alias=parameter.name))
            if parameter.required
            else (kind | None, Field(None, alias=parameter.name))
        )
    arguments = create_model(
        f"{api.name}_arguments",
        __config__=ConfigDict(extra="forbid", populate_by_name=True),
        **fields,
    )
    return create_model(
        f"call_{api.name}",
        __base__=Contract,
        name=(Literal[api.name], ...),
        arguments=(arguments, ...),
    )


class ToolDecisionBase(Contract):
    """A call decision must carry calls, and only a call decision may."""

    @model_validator(mode="after")
    def _calls_match_action(self) -> "ToolDecisionBase":
        if (self.action == "call") != bool(self.calls):
            raise ValueError("action 'call' needs at least one call; other actions take none")
        return self


@cache
def _decision_model(library_json: str) -> type[Contract]:
    library = ApiLibrary.model_validate_json(library_json)
    calls = tuple(_call_model(api) for api in library.apis)
    return create_model(
        "ToolDecision",
        __base__=ToolDecisionBase,
        __doc__="The assistant's move: call tools, ask for what is missing, or say none fits.",
        action=(Literal["call", "ask_for_missing", "no_suitable_tool"], ...),
        calls=(list[Union[calls]], Field(max_length=3)),  # noqa: UP007 (a runtime tuple)
        message=(str, Field(min_length=5, max_length=400)),
    )


def tool_decision_model(library: ApiLibrary) -> type[Contract]:
    """The response model for tasks over `library`, one class per distinct library."""
    return _decision_model(library.model_dump_json())


def call_arguments(call: Any) -> str:
    """A validated call's arguments as the JSON string OpenAI's tool_calls carry."""
    return json.dumps(call.arguments.model_dump(by_alias=True, exclude_none=True))
