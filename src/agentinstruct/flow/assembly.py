"""The final dataset: one row per pair, with provenance and orca-agentinstruct `messages`."""

import json

import pandas as pd

from agentinstruct.ids import stable_id
from agentinstruct.schemas.frames import PairSchema, frame_of
from agentinstruct.skill import Skill


def assemble_pairs(answered_tasks: pd.DataFrame, skill: Skill) -> pd.DataFrame:
    """Each answered task as a pair (its provenance came along from the chunk); its messages
    are the system prompt (with the tools, if any) followed by the task's turns.

    Returns:
        `PairSchema` frame.
    """
    rows = [
        {
            **task._asdict(),
            "pair_id": stable_id(task.instruction_id, task.model),
            "skill": skill.name,
            "prompt_version": skill.version,
            "messages": json.dumps(
                skill.answer_messages(*json.loads(task.turns), tools=json.loads(task.tools)),
                ensure_ascii=False,
            ),
        }
        for task in answered_tasks.itertuples(index=False)
    ]
    return frame_of(PairSchema, rows)
