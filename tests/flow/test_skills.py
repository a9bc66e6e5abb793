"""Every skill is a pipeline made from its folder alone, and each one yields validated rows."""

import json
from pathlib import Path

import pytest
import yaml

from agentinstruct.flow.skill_dataset import SkillDataset
from agentinstruct.flow.template_check import template_problems
from agentinstruct.pipeline_registry import ALL_SKILLS, DEFAULT_SKILL, register_pipelines
from agentinstruct.schemas.frames import PairSchema
from agentinstruct.skill_folders import skill_names
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL
from tests.kedro_runs import PROVENANCE, latest_pairs, latest_report, run_pipeline

SKILLS = skill_names(PROJECT_ROOT)


def _load_skill(name: str, root: Path = PROJECT_ROOT):
    folder = root / "conf/base/skills"
    return SkillDataset(str(folder / name), str(folder / "_shared")).load()


def test_one_pipeline_per_skill_folder_and_one_for_all(monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    pipelines = register_pipelines()
    assert len(SKILLS) >= 15
    assert set(pipelines) == {*SKILLS, ALL_SKILLS, "__default__", "curation", "evaluate"}
    assert pipelines["__default__"] is pipelines[DEFAULT_SKILL]  # the main job, not all 17
    outputs = pipelines[ALL_SKILLS].all_outputs()
    assert {f"{skill}.generated_pairs" for skill in SKILLS} <= outputs


@pytest.mark.parametrize("skill", SKILLS)
def test_each_skill_has_a_taxonomy_and_sample_seeds(skill):
    spec = _load_skill(skill)
    assert len(spec.question_types) >= 5
    assert spec.refinement_goals
    assert list((PROJECT_ROOT / "data/01_raw" / skill).glob("*.*")), "no sample seed"
    reachable = {
        name for agent in spec.transformation_agents for name in spec.question_types_for(agent)
    }
    assert reachable == set(spec.question_types)


@pytest.mark.parametrize("skill", SKILLS)
def test_the_editor_asks_for_a_passage_only_when_the_goal_rewrites_it(skill):
    loaded = _load_skill(skill)
    for goal in loaded.refinement_goals.values():
        prompt = loaded.render(
            "edit",
            passage="PASSAGE",
            question="QUESTION",
            suggestions=["Make it harder."],
            goal=goal,
            answer_format="short_answer",
        )
        asks_for_passage = "Return the passage" in prompt or "Return the text" in prompt
        assert asks_for_passage != goal.keeps_passage, (skill, goal.name)


def test_harder_choices_keeps_the_reading_comprehension_passage():
    assert _load_skill("reading_comprehension").refinement_goals["harder_choices"].keeps_passage


def test_reading_comprehension_has_the_43_question_types_and_text_modification_the_18():
    assert len(_load_skill("reading_comprehension").question_types) == 43
    assert len(_load_skill("text_modification").question_types) == 18


@pytest.mark.slow
def test_all_skills_run_on_the_samples_and_give_validated_rows(all_skills_project, fake_teacher):
    run_pipeline(all_skills_project, ALL_SKILLS, teacher_model=MODEL)
    for skill in SKILLS:
        pairs = PairSchema.validate(latest_pairs(all_skills_project, skill))
        assert len(pairs) > 0, skill
        assert set(pairs["skill"]) == {skill}
        assert pairs[PROVENANCE].notna().all().all(), skill
        assert set(pairs["question_type"]) <= set(_load_skill(skill).question_types)
        report = latest_report(all_skills_project, skill)
        assert report["inputs"]["quarantined"] == 0, skill
    chats = latest_pairs(all_skills_project, "conversation")["messages"].map(json.loads)
    assert (chats.map(len) == 5).all()  # system, then user/assistant twice (1 follow-up)
    tool_pairs = latest_pairs(all_skills_project, "tool_use")
    calls = [
        (turn, json.loads(tools))
        for messages, tools in zip(tool_pairs["messages"], tool_pairs["tools"], strict=True)
        for turn in json.loads(messages)
        if turn.get("tool_calls")
    ]
    assert calls, "no pair of the tool_use sample calls a tool"
    for turn, tools in calls:
        offered = {tool["function"]["name"]: tool["function"]["parameters"] for tool in tools}
        for call in turn["tool_calls"]:
            parameters = offered[call["function"]["name"]]
            arguments = json.loads(call["function"]["arguments"])
            assert set(parameters["required"]) <= set(arguments) <= set(parameters["properties"])


TOY_SKILL = {
    "name": "toy",
    "description": "Questions about animals, defined by files alone.",
    "system_prompt": "You write quiz questions. Reply only with the JSON asked for.",
    "answer_system_prompt": "Answer the question.",
    "transformation_agents": {"identity": {"llm": False, "instruction": "Keep the text."}},
    "question_types": {
        "colour": {
            "definition": "Ask for the colour of an animal.",
            "answer_format": "short_answer",
        },
        "size": {"definition": "Ask which animal is bigger.", "answer_format": "multiple_choice"},
    },
    "refinement_goals": {
        "harder": {"suggester": "Suggest a harder variant.", "editor": "Make it harder."}
    },
}


@pytest.mark.slow
def test_a_new_skill_needs_only_config_prompts_and_seeds(project, fake_teacher):
    folder = project / "conf/base/skills/toy"
    (folder / "prompts").mkdir(parents=True)
    (folder / "skill.yml").write_text(yaml.safe_dump(TOY_SKILL))
    (folder / "parameters.yml").write_text(yaml.safe_dump({"toy": {"seed": 1}}))
    (folder / "prompts/task.j2").write_text("Quiz time!\n{{ passage }}\n\n{{ question }}")
    raw = project / "data/01_raw/toy"
    raw.mkdir(parents=True)
    (raw / "zebra.txt").write_text("Zebras are black and white. They are smaller than elephants.")

    run_pipeline(project, "toy", teacher_model=MODEL)

    pairs = PairSchema.validate(latest_pairs(project, "toy"))
    assert len(pairs) == 2 * 2  # 2 types per passage (the default), each with a refined variant
    assert set(pairs["skill"]) == {"toy"}
    assert set(pairs["question_type"]) == {"colour", "size"}
    assert pairs["messages"].str.contains("Quiz time!").all()  # the skill's own template
    assert (project / "data/02_intermediate/toy/partitions/whole/documents.parquet").exists()


@pytest.mark.parametrize("skill", SKILLS)
def test_each_skill_templates_render_on_what_their_stages_pass(skill):
    # both prompt styles, every agent, question type, goal and answer format (template_check.py)
    assert template_problems(_load_skill(skill)) == []
