"""Tool-use answers in steps: the teacher decides (answer, ask for a missing value, or call the
passage's APIs); where it asks, a simulated user answers and it decides again (up to
`clarification_turns` times); a simulated API answers each call; the teacher replies from the
results. Turns follow OpenAI's tool-call message format."""

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agentinstruct.flow.conversation import (
    Chat,
    answer_context,
    answer_model,
    answer_turn,
    user_turn,
)
from agentinstruct.gateway import LLMRequest
from agentinstruct.ids import stable_id
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import FlowParams
from agentinstruct.schemas.llm_outputs import contracts
from agentinstruct.schemas.tools import (
    call_arguments,
    openai_tools,
    tool_decision_model,
    tool_result_model,
)
from agentinstruct.skill import Skill


def assistant_turn(content: str) -> dict:
    return {"role": "assistant", "content": content}


@dataclass
class ToolUse:
    """One instruction on its way through the steps."""

    instruction: Any
    text: str  # the task text (user turn)
    library: Any  # the passage's API library
    decision: Any = None
    exchange: Chat = field(default_factory=list)  # the assistant's questions and the replies
    results: list[dict] = field(default_factory=list)  # one per call that the API answered

    @property
    def instruction_id(self) -> str:
        return self.instruction.instruction_id

    @property
    def decision_id(self) -> str:
        """The first decision has the instruction's id; one after a reply is numbered."""
        asked = len(self.exchange) // 2
        return stable_id(self.instruction_id, "decision", asked) if asked else self.instruction_id

    @cached_property
    def tools(self) -> list[dict]:
        """The library as OpenAI function tools: offered to the teacher, kept with the pair."""
        return openai_tools(self.library)

    def calls(self) -> list[tuple["ToolUse", int, Any]]:
        return [(self, number, call) for number, call in enumerate(self.decision.calls)]

    def ended_with(self, message: str) -> Chat:
        """The chat of a decision that made no call: the assistant's last word is its message."""
        return [user_turn(self.text), *self.exchange, assistant_turn(message)]

    def chat(self, skill: Skill, answer: Any) -> Chat:
        """user, any question and reply, the assistant's tool calls, one tool turn per result,
        the final answer."""
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
            *self.exchange,
            {"role": "assistant", "content": None, "tool_calls": calls},
            *(
                {"role": "tool", "tool_call_id": r["id"], "content": r["result"]}
                for r in self.results
            ),
            answer_turn(skill, answer, self.instruction.answer_format),
        ]


def user_reply_context(use: ToolUse, params: FlowParams) -> dict[str, Any]:
    """What `user_reply.j2` and its system message are rendered with: the request, and the
    assistant's question (also by the template check, template_check.py)."""
    return {"task": use.text, "question": use.decision.message, "prompts": params.prompts}


def tool_result_context(api: Any, call: Any, params: FlowParams) -> dict[str, Any]:
    """What `tool_result.j2` and its system message are rendered with: the API called and the
    call's arguments as JSON (also by the template check)."""
    return {"api": api, "arguments": call_arguments(call), "prompts": params.prompts}


def tool_answer_context(use: ToolUse, params: FlowParams) -> dict[str, Any]:
    """What `tool_answer.j2` is rendered with: the request, any question and reply, and the
    tools' results (also by the template check)."""
    return {
        "task": use.text,
        "exchange": use.exchange,
        "calls": use.results,
        "prompts": params.prompts,
    }


def answer_with_tools(
    uses: list[ToolUse], skill: Skill, params: FlowParams, steps: LLMSteps
) -> dict[str, Chat]:
    """The chat of each instruction whose steps all succeeded (failures are in the call log)."""
    settings = params.answers

    def decide(use: ToolUse) -> LLMRequest:
        context = answer_context(use.text, use.instruction.answer_format, params)
        prompt = skill.render("answer", **context)
        return LLMRequest(
            item_id=use.decision_id,
            messages=skill.answer_messages(user_turn(prompt), *use.exchange, tools=use.tools),
            response_model=tool_decision_model(use.library, params.limits),
            max_tokens=settings.tool_max_tokens,
        )

    def reply_as_user(use: ToolUse) -> LLMRequest:
        return LLMRequest(
            item_id=stable_id(use.decision_id, "user_reply"),
            messages=skill.messages("user_reply", **user_reply_context(use, params)),
            response_model=contracts(params.limits).user_reply,
            max_tokens=settings.follow_up_max_tokens,
        )

    def simulate(item: tuple[ToolUse, int, Any]) -> LLMRequest:
        use, number, call = item
        api = next(api for api in use.library.apis if api.name == call.name)
        return LLMRequest(
            item_id=stable_id(use.instruction_id, "tool_result", number),
            messages=skill.messages("tool_result", **tool_result_context(api, call, params)),
            response_model=tool_result_model(params.limits),
            max_tokens=settings.tool_max_tokens,
        )

    def reply(use: ToolUse) -> LLMRequest:
        prompt = skill.render("tool_answer", **tool_answer_context(use, params))
        return LLMRequest(
            item_id=stable_id(use.instruction_id, "tool_answer"),
            messages=skill.answer_messages(user_turn(prompt)),
            response_model=answer_model(params),
            max_tokens=settings.max_tokens,
        )

    chats: dict[str, Chat] = {}
    calling: list[ToolUse] = []
    deciding = uses
    for turn in range(settings.clarification_turns + 1):
        asking = []
        for use, decision in steps.ask("answers.tool_decision", deciding, decide):
            use.decision = decision
            if decision.action == "call":
                calling.append(use)
            elif decision.action == "ask_for_missing" and turn < settings.clarification_turns:
                asking.append(use)
            else:
                chats[use.instruction_id] = use.ended_with(decision.message)
        deciding = []
        for use, answered in steps.ask("answers.user_reply", asking, reply_as_user):
            use.exchange += [assistant_turn(use.decision.message), user_turn(answered.reply)]
            deciding.append(use)
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
