"""The teacher answers every final task: the seeds and their refined variants."""

import pandas as pd

from agentinstruct.flow.call_log import call_log
from agentinstruct.flow.tasks import task_text
from agentinstruct.gateway import LLMGateway, LLMRequest
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import AnsweredTaskSchema, frame_of
from agentinstruct.schemas.llm_outputs import TeacherAnswer
from agentinstruct.skill import Skill


def answer_instructions(
    seed_instructions: pd.DataFrame,
    refined_instructions: pd.DataFrame,
    skill: Skill,
    params: FlowParams,
    llm: LLMGateway,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ask the teacher for a structured answer and render it as the assistant turn.

    Returns:
        answered tasks (`AnsweredTaskSchema`) and the call log.
    """
    tasks = pd.concat([seed_instructions, refined_instructions], ignore_index=True)
    texts = [task_text(skill, task) for task in tasks.itertuples(index=False)]
    requests = [
        LLMRequest(
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
        for task, text in zip(tasks.itertuples(index=False), texts, strict=True)
    ]
    results = llm.generate("answers", requests)
    rows = [
        {
            **task._asdict(),
            "task": text,
            "response": skill.render("response", **result.output.model_dump()),
            "model": result.record.model,
        }
        for task, text, result in zip(tasks.itertuples(index=False), texts, results, strict=True)
        if result.output is not None
    ]
    return frame_of(AnsweredTaskSchema, rows), call_log(results)
