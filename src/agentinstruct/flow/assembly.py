"""The final dataset: one row per pair, with provenance and orca-agentinstruct `messages`."""

import json

import pandas as pd

from agentinstruct.flow.tool_calls import system_prompt_with_tools
from agentinstruct.ids import stable_id
from agentinstruct.schemas.frames import PairSchema, frame_of
from agentinstruct.skill import Skill


def assemble_pairs(
    answered_tasks: pd.DataFrame, chunks: pd.DataFrame, documents: pd.DataFrame, skill: Skill
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Join provenance onto each answered task; its messages are the system prompt (with the
    tools, if any) followed by the task's turns.

    Returns:
        the same `PairSchema` frame twice: for the JSONL and the Parquet dataset.
    """
    frame = answered_tasks.merge(
        chunks[["chunk_id", "chunk_index"]], on="chunk_id", how="left", validate="many_to_one"
    ).merge(documents[["doc_id", "source_path"]], on="doc_id", how="left", validate="many_to_one")
    rows = [
        {
            **pair._asdict(),
            "pair_id": stable_id(pair.instruction_id, pair.model),
            "skill": skill.name,
            "prompt_version": skill.version,
            "messages": json.dumps(
                [
                    {
                        "role": "system",
                        "content": system_prompt_with_tools(skill, json.loads(pair.tools)),
                    },
                    *json.loads(pair.turns),
                ],
                ensure_ascii=False,
            ),
        }
        for pair in frame.itertuples(index=False)
    ]
    pairs = frame_of(PairSchema, rows)
    return pairs, pairs
