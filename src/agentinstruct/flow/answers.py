"""The teacher answers every final instruction (the seeds and their refined variants).

The skill's output format decides the shape of the conversation: one answer (single turn),
answers to simulated follow-up questions (multi turn), or calls to the passage's APIs with
their results (tool calls). Every shape ends as `turns`: the chat after the system prompt.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from agentinstruct.flow.conversation import (
    Chat,
    add_follow_ups,
    answer_context,
    answer_model,
    answer_turn,
    user_turn,
)
from agentinstruct.flow.instructions import task_text
from agentinstruct.flow.tool_calls import ToolUse, answer_with_tools
from agentinstruct.gateway import Gateway, LLMRequest
from agentinstruct.llm_steps.steps import LLMSteps
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import AnsweredTaskSchema, frame_of
from agentinstruct.schemas.tools import read_library
from agentinstruct.skill import Skill


def _answers(
    instructions: list, texts: dict[str, str], skill: Skill, params: FlowParams, steps: LLMSteps
) -> dict[str, Chat]:
    """One answer per instruction: `[user, assistant]` by instruction id."""

    def request(instruction: Any) -> LLMRequest:
        context = answer_context(
            texts[instruction.instruction_id], instruction.answer_format, params
        )
        prompt = skill.render("answer", **context)
        return LLMRequest(
            item_id=instruction.instruction_id,
            messages=skill.answer_messages(user_turn(prompt)),
            response_model=answer_model(params),
            max_tokens=params.answers.max_tokens,
        )

    return {
        instruction.instruction_id: [
            user_turn(texts[instruction.instruction_id]),
            answer_turn(skill, answer, instruction.answer_format),
        ]
        for instruction, answer in steps.ask("answers", instructions, request)
    }


def answer_instructions(
    seed_instructions: pd.DataFrame,
    refined_instructions: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    llm: Gateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answer every instruction in the skill's output format; one whose calls failed is left
    out (its failure is in the call log).

    Returns:
        answered tasks (`AnsweredTaskSchema`) and the call log.
    """
    frame = pd.concat([seed_instructions, refined_instructions], ignore_index=True)
    instructions = list(frame.itertuples(index=False))
    texts = {i.instruction_id: task_text(skill, i) for i in instructions}
    tools: dict[str, list[dict]] = {}
    steps = LLMSteps(llm)
    if skill.output_format == "tool_calls":
        uses = [
            ToolUse(i, texts[i.instruction_id], read_library(i.passage, params.limits))
            for i in instructions
        ]
        tools = {use.instruction_id: use.tools for use in uses}
        chats = answer_with_tools(uses, skill, params, steps)
    else:
        chats = _answers(instructions, texts, skill, params, steps)
        if skill.output_format == "multi_turn":
            chats = add_follow_ups(chats, skill, params, steps)
    rows = [
        {
            **instruction._asdict(),
            "task": texts[instruction.instruction_id],
            "response": chats[instruction.instruction_id][-1]["content"],
            "turns": json.dumps(chats[instruction.instruction_id], ensure_ascii=False),
            "tools": json.dumps(tools.get(instruction.instruction_id, []), ensure_ascii=False),
            "model": llm.model,
        }
        for instruction in instructions
        if instruction.instruction_id in chats
    ]
    return frame_of(AnsweredTaskSchema, rows), steps.call_log()
