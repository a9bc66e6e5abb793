"""The `full` size profile with a teacher that writes as long as a strong model does.

`fake/natural` ignores `maxLength`, as a remote model may, and writes each field at a strong
model's length (passages of 1-2.5k characters, reasoning of 0.3-1.5k); `fake/teacher` writes the
shortest text each schema allows. Every skill runs once with the natural teacher, in the full
profile, and must make every pair its plan asks for.
"""

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from agentinstruct.devtools.scratch_project import scratch_project
from agentinstruct.flow.instructions import generate_seed_instructions
from agentinstruct.flow.plan import plan_run
from agentinstruct.flow.skill_dataset import SkillDataset
from agentinstruct.flow.transformation import transform_passages
from agentinstruct.gateway import Credentials, GatewayConfig, LLMGateway, LLMRequest
from agentinstruct.params import FlowParams
from agentinstruct.pipeline_registry import ALL_SKILLS
from agentinstruct.schemas.limits import ContractLimits
from agentinstruct.schemas.llm_outputs import contracts
from agentinstruct.size_profiles import merged, sized_skill_params
from agentinstruct.skill_folders import skill_names
from tests import fake_llm
from tests.conftest import PROJECT_ROOT
from tests.kedro_runs import latest_pairs, latest_report, run_pipeline, versions

SKILLS = skill_names(PROJECT_ROOT)
SKILLS_FOLDER = PROJECT_ROOT / "conf/base/skills"
PROFILES = yaml.safe_load((PROJECT_ROOT / "conf/base/size_profiles.yml").read_text())
RC = "reading_comprehension"
LENGTH_REASONS = {"max_tokens", "over_limit"}


def _run_every_skill(root: Path, model: str) -> Path:
    scratch_project(PROJECT_ROOT, root)
    shutil.copytree(PROJECT_ROOT / "data" / "01_raw", root / "data" / "01_raw")
    here = Path.cwd()
    os.chdir(root)
    try:
        run_pipeline(root, ALL_SKILLS, teacher_model=model, size_profile="auto")
    finally:
        os.chdir(here)
    return root


@pytest.fixture(scope="module")
def natural(tmp_path_factory) -> Iterator[Path]:
    """Every skill in the full profile (chosen from the teacher, as for any remote model), with
    a natural-length teacher."""
    fake_llm.install()
    yield _run_every_skill(tmp_path_factory.mktemp("strong") / "natural", fake_llm.NATURAL_MODEL)


@pytest.mark.slow
def test_a_natural_length_teacher_pays_once_and_loses_nothing_in_every_skill(natural) -> None:
    for skill in SKILLS:
        report = latest_report(natural, skill)
        assert report["params"]["size_profile"] == "full", skill
        total = report["llm"]["total"]
        assert total["attempts"] <= 1.05 * total["requests"], (skill, total)
        reasons = {r for stage in report["failures_by_reason"].values() for r in stage}
        assert not reasons & LENGTH_REASONS, (skill, report["failures_by_reason"])
        # every planned pair was made: none lost to a guard, a cut or a retry
        assert report["stages"]["pairs"] == report["plan"]["pairs"] > 0, (skill, report["plan"])


def _export(project: Path, skill: str, name: str) -> list[dict]:
    """Both splits of an export."""
    rows = []
    for split in ("train", "test"):
        path = versions(project, f"data/07_model_output/{skill}/exports/{name}/{split}.jsonl")[-1]
        rows += [json.loads(line) for line in path.read_text().splitlines()]
    return rows


def test_reading_comprehension_has_the_papers_sizes(natural) -> None:
    kept = pd.read_parquet(
        versions(natural, f"data/07_model_output/{RC}/curated_pairs.parquet")[-1]
    )
    assistant = [
        turn["content"]
        for row in _export(natural, RC, "openai_chat")
        for turn in row["messages"]
        if turn["role"] == "assistant"
    ]
    assert len(kept) == len(_export(natural, RC, "openai_chat")) > 0
    assert kept["passage"].str.len().median() >= 1500
    assert pd.Series(assistant).str.len().median() >= 600
    assert all("Final answer: " in text or len(text) > 600 for text in assistant)


def test_reading_comprehension_has_the_papers_shape(natural) -> None:
    """Two items from each seed call, every goal for every item, one edited item per
    suggestion: at least 3 pairs per seed instruction."""
    pairs = latest_pairs(natural, RC)
    seeds = pairs[pairs["refinement_round"] == 0]
    assert len(pairs) / len(seeds) >= 3
    assert set(seeds.groupby(["passage_id", "question_type"]).size()) == {2}
    refined = pairs[pairs["refinement_round"] == 1]
    goals = refined.groupby("parent_id")["refinement_goal"].agg(lambda g: Counter(g))
    assert all(counts == Counter({goal: 3 for goal in counts}) for counts in goals)
    assert all(len(counts) == 3 for counts in goals)  # unanswerable, answer change, harder
    assert (refined["suggestions"].map(json.loads).map(len) == 1).all()


