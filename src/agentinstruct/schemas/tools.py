"""Tool use: the API library a transformation writes, and call schemas checked against it.

A tool-use passage is an `ApiLibrary` as JSON. For each library the teacher's decision gets its
own response model, built from the library: every call names one of its APIs and passes
exactly that API's parameters, with their types, required ones present and no others. A call
that does not fit cannot be produced by a grammar-constrained model, and is re-asked (then
recorded as a failure) for any other model. The lengths (descriptions, counts, string
arguments) come from a size profile's `ContractLimits`, as every contract's do.
"""

import json
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, model_validator

from agentinstruct.schemas.limits import ContractLimits
from agentinstruct.schemas.llm_outputs import Contract, items, text

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
ParameterType = Literal["string", "integer", "number", "boolean"]


def _require_unique(names: list[str], what: str) -> None:
    if len(names) != len(set(names)):
        raise ValueError(f"{what}: {names}")


class _ApiChecks(Contract):
    @model_validator(mode="after")
    def _unique_parameters(self) -> "_ApiChecks":
        _require_unique(
            [p.name for p in self.parameters], f"API {self.name} repeats a parameter name"
        )
        return self


class _LibraryChecks(Contract):
    @model_validator(mode="after")
    def _unique_apis(self) -> "_LibraryChecks":
        _require_unique([api.name for api in self.apis], "the library repeats an API name")
        return self


@cache
def api_library_model(limits: ContractLimits = ContractLimits()) -> type[Contract]:  # noqa: B008
    """Stage 1 for tool use: a library of 2-3 APIs (compact; a full profile allows more), each
    a snake_case name, a description and typed parameters (compact: about 150 tokens an API)."""
    over = limits.over_limit
    parameter = create_model(
        "ApiParameter",
        __base__=Contract,
        name=(Identifier, ...),
        type=(ParameterType, ...),
        description=(text(limits.parameter_description, over), ...),
        required=(bool, ...),
    )
    api = create_model(
        "Api",
        __base__=_ApiChecks,
        __doc__=None,
        name=(Identifier, ...),
        description=(text(limits.api_description, over), ...),
        parameters=(items(parameter, limits.parameters, over), ...),
    )
    return create_model(
        "ApiLibrary",
        __base__=_LibraryChecks,
        __doc__="Stage 1 for tool use: a small library of APIs reconstructed from code or docs.",
        apis=(items(api, limits.apis, over), ...),
    )


@cache
def tool_result_model(limits: ContractLimits = ContractLimits()) -> type[Contract]:  # noqa: B008
    """What a simulated API returned, as the text a tool message carries."""
    return create_model(
        "ToolResult",
        __base__=Contract,
        __doc__="What a simulated API returned, as the text a tool message carries.",
        content=(text(limits.tool_result, limits.over_limit), ...),
    )


def read_library(passage: str, limits: ContractLimits) -> BaseModel:
    """A tool-use passage back as the library it was written as."""
    return api_library_model(limits).model_validate_json(passage)


def openai_tools(library: BaseModel) -> list[dict[str, Any]]:
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


def _call_model(api: Any, limits: ContractLimits) -> type[Contract]:
    """`{"name": <api>, "arguments": {...}}` with exactly the API's parameters.

    Fields are positional names with the parameter names as aliases, so a parameter may be
    called anything, even `schema` or `model_config`.
    """
    types: dict[str, Any] = {
        "string": text(limits.argument, limits.over_limit),  # no empty values
        "integer": int,
        "number": float,
        "boolean": bool,
    }
    fields: dict[str, Any] = {}
    for index, parameter in enumerate(api.parameters):
        kind = types[parameter.type]
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
def _decision_model(library_json: str, limits: ContractLimits) -> type[Contract]:
    library = api_library_model(limits).model_validate_json(library_json)
    call = Union[tuple(_call_model(api, limits) for api in library.apis)]  # noqa: UP007
    return create_model(
        "ToolDecision",
        __base__=ToolDecisionBase,
        __doc__="The assistant's move: call tools, ask for what is missing, or say none fits.",
        action=(Literal["call", "ask_for_missing", "no_suitable_tool"], ...),
        calls=(items(call, (0, limits.tool_calls), limits.over_limit), ...),
        message=(text(limits.tool_message, limits.over_limit), ...),
    )


def tool_decision_model(
    library: BaseModel,
    limits: ContractLimits = ContractLimits(),  # noqa: B008 (frozen)
) -> type[Contract]:
    """The response model for tasks over `library`, one class per distinct library."""
    return _decision_model(library.model_dump_json(), limits)


def call_arguments(call: Any) -> str:
    """A validated call's arguments as the JSON string OpenAI's tool_calls carry."""
    return json.dumps(call.arguments.model_dump(by_alias=True, exclude_none=True))
