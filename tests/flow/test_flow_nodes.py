"""Node-level tests of the flow's LLM stages, with the fake teacher."""

import json

import pandas as pd
import pytest

from agentinstruct.flow.answers import answer_instructions
from agentinstruct.flow.instructions import generate_seed_instructions
from agentinstruct.flow.plan import plan_run
from agentinstruct.flow.refinement import refine_instructions
from agentinstruct.flow.skill_dataset import SkillDataset
from agentinstruct.flow.transformation import transform_passages
from agentinstruct.gateway import GatewayConfig, LLMGateway
from agentinstruct.params import FlowParams
from agentinstruct.skill import Skill
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL

TEXT = "Honeybees dance to tell their sisters where flowers are. " * 4


@pytest.fixture(scope="module")
def skill() -> Skill:
    skills = PROJECT_ROOT / "conf/base/skills"
    return SkillDataset(str(skills / "reading_comprehension"), str(skills / "_shared")).load()


@pytest.fixture
def llm(tmp_path, fake_teacher) -> LLMGateway:
    return LLMGateway(GatewayConfig(model=MODEL, cache_path=str(tmp_path / "c.db"), progress=False))


@pytest.fixture
def chunks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chunk_id": [f"{i:016x}" for i in range(6)],
            "doc_id": [f"{i + 100:016x}" for i in range(6)],
            "source_path": [f"doc{i}.txt" for i in range(6)],
            "source_format": ["text"] * 6,
            "title": [None] * 6,
            "chunk_index": [0] * 6,
            "text": [f"{TEXT} Chunk {i}." for i in range(6)],
        }
    )


def _only(agent: str, skill: Skill) -> dict[str, float]:
    return {name: float(name == agent) for name in skill.transformation_agents}


def test_agent_draws_are_seeded_and_respect_weights(chunks, skill) -> None:
    params = FlowParams.model_validate({"transformation": {"agents_per_chunk": 3}})
    plan = plan_run(chunks, skill, params)
    assert plan.equals(plan_run(chunks, skill, params))
    for chunk_id in chunks["chunk_id"]:
        agents = set(plan[plan["chunk_id"] == chunk_id]["transformation_agent"])
        assert len(agents) == 3
    only_poems = FlowParams.model_validate(
        {"transformation": {"agent_weights": _only("poem", skill)}}
    )
    assert set(plan_run(chunks, skill, only_poems)["transformation_agent"]) == {"poem"}


def test_identity_agent_makes_no_llm_call(chunks, skill, llm, fake_teacher) -> None:
    params = FlowParams.model_validate(
        {"transformation": {"agent_weights": _only("identity", skill)}}
    )
    plan = plan_run(chunks, skill, params)
    passages, calls = transform_passages(chunks, plan, skill, params, llm)
    assert fake_teacher.calls == 0 and calls.empty
    assert passages["passage"].tolist() == chunks["text"].tolist()


def test_seed_types_suit_the_passage_agent(chunks, skill, llm) -> None:
    params = FlowParams.model_validate(
        {
            "transformation": {"agent_weights": _only("poem", skill)},
            "instructions": {"types_per_passage": 3},
        }
    )
    plan = plan_run(chunks, skill, params)
    passages, _ = transform_passages(chunks, plan, skill, params, llm)
    seeds, calls = generate_seed_instructions(passages, plan, skill, params, llm)
    assert len(seeds) == len(passages) * 3 == len(calls)
    assert set(seeds["question_type"]) <= set(skill.question_types_for("poem"))
    for row in seeds.itertuples():
        expected = skill.question_types[row.question_type].answer_format
        assert row.answer_format == expected
        options = json.loads(row.options)
        assert len(options) == (4 if expected == "multiple_choice" else 0)


def test_refinement_rounds_chain_to_their_parents(chunks, skill, llm) -> None:
    params = FlowParams.model_validate(
        {"instructions": {"types_per_passage": 1}, "refinement": {"rounds": 2}}
    )
    plan = plan_run(chunks, skill, params)
    passages, _ = transform_passages(chunks, plan, skill, params, llm)
    seeds, _ = generate_seed_instructions(passages, plan, skill, params, llm)
    refined, calls = refine_instructions(seeds, skill, params, llm)

    first = refined[refined["refinement_round"] == 1]
    second = refined[refined["refinement_round"] == 2]
    assert len(first) == len(second) == len(seeds)
    assert set(first["parent_id"]) == set(seeds["instruction_id"])
    assert set(second["parent_id"]) == set(first["instruction_id"])
    assert set(calls["stage"]) == {"refinement.suggest", "refinement.edit"}
    assert len(calls) == 2 * 2 * len(seeds)
    unanswerable = refined[refined["refinement_goal"] == "unanswerable"]
    goal = skill.refinement_goals["unanswerable"]
    assert (unanswerable["reference_answer"] == goal.reference_answer).all()
    assert refined["suggestions"].map(json.loads).map(len).min() >= 1
    parents = pd.concat([seeds, first]).set_index("instruction_id")["passage"]
    for row in refined.itertuples():  # a goal that keeps the passage leaves it as it was
        kept = skill.refinement_goals[row.refinement_goal].keeps_passage
        assert (row.passage == parents[row.parent_id]) == kept, row.refinement_goal


def test_answers_cover_seeds_and_refined_tasks(chunks, skill, llm) -> None:
    params = FlowParams.model_validate({"instructions": {"types_per_passage": 1}})
    plan = plan_run(chunks, skill, params)
    passages, _ = transform_passages(chunks, plan, skill, params, llm)
    seeds, _ = generate_seed_instructions(passages, plan, skill, params, llm)
    refined, _ = refine_instructions(seeds, skill, params, llm)
    answered, calls = answer_instructions(seeds, refined, skill, params, llm)

    assert len(answered) == len(seeds) + len(refined) == len(calls)
    assert set(answered["model"]) == {MODEL}
    for row in answered.itertuples():
        assert row.passage in row.task and row.question in row.task
        assert row.response.strip()
