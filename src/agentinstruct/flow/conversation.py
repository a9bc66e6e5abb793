"""Multi-turn answers: a simulated user asks follow-ups, the teacher answers each in context."""

from agentinstruct.gateway import LLMGateway, LLMRequest, LLMResult
from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.llm_outputs import FollowUpQuestion, TeacherAnswer
from agentinstruct.skill import Skill

Chat = list[dict[str, str]]


def add_follow_ups(
    chats: list[Chat | None],
    skill: Skill,
    params: FlowParams,
    llm: LLMGateway,
    task_ids: list[str],
) -> tuple[list[Chat | None], list[LLMResult]]:
    """Extend each chat by `follow_up_turns` user/assistant exchanges, all chats at once per
    turn. A chat whose follow-up fails stays as long as it was (the failure is in the log)."""
    chats = [None if chat is None else list(chat) for chat in chats]
    results: list[LLMResult] = []
    for turn in range(1, params.answers.follow_up_turns + 1):
        live = [index for index, chat in enumerate(chats) if chat is not None]
        asked = llm.generate(
            "answers.follow_up_question",
            [
                LLMRequest(
                    item_id=stable_id(task_ids[index], "follow_up", turn),
                    messages=skill.messages("follow_up", turns=chats[index]),
                    response_model=FollowUpQuestion,
                    max_tokens=params.answers.follow_up_max_tokens,
                )
                for index in live
            ],
        )
        questions = {
            index: result.output.question
            for index, result in zip(live, asked, strict=True)
            if result.output is not None
        }
        answered = llm.generate(
            "answers.follow_up",
            [
                LLMRequest(
                    item_id=stable_id(task_ids[index], "follow_up_answer", turn),
                    messages=[
                        {"role": "system", "content": skill.answer_system_prompt},
                        *chats[index],
                        {"role": "user", "content": question},
                    ],
                    response_model=TeacherAnswer,
                    max_tokens=params.answers.max_tokens,
                )
                for index, question in questions.items()
            ],
        )
        for (index, question), result in zip(questions.items(), answered, strict=True):
            if result.output is None:
                continue
            chats[index] += [
                {"role": "user", "content": question},
                {
                    "role": "assistant",
                    "content": skill.render("response", **result.output.model_dump()),
                },
            ]
        results += [*asked, *answered]
    return chats, results
