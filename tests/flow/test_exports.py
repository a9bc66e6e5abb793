"""Every export loads back through the catalog with its roles and turn order intact, each
split holding its own kept pairs."""

import json
import os
import re
import shutil

import datasets
import pytest
from kedro.framework.session import KedroSession

from agentinstruct.devtools.scratch_project import scratch_project
from agentinstruct.flow.holdout import SPLITS
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL
from tests.kedro_runs import run_pipeline

SKILLS = ["reading_comprehension", "conversation", "tool_use"]
# The fake teacher's answers name no option and its judge scores are drawn at random: without
# these two checks every skill keeps enough pairs to export.
LENIENT = {"curation": {"verification": {"enabled": False}, "judge": {"min_scores": {}}}}


@pytest.fixture(scope="module")
def exported_project(tmp_path_factory):
    """The three output formats' skills, run once for every test of the module."""
    from tests import fake_llm

    fake_llm.install()
    root = scratch_project(PROJECT_ROOT, tmp_path_factory.mktemp("exports") / "project")
    for skill in SKILLS:
        shutil.copytree(PROJECT_ROOT / "data/01_raw" / skill, root / "data/01_raw" / skill)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for skill in SKILLS:
            run_pipeline(root, skill, teacher_model=MODEL, **{skill: LENIENT})
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture
def exported(exported_project, monkeypatch):
    """The catalog to load the exports from."""
    monkeypatch.chdir(exported_project)
    with KedroSession.create(project_path=exported_project) as session:
        yield session.load_context().catalog


def _in_turn_order(messages: list[dict]) -> bool:
    """After the system prompt: user, then (tool calls, tool results)*, then the assistant's
    text; repeated, ending with the assistant."""
    codes = "".join(
        "C" if m.get("tool_calls") else {"user": "U", "assistant": "A", "tool": "T"}[m["role"]]
        for m in messages
    )
    return re.fullmatch(r"(U(CT+)*A)+", codes) is not None


def _both_splits(catalog, name: str) -> list[dict]:
    """An export's records, `train` then `test`."""
    return [record for split in SPLITS for record in catalog.load(f"{name}_{split}")]


@pytest.mark.slow
def test_exports_load_back_with_roles_in_order(exported) -> None:
    for skill in SKILLS:
        pairs = exported.load(f"{skill}.curated_pairs")  # exports hold the kept pairs only
        assert len(pairs) > 0
        for split in SPLITS:  # each split's file holds its kept pairs, in their order
            in_split = pairs[pairs["split"] == split]
            orca = exported.load(f"{skill}.orca_messages_{split}")
            assert [row["messages"] for row in orca] == list(in_split["messages"])  # a string
            for name in ("openai_chat", "sharegpt"):
                assert len(exported.load(f"{skill}.{name}_{split}")) == len(in_split), name
        openai = _both_splits(exported, f"{skill}.openai_chat")
        sharegpt = _both_splits(exported, f"{skill}.sharegpt")
        for record in openai:
            assert record["messages"][0]["role"] == "system"
            assert _in_turn_order(record["messages"][1:])
            assert all(
                message.get("content") is not None or message.get("tool_calls")
                for message in record["messages"]
            )
            assert ("tools" in record) == (skill == "tool_use")  # never `"tools": null`
        for record in sharegpt:
            sources = [turn["from"] for turn in record["conversations"]]
            assert sources[0] == "human" and sources[-1] == "gpt"
            assert all(turn["value"] for turn in record["conversations"])
            assert record["system"]


@pytest.mark.slow
def test_tool_calls_survive_every_export(exported) -> None:
    openai = _both_splits(exported, "tool_use.openai_chat")
    calling = [r for r in openai if any(m.get("tool_calls") for m in r["messages"])]
    assert calling, "the fake teacher's tool_use run made no calls"
    for record in calling:
        names = {tool["function"]["name"] for tool in record["tools"]}
        messages = record["messages"]
        call_at = next(i for i, m in enumerate(messages) if m.get("tool_calls"))
        ids = [call["id"] for call in messages[call_at]["tool_calls"]]
        assert {call["function"]["name"] for call in messages[call_at]["tool_calls"]} <= names
        answered = [m["tool_call_id"] for m in messages[call_at + 1 : call_at + 1 + len(ids)]]
        assert answered == ids and "content" not in messages[call_at]
    train = exported.load("tool_use.openai_chat_train")
    assert exported.get("tool_use.openai_chat_train").preview(2)["first_records"] == train[:2]
    sharegpt = _both_splits(exported, "tool_use.sharegpt")
    assert any(
        [turn["from"] for turn in record["conversations"]][:3]
        == ["human", "function_call", "observation"]
        for record in sharegpt
    )


@pytest.mark.slow
def test_hugging_face_parquet_loads_with_datasets(exported, exported_project) -> None:
    """Through the exports folder's dataset card, as a user loads it (tool calls included)."""
    for skill in SKILLS:
        folder = exported_project / f"data/07_model_output/{skill}/exports"
        loaded = datasets.load_dataset(str(folder), cache_dir=str(exported_project / "hf"))
        pairs = exported.load(f"{skill}.curated_pairs")  # exports hold the kept pairs only
        for split, rows in loaded.items():
            in_split = pairs[pairs["split"] == split]
            assert list(rows["pair_id"]) == list(in_split["pair_id"])
            for row, original in zip(rows, in_split["messages"], strict=True):
                roles = [m["role"] for m in json.loads(original)]
                assert [m["role"] for m in row["messages"]] == roles
        assert sum(rows.num_rows for rows in loaded.values()) == len(pairs)