def test_a_true_false_item_is_a_true_and_a_false_statement(tmp_path) -> None:
    """Critical comprehension as the paper has it: each call writes pairs of statements about
    the passage, one true and one false, and each statement is its own item."""
    fake_llm.install()
    skill = SkillDataset(str(SKILLS_FOLDER / RC), str(SKILLS_FOLDER / "_shared")).load()
    only = {name: float(name == "critical_comprehension") for name in skill.question_types}
    params = FlowParams.model_validate(
        merged(
            sized_skill_params({}, PROFILES, "full", "full"),
            {"instructions": {"type_weights": only, "types_per_passage": 1}},
        )
    )
    chunks = pd.DataFrame(
        {
            "chunk_id": [f"{i:016x}" for i in range(4)],
            "doc_id": [f"{i + 100:016x}" for i in range(4)],
            "source_path": [f"doc{i}.txt" for i in range(4)],
            "source_format": ["text"] * 4,
            "title": [None] * 4,
            "chunk_index": [0] * 4,
            "text": [
                f"Bees dance to tell their sisters where flowers are. Hive {i}." * 3
                for i in range(4)
            ],
        }
    )
    llm = _gateway(tmp_path, fake_llm.NATURAL_MODEL)
    plan = plan_run(chunks, skill, params)
    passages, _ = transform_passages(chunks, plan, skill, params, llm)
    seeds, calls = generate_seed_instructions(passages, plan, skill, params, llm)
    assert (calls["status"] == "ok").all() and len(calls) == len(passages) == 4
    assert (seeds.groupby("passage_id").size() == 4).all()  # 2 pairs of statements a call
    for _, items in seeds.groupby("passage_id"):
        assert items["reference_answer"].tolist() == ["True", "False"] * 2
        assert items["question"].nunique() == 4


def test_conversations_have_at_least_three_user_turns(natural) -> None:
    chats = latest_pairs(natural, "conversation")["messages"].map(json.loads)
    users = chats.map(lambda turns: sum(turn["role"] == "user" for turn in turns))
    assert len(chats) > 0 and users.min() >= 3


def test_a_clarifying_question_is_answered_and_the_chat_goes_on_to_the_calls(natural) -> None:
    chats = latest_pairs(natural, "tool_use")["messages"].map(json.loads)
    clarified = [
        turns
        for turns in chats
        if [turn["role"] for turn in turns[:5]]
        == ["system", "user", "assistant", "user", "assistant"]
    ]
    continued = [turns for turns in clarified if turns[4].get("tool_calls")]
    assert continued, "no clarified tool-use conversation reached its calls"
    for turns in continued:
        assert turns[2]["content"] and turns[3]["content"]  # the question, the user's answer
        assert all(turn["role"] == "tool" for turn in turns[5:-1])
        assert turns[-1]["role"] == "assistant" and turns[-1]["content"]


# The gateway: past a guard or cut at max_tokens, a failure record with its reason, once.


def _gateway(tmp_path, model: str) -> LLMGateway:
    config = GatewayConfig(model=model, cache_path=str(tmp_path / "c.sqlite"), progress=False)
    return LLMGateway(config, Credentials(api_key="sk-test"))


def _ask(tmp_path, limits: ContractLimits, max_tokens: int = 4096):
    fake_llm.install()
    answer = contracts(limits).answer(reasoning_first=True)
    requests = [
        LLMRequest(f"item-{i}", [{"role": "user", "content": f"Why {i}?"}], answer, max_tokens)
        for i in range(3)
    ]
    return _gateway(tmp_path, fake_llm.NATURAL_MODEL).generate("answers", requests)


def test_an_answer_past_a_guard_is_a_failure_record_and_not_asked_again(tmp_path) -> None:
    guarded = ContractLimits(over_limit="fail", explanation=(10, 100))
    results = _ask(tmp_path, guarded)
    assert [r.record.reason for r in results] == ["over_limit"] * 3
    assert all(r.record.attempts == 1 and r.record.completion_tokens > 0 for r in results)
    assert all("over the limit of 100" in r.record.error for r in results)


def test_a_compact_limit_is_asked_again_with_the_error(tmp_path) -> None:
    constrained = ContractLimits(explanation=(10, 100))
    results = _ask(tmp_path / "reask", constrained)
    assert all(r.record.attempts == 3 and r.record.reason == "schema" for r in results)


def test_an_answer_cut_at_max_tokens_is_a_failure_record_with_that_reason(tmp_path) -> None:
    results = _ask(tmp_path, ContractLimits(over_limit="fail"), max_tokens=40)
    assert [r.record.reason for r in results] == ["max_tokens"] * 3
    assert all(r.record.attempts == 1 and r.record.completion_tokens > 0 for r in results)


def test_max_tokens_stay_within_the_models_own_cap(tmp_path) -> None:
    """gpt-4o-mini writes at most 16,384 tokens an answer: asking for more is refused."""
    llm = _gateway(tmp_path, "openai/gpt-4o-mini")
    request = LLMRequest("x", [], contracts().teacher_answer, 100_000)
    assert llm._params(request)["max_tokens"] == 16_384
    assert llm._params(LLMRequest("y", [], contracts().teacher_answer, 300))["max_tokens"] == 300
