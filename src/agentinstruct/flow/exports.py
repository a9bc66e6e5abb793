"""The final pairs in the formats fine-tuning stacks read: orca-agentinstruct, OpenAI chat
fine-tuning JSONL, ShareGPT, and a Parquet that `datasets.load_dataset("parquet", ...)` reads."""

import json
from typing import Any

import pandas as pd

from agentinstruct.schemas.frames import HuggingFaceExportSchema, frame_of

# Provenance columns a Hugging Face dataset keeps beside its messages, to filter by.
HF_COLUMNS = [
    "pair_id",
    "skill",
    "doc_id",
    "transformation_agent",
    "question_type",
    "answer_format",
    "refinement_round",
    "refinement_goal",
    "parent_id",
    "model",
    "prompt_version",
]
SHAREGPT_ROLES = {"user": "human", "assistant": "gpt", "tool": "observation"}


def _openai_message(message: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's shape: an assistant turn that calls tools carries no `content` key."""
    return {key: value for key, value in message.items() if value is not None}


def _sharegpt_turns(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """ShareGPT turns (LLaMA-Factory style): tool calls become one `function_call` turn and the
    tool results after it one `observation` turn, so the turns keep alternating."""
    turns: list[dict[str, str]] = []
    for message in messages[1:]:
        if message.get("tool_calls"):
            calls = [
                {
                    "name": call["function"]["name"],
                    "arguments": json.loads(call["function"]["arguments"]),
                }
                for call in message["tool_calls"]
            ]
            turns.append(
                {
                    "from": "function_call",
                    "value": json.dumps(calls if len(calls) > 1 else calls[0]),
                }
            )
        elif message["role"] == "tool" and turns and turns[-1]["from"] == "observation":
            turns[-1]["value"] += "\n" + message["content"]
        else:
            turns.append({"from": SHAREGPT_ROLES[message["role"]], "value": message["content"]})
    return turns


def _hf_message(message: dict[str, Any]) -> dict[str, Any]:
    """Every message with the same keys, so Parquet stores one struct type for all rows."""
    return {
        "role": message["role"],
        "content": message.get("content"),
        "tool_calls": message.get("tool_calls"),
        "tool_call_id": message.get("tool_call_id"),
    }


def orca_records(pairs: pd.DataFrame) -> list[dict]:
    """orca-agentinstruct rows: `messages` as a JSON string."""
    return [{"messages": messages} for messages in pairs["messages"]]


def openai_records(pairs: pd.DataFrame) -> list[dict]:
    """OpenAI chat fine-tuning records: `messages`, and `tools` when the pair has any."""
    records = []
    for messages, tools in zip(pairs["messages"], pairs["tools"], strict=True):
        tools = json.loads(tools)
        records.append(
            {
                "messages": [_openai_message(m) for m in json.loads(messages)],
                **({"tools": tools} if tools else {}),
            }
        )
    return records


def sharegpt_records(pairs: pd.DataFrame) -> list[dict]:
    """ShareGPT records: the system turn, then the turns (`_sharegpt_turns`)."""
    records = []
    for messages, tools in zip(pairs["messages"], pairs["tools"], strict=True):
        messages, tools = json.loads(messages), json.loads(tools)
        records.append(
            {
                "system": messages[0]["content"],
                "conversations": _sharegpt_turns(messages),
                **({"tools": json.dumps(tools)} if tools else {}),
            }
        )
    return records


def hugging_face_frame(pairs: pd.DataFrame) -> pd.DataFrame:
    """The Hugging Face frame (`HuggingFaceExportSchema`): messages as a list of structs."""
    rows = [
        {
            **{column: getattr(pair, column) for column in HF_COLUMNS},
            "messages": [_hf_message(m) for m in json.loads(pair.messages)],
            "tools": pair.tools,
        }
        for pair in pairs.itertuples(index=False)
    ]
    return frame_of(HuggingFaceExportSchema, rows)


# What the exports read of a kept pair: a stream reads only these columns of each row group.
EXPORTED_COLUMNS = [*HF_COLUMNS, "messages", "tools", "split"]
# Each export format and its name (its folder in exports/; `<name>_<split>` in the catalog).
EXPORT_FORMATS = (orca_records, openai_records, sharegpt_records, hugging_face_frame)
EXPORT_NAMES = ("orca_messages", "openai_chat", "sharegpt", "hf")
