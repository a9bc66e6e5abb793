"""The teacher answers every final task (the seeds and their refined variants).

The skill's output format decides the shape of the conversation: one answer (single turn),
answers to simulated follow-up questions (multi turn), or calls to the passage's APIs with
their results (tool calls). Every shape ends as `turns`: the chat after the system prompt.
"""

import json
from typing import Any

import pandas as pd

from agentinstruct.flow.call_log import call_log
from agentinstruct.flow.conversation import add_follow_ups
from agentinstruct.flow.tasks import task_text
from agentinstruct.flow.tool_calls import answer_with_tools
from agentinstruct.gateway import LLMGateway, LLMRequest, LLMResult
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import AnsweredTaskSchema, frame_of
from agentinstruct.schemas.llm_outputs import TeacherAnswer
from agentinstruct.skill import Skill


def _first_answer_request(skill: Skill, task: Any, text: str, params: FlowParams) -> LLMRequest:
    """The teacher's first answer to a task, as a structured answer + explanation."""
    return LLMRequest(
        item_id=task.instruction_id,
        messages=[
            {"role": "system", "content": skill.answer_system_prompt},
            {
                "role": "user",
                "content": skill.render("answer", task=text, answer_format=task.answer_format),
            },
        ],
        response_model=TeacherAnswer,
        max_tokens=params.answers.max_tokens,
    )


def _single_turns(
    tasks: list, texts: list[str], skill: Skill, params: FlowParams, llm: LLMGateway
) -> tuple[list[list[dict] | None], list[LLMResult]]:
    """One answer per task: `[user, assistant]`, or None where the call failed."""
    requests = [
        _first_answer_request(skill, task, text, params)
        for task, text in zip(tasks, texts, strict=True)
    ]
    results = llm.generate("answers", requests)
    turns = [
        None
        if result.output is None
        else [
            {"role": "user", "content": text},
            {
                "role": "assistant",
                "content": skill.render("response", **result.output.model_dump()),
            },
        ]
        for text, result in zip(texts, results, strict=True)
    ]
    return turns, results


def answer_instructions(
    seed_instructions: pd.DataFrame,
    refined_instructions: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    llm: LLMGateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answer every task in the skill's output format; a task whose calls failed is left out
    (its failure is in the call log).

    Returns:
        answered tasks (`AnsweredTaskSchema`) and the call log.
    """
    frame = pd.concat([seed_instructions, refined_instructions], ignore_index=True)
    tasks = list(frame.itertuples(index=False))
    texts = [task_text(skill, task) for task in tasks]
    tools: list[list[dict]] = [[] for _ in tasks]
    if skill.output_format == "tool_calls":
        turns, tools, results = answer_with_tools(tasks, texts, skill, params, llm)
    else:
        turns, results = _single_turns(tasks, texts, skill, params, llm)
        if skill.output_format == "multi_turn":
            turns, more = add_follow_ups(
                turns, skill, params, llm, [t.instruction_id for t in tasks]
            )
            results += more
    rows = [
        {
            **task._asdict(),
            "task": text,
            "response": chat[-1]["content"],
            "turns": json.dumps(chat, ensure_ascii=False),
            "tools": json.dumps(task_tools, ensure_ascii=False),
            "model": llm.model,
        }
        for task, text, chat, task_tools in zip(tasks, texts, turns, tools, strict=True)
        if chat is not None
    ]
    return frame_of(AnsweredTaskSchema, rows), call_log(results)
