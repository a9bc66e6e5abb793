"""The run plan: what a run will make, decided before the first LLM call."""

import re
import time
from collections import Counter

import pandas as pd
import pytest

from agentinstruct.flow.plan import (
    PlanTooLarge,
    pairs_per_seed_instruction,
    plan_run,
    planned_requests,
    projected_requests,
)
from agentinstruct.flow.skill_dataset import SkillDataset
from agentinstruct.params import FlowParams
from agentinstruct.skill import Skill
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL
from tests.kedro_runs import SKILL, latest_report, run_pipeline


@pytest.fixture(scope="module")
def skill() -> Skill:
    skills = PROJECT_ROOT / "conf/base/skills"
    return SkillDataset(str(skills / "reading_comprehension"), str(skills / "_shared")).load()


def _chunks(documents: int, per_document: int) -> pd.DataFrame:
    rows = [
        {
            "chunk_id": f"{d * 1000 + c:016x}",
            "doc_id": f"{d + 7_000_000:016x}",
            "source_path": f"doc{d}.md",
            "source_format": "text",
            "title": None,
            "chunk_index": c,
            "text": f"Document {d}, chunk {c}.",
        }
        for d in range(documents)
        for c in range(per_document)
    ]
    return pd.DataFrame(rows)


def _params(**plan: object) -> FlowParams:
    return FlowParams.model_validate({"plan": plan})


def test_without_a_target_every_chunk_is_planned_with_drawn_types(skill) -> None:
    chunks = _chunks(3, 4)
    plan = plan_run(chunks, skill, FlowParams())
    assert set(plan["chunk_id"]) == set(chunks["chunk_id"])
    per_passage = plan.groupby("passage_id")["question_type"].agg(list)
    assert (per_passage.map(len) == 2).all() and per_passage.map(lambda t: len(set(t)) == 2).all()
    for row in plan.itertuples():
        assert row.question_type in skill.question_types_for(row.transformation_agent)
    assert (plan["pairs"] == 2).all()  # the seed and its one refined variant
    # a document added later leaves the draws of the others as they were
    more = plan_run(pd.concat([chunks, _chunks(5, 4).iloc[12:]]), skill, FlowParams())
    assert plan.merge(more, how="left", indicator=True)["_merge"].eq("both").all()


@pytest.mark.parametrize("target", [1, 7, 40, 41, 300])
def test_a_target_is_met_within_one_seed_instruction(skill, target) -> None:
    params = _params(target_pairs=target)
    plan = plan_run(_chunks(30, 10), skill, params)
    per_seed = pairs_per_seed_instruction(params, skill, "short_answer")
    assert abs(plan["pairs"].sum() - target) <= per_seed / 2 + 1e-9 or target < per_seed
    assert plan["pairs"].sum() == len(plan) * per_seed
    assert plan.equals(plan_run(_chunks(30, 10), skill, params))


def test_chunks_are_spread_across_documents_and_capped(skill) -> None:
    chunks = _chunks(8, 20)
    spread = plan_run(chunks, skill, _params(target_pairs=64))  # 32 seeds, 16 passages
    per_doc = spread.groupby("doc_id")["chunk_id"].nunique()
    assert len(per_doc) == 8 and per_doc.max() - per_doc.min() <= 1
    capped = plan_run(chunks, skill, _params(target_pairs=1000, max_chunks_per_document=3))
    assert capped.groupby("doc_id")["chunk_id"].nunique().max() == 3
    assert capped["chunk_id"].nunique() == 24  # the corpus allows no more


def test_question_types_are_as_even_as_the_agents_allow(skill) -> None:
    plan = plan_run(_chunks(40, 10), skill, _params(target_pairs=800))  # 400 seed instructions
    counts = Counter(plan["question_type"])
    agents = set(plan["transformation_agent"])
    suits_every_agent = [
        name
        for name in skill.question_types
        if all(name in skill.question_types_for(agent) for agent in agents)
    ]
    assert len(suits_every_agent) >= 10
    every = [counts[name] for name in suits_every_agent]
    assert max(every) - min(every) <= 1
    assert max(counts.values()) - min(every) <= 1  # no type runs ahead of the common ones
    for row in plan.itertuples():
        assert row.question_type in skill.question_types_for(row.transformation_agent)


def test_type_weights_set_the_shares(skill) -> None:
    names = list(skill.question_types)
    weights = {name: 0.0 for name in names}
    weights |= {"literal_comprehension": 2.0, "critical_comprehension": 1.0}
    params = FlowParams.model_validate(
        {
            "plan": {"target_pairs": 120},
            "instructions": {"type_weights": weights, "types_per_passage": 1},
        }
    )
    counts = Counter(plan_run(_chunks(20, 10), skill, params)["question_type"])
    assert counts == {"literal_comprehension": 40, "critical_comprehension": 20}


def test_a_huge_one_line_file_stops_before_any_call_saying_how_to_go_on(
    project, fake_teacher, caplog
) -> None:
    """50 MB of text without a line break (or a sentence end) is planned in seconds, and its
    plan, far past `max_requests_without_confirmation`, stops the run before the first call."""
    raw = project / "data" / "01_raw" / SKILL
    raw.joinpath("dump.txt").write_text(("lorem ipsum dolor sit amet " * 1_900_000)[:50_000_000])
    started = time.perf_counter()
    with pytest.raises(PlanTooLarge) as stopped:
        run_pipeline(project, teacher_model=MODEL)
    assert fake_teacher.calls == 0
    assert "dump.txt: 50,000,000 characters, more than ingestion.warn_document_chars" in caplog.text
    message = str(stopped.value)
    assert "the largest document, dump.txt, has 50,000,000 characters" in message
    assert "No call was made" in message
    assert f"--params={SKILL}.plan.max_requests_without_confirmation=" in message
    projected = int(re.search(r"makes about ([\d,]+) LLM requests", message)[1].replace(",", ""))
    assert projected > 50_000
    assert time.perf_counter() - started < 120


@pytest.mark.slow
def test_planned_and_projected_requests_are_close_to_what_a_run_makes(
    project, fake_teacher, skill
) -> None:
    """The plan's count (a partition's) and the corpus's projection from document sizes alone
    (what the guard reads before any partition runs) are both near the requests made."""
    run_pipeline(project, teacher_model=MODEL)
    intermediate = project / "data" / "02_intermediate" / SKILL / "partitions"
    plan = pd.concat(pd.read_parquet(path) for path in intermediate.glob("*/run_plan.parquet"))
    documents = pd.concat(
        pd.read_parquet(path) for path in intermediate.glob("*/documents.parquet")
    )
    made = latest_report(project)["llm"]["total"]["requests"]
    assert 0.75 * made <= planned_requests(plan) <= 1.35 * made
    params = FlowParams.model_validate({"plan": {"target_pairs": None}})
    projected = projected_requests(documents, skill, params)
    assert projected["chunks"] == len(plan["chunk_id"].unique())
    assert 0.75 * made <= projected["requests"] <= 1.35 * made
