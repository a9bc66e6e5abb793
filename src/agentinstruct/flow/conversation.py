"""Chat turns of the final pairs, and multi-turn answers: a simulated user asks follow-ups, the
teacher answers each with the whole chat in context."""

from agentinstruct.flow.steps import LLMSteps
from agentinstruct.gateway import LLMRequest
from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.llm_outputs import FollowUpQuestion, TeacherAnswer
from agentinstruct.skill import Skill

Chat = list[dict]  # OpenAI-style turns after the system prompt


def user_turn(content: str) -> dict:
    return {"role": "user", "content": content}


def answer_turn(skill: Skill, answer: TeacherAnswer) -> dict:
    """The teacher's structured answer as the assistant turn the student learns from."""
    return {"role": "assistant", "content": skill.render("response", **answer.model_dump())}


def add_follow_ups(
    chats: dict[str, Chat], skill: Skill, params: FlowParams, steps: LLMSteps
) -> dict[str, Chat]:
    """Extend each chat (by instruction id) by `follow_up_turns` user/assistant exchanges, all
    chats at once per turn. A chat whose follow-up fails stays as long as it was."""
    chats = {instruction_id: list(chat) for instruction_id, chat in chats.items()}
    for turn in range(1, params.answers.follow_up_turns + 1):

        def ask(instruction_id: str, turn: int = turn) -> LLMRequest:
            return LLMRequest(
                item_id=stable_id(instruction_id, "follow_up", turn),
                messages=skill.messages("follow_up", turns=chats[instruction_id]),
                response_model=FollowUpQuestion,
                max_tokens=params.answers.follow_up_max_tokens,
            )

        def answer(item: tuple[str, FollowUpQuestion], turn: int = turn) -> LLMRequest:
            instruction_id, asked = item
            return LLMRequest(
                item_id=stable_id(instruction_id, "follow_up_answer", turn),
                messages=skill.answer_messages(*chats[instruction_id], user_turn(asked.question)),
                response_model=TeacherAnswer,
                max_tokens=params.answers.max_tokens,
            )

        questions = steps.ask("answers.follow_up_question", list(chats), ask)
        for (instruction_id, asked), output in steps.ask("answers.follow_up", questions, answer):
            chats[instruction_id] += [user_turn(asked.question), answer_turn(skill, output)]
    return chats
