"""Chat turns of the final pairs, and multi-turn answers: a simulated user asks follow-ups, the
teacher answers each with the whole chat in context."""

from typing import Any

from agentinstruct.gateway import LLMRequest
from agentinstruct.ids import stable_id
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import FlowParams
from agentinstruct.schemas.llm_outputs import Contract, contracts
from agentinstruct.skill import Skill

Chat = list[dict]  # OpenAI-style turns after the system prompt


def user_turn(content: str) -> dict:
    return {"role": "user", "content": content}


def answer_model(params: FlowParams) -> type[Contract]:
    """The teacher's answer: answer then explanation, or the reasoning first (Orca style)."""
    return contracts(params.limits).answer(params.answers.reasoning_first)


def answer_context(task: str, answer_format: str, params: FlowParams) -> dict[str, Any]:
    """What `answer.j2`, the teacher's first prompt of every output format, is rendered with
    (also by the template check, template_check.py)."""
    return {"task": task, "answer_format": answer_format, "prompts": params.prompts}


def follow_up_context(chat: Chat, params: FlowParams) -> dict[str, Any]:
    """What `follow_up.j2` and its system message are rendered with (also by the template
    check)."""
    return {"turns": chat, "prompts": params.prompts}


def response_context(answer: Any, answer_format: str) -> dict[str, Any]:
    """What `response.j2` is rendered with: the answer's fields (also by the template check)."""
    return {"answer_format": answer_format, **answer.model_dump()}


def answer_turn(skill: Skill, answer: Any, answer_format: str) -> dict:
    """The teacher's structured answer as the assistant turn the student learns from (an
    essay's is the answer itself, a closed format's ends on its final answer)."""
    content = skill.render("response", **response_context(answer, answer_format))
    return {"role": "assistant", "content": content}


def add_follow_ups(
    chats: dict[str, Chat], skill: Skill, params: FlowParams, steps: LLMSteps
) -> dict[str, Chat]:
    """Extend each chat (by instruction id) by `follow_up_turns` user/assistant exchanges, all
    chats at once per turn. A chat whose follow-up fails stays as long as it got, or with
    `complete_chats_only` is not kept (its failure is in the call log)."""
    chats = {instruction_id: list(chat) for instruction_id, chat in chats.items()}
    for turn in range(1, params.answers.follow_up_turns + 1):

        def ask(instruction_id: str, turn: int = turn, chats: dict = chats) -> LLMRequest:
            return LLMRequest(
                item_id=stable_id(instruction_id, "follow_up", turn),
                messages=skill.messages(
                    "follow_up", **follow_up_context(chats[instruction_id], params)
                ),
                response_model=contracts(params.limits).follow_up,
                max_tokens=params.answers.follow_up_max_tokens,
            )

        def answer(item: tuple[str, Any], turn: int = turn, chats: dict = chats) -> LLMRequest:
            instruction_id, asked = item
            return LLMRequest(
                item_id=stable_id(instruction_id, "follow_up_answer", turn),
                messages=skill.answer_messages(*chats[instruction_id], user_turn(asked.question)),
                response_model=answer_model(params),
                max_tokens=params.answers.max_tokens,
            )

        questions = steps.ask("answers.follow_up_question", list(chats), ask)
        answered = steps.ask("answers.follow_up", questions, answer)
        grown = {
            instruction_id: [
                *chats[instruction_id],
                user_turn(asked.question),
                answer_turn(skill, output, "essay"),  # an open question: no "Final answer:"
            ]
            for (instruction_id, asked), output in answered
        }
        chats = grown if params.answers.complete_chats_only else {**chats, **grown}
    return chats
