"""Tool-use answers in three steps: the teacher decides (answer, or call the passage's APIs), a
simulated API answers each call, the teacher replies from the results. Turns follow OpenAI's
tool-call message format."""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agentinstruct.flow.conversation import Chat, answer_turn, user_turn
from agentinstruct.flow.steps import LLMSteps
from agentinstruct.gateway import LLMRequest
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


@dataclass
class ToolUse:
    """One instruction on its way through the three steps."""

    instruction: Any
    text: str  # the task text (user turn)
    library: ApiLibrary
    decision: Any = None
    results: list[dict] = field(default_factory=list)  # one per call that the API answered

    @property
    def instruction_id(self) -> str:
        return self.instruction.instruction_id

    @cached_property
    def tools(self) -> list[dict]:
        """The library as OpenAI function tools: offered to the teacher, kept with the pair."""
        return openai_tools(self.library)

    def calls(self) -> list[tuple["ToolUse", int, Any]]:
        return [(self, number, call) for number, call in enumerate(self.decision.calls)]

    def chat(self, skill: Skill, answer: TeacherAnswer) -> Chat:
        """user, the assistant's tool calls, one tool turn per result, the final answer."""
        calls = [
            {
                "id": r["id"],
                "type": "function",
                "function": {k: r[k] for k in ("name", "arguments")},
            }
            for r in self.results
        ]
        return [
            user_turn(self.text),
            {"role": "assistant", "content": None, "tool_calls": calls},
            *(
                {"role": "tool", "tool_call_id": r["id"], "content": r["result"]}
                for r in self.results
            ),
            answer_turn(skill, answer),
        ]


def answer_with_tools(
    uses: list[ToolUse], skill: Skill, params: FlowParams, steps: LLMSteps
) -> dict[str, Chat]:
    """The chat of each instruction whose steps all succeeded (failures are in the call log)."""

    def decide(use: ToolUse) -> LLMRequest:
        prompt = skill.render("answer", task=use.text, answer_format=use.instruction.answer_format)
        return LLMRequest(
            item_id=use.instruction_id,
            messages=skill.answer_messages(user_turn(prompt), tools=use.tools),
            response_model=tool_decision_model(use.library),
            max_tokens=params.answers.tool_max_tokens,
        )

    def simulate(item: tuple[ToolUse, int, Any]) -> LLMRequest:
        use, number, call = item
        api = next(api for api in use.library.apis if api.name == call.name)
        return LLMRequest(
            item_id=stable_id(use.instruction_id, "tool_result", number),
            messages=skill.messages("tool_result", api=api, arguments=call_arguments(call)),
            response_model=ToolResult,
            max_tokens=params.answers.tool_max_tokens,
        )

    def reply(use: ToolUse) -> LLMRequest:
        prompt = skill.render("tool_answer", task=use.text, calls=use.results)
        return LLMRequest(
            item_id=stable_id(use.instruction_id, "tool_answer"),
            messages=skill.answer_messages(user_turn(prompt)),
            response_model=TeacherAnswer,
            max_tokens=params.answers.max_tokens,
        )

    chats: dict[str, Chat] = {}
    calling: list[ToolUse] = []
    for use, decision in steps.ask("answers.tool_decision", uses, decide):
        use.decision = decision
        if decision.action == "call":
            calling.append(use)
        else:
            chats[use.instruction_id] = [
                user_turn(use.text),
                {"role": "assistant", "content": decision.message},
            ]
    calls = [call for use in calling for call in use.calls()]
    for (use, number, call), output in steps.ask("answers.tool_result", calls, simulate):
        use.results.append(
            {
                "id": f"call_{stable_id(use.instruction_id, number)}",
                "name": call.name,
                "arguments": call_arguments(call),
                "result": output.content,
            }
        )
    answered = [use for use in calling if len(use.results) == len(use.decision.calls)]
    for use, answer in steps.ask("answers.tool_answer", answered, reply):
        chats[use.instruction_id] = use.chat(skill, answer)
    return chats
