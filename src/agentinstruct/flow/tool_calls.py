"""Tool-use answers: the teacher calls the passage's APIs, a simulated API answers, the
teacher replies from the results. Turns follow OpenAI's tool-call message format."""

import json
from typing import Any

from agentinstruct.gateway import LLMGateway, LLMRequest, LLMResult
from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.llm_outputs import TeacherAnswer
from agentinstruct.schemas.tools import (
    ApiLibrary,
    ToolResult,
    call_arguments,
    openai_tools,
    tool_decision_model,
)
from agentinstruct.skill import Skill


def system_prompt_with_tools(skill: Skill, tools: list[dict[str, Any]]) -> str:
    """The answer system prompt, plus the tools as JSON when there are any (orca style)."""
    if not tools:
        return skill.answer_system_prompt
    return f"{skill.answer_system_prompt}\n\nTools:\n{json.dumps(tools, ensure_ascii=False)}"


def answer_with_tools(
    tasks: list, texts: list[str], skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[list[list[dict] | None], list[list[dict]], list[LLMResult]]:
    """(turns or None per task, tools per task, every call's result)."""
    libraries = [ApiLibrary.model_validate_json(task.passage) for task in tasks]
    tools = [openai_tools(library) for library in libraries]
    decided = llm.generate(
        "answers.tool_decision",
        [
            LLMRequest(
                item_id=task.instruction_id,
                messages=[
                    {"role": "system", "content": system_prompt_with_tools(skill, task_tools)},
                    {
                        "role": "user",
                        "content": skill.render(
                            "answer", task=text, answer_format=task.answer_format
                        ),
                    },
                ],
                response_model=tool_decision_model(library),
                max_tokens=params.answers.tool_max_tokens,
            )
            for task, text, library, task_tools in zip(tasks, texts, libraries, tools, strict=True)
        ],
    )
    # every call of every decision that calls, with the API it calls
    calls = [
        (index, number, call, next(api for api in libraries[index].apis if api.name == call.name))
        for index, result in enumerate(decided)
        if result.output is not None and result.output.action == "call"
        for number, call in enumerate(result.output.calls)
    ]
    simulated = llm.generate(
        "answers.tool_result",
        [
            LLMRequest(
                item_id=stable_id(tasks[index].instruction_id, "tool_result", number),
                messages=skill.messages("tool_result", api=api, arguments=call_arguments(call)),
                response_model=ToolResult,
                max_tokens=params.answers.tool_max_tokens,
            )
            for index, number, call, api in calls
        ],
    )
    exchanges: dict[int, list[dict]] = {}
    failed_calls = set()
    for (index, number, call, _), result in zip(calls, simulated, strict=True):
        if result.output is None:
            failed_calls.add(index)
            continue
        exchanges.setdefault(index, []).append(
            {
                "id": f"call_{stable_id(tasks[index].instruction_id, number)}",
                "name": call.name,
                "arguments": call_arguments(call),
                "result": result.output.content,
            }
        )
    ready = [index for index in sorted(exchanges) if index not in failed_calls]
    final = llm.generate(
        "answers.tool_answer",
        [
            LLMRequest(
                item_id=stable_id(tasks[index].instruction_id, "tool_answer"),
                messages=[
                    {"role": "system", "content": skill.answer_system_prompt},
                    {
                        "role": "user",
                        "content": skill.render(
                            "tool_answer", task=texts[index], calls=exchanges[index]
                        ),
                    },
                ],
                response_model=TeacherAnswer,
                max_tokens=params.answers.max_tokens,
            )
            for index in ready
        ],
    )
    answers = {index: result.output for index, result in zip(ready, final, strict=True)}
    turns: list[list[dict] | None] = []
    for index, (text, result) in enumerate(zip(texts, decided, strict=True)):
        decision = result.output
        user = {"role": "user", "content": text}
        if decision is None:
            turns.append(None)
        elif decision.action != "call":
            turns.append([user, {"role": "assistant", "content": decision.message}])
        elif answers.get(index) is None:
            turns.append(None)  # a simulated result or the final answer failed: in the log
        else:
            turns.append(
                [
                    user,
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": exchange["id"],
                                "type": "function",
                                "function": {
                                    "name": exchange["name"],
                                    "arguments": exchange["arguments"],
                                },
                            }
                            for exchange in exchanges[index]
                        ],
                    },
                    *(
                        {
                            "role": "tool",
                            "tool_call_id": exchange["id"],
                            "content": exchange["result"],
                        }
                        for exchange in exchanges[index]
                    ),
                    {
                        "role": "assistant",
                        "content": skill.render("response", **answers[index].model_dump()),
                    },
                ]
            )
    return turns, tools, [*decided, *simulated, *final]
