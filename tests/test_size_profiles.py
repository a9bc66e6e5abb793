"""Size profiles: which one a run gets, what a skill's parameters become, and the judge that
follows the teacher however the teacher was set."""

import logging
from pathlib import Path

import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from agentinstruct.config_loader import (
    STUDENT_GENERATION,
    judge_follows_teacher,
    students_follow_teacher,
)
from agentinstruct.params import CurationParams, FlowParams
from agentinstruct.size_profiles import profile_of, sized_parameters, sized_skill_params
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL
from tests.kedro_runs import SKILL, latest_report, run_pipeline

PROFILES = yaml.safe_load((PROJECT_ROOT / "conf/base/size_profiles.yml").read_text())
EMBEDDED = {"model": "local/smollm2-135m-instruct"}
REMOTE = {"model": "openai/gpt-4o-mini"}


def test_the_compact_profile_is_what_the_params_default_to() -> None:
    """The class defaults and the profile the embedded model runs with cannot drift apart."""
    compact = FlowParams.model_validate(sized_skill_params({}, PROFILES, "compact", "compact"))
    assert compact == FlowParams()
    full = FlowParams.model_validate(sized_skill_params({}, PROFILES, "full", "full"))
    assert full.chunking.chunk_chars == 4000
    assert full.limits.over_limit == "fail" and full.limits.passage[1] >= 8000
    assert full.instructions.questions_per_type == 2 and full.refinement.edit_each_suggestion
    assert full.refinement.goals_per_instruction == "all" and full.answers.reasoning_first
    assert full.answers.follow_up_turns >= 2 and full.answers.clarification_turns >= 1


def test_the_teacher_entry_chooses_the_profile_unless_the_run_names_one() -> None:
    assert profile_of(EMBEDDED) == "compact" and profile_of(REMOTE) == "full"
    assert profile_of({**REMOTE, "size_profile": "compact"}) == "compact"
    skills = [SKILL]
    by_teacher = sized_parameters({}, PROFILES, skills, REMOTE, REMOTE)
    assert by_teacher[SKILL]["size_profile"] == "full"
    named = sized_parameters({"size_profile": "compact"}, PROFILES, skills, REMOTE, REMOTE)
    assert named[SKILL]["size_profile"] == "compact"
    with pytest.raises(ValueError, match="known: compact, full"):
        sized_parameters({"size_profile": "huge"}, PROFILES, skills, REMOTE, REMOTE)


def test_the_judge_is_sized_for_its_own_model() -> None:
    """A strong judge of embedded pairs writes rationales of a few sentences; the embedded judge
    of a strong teacher's pairs keeps the short ones its grammar can hold."""
    strong_judge = sized_parameters({}, PROFILES, [SKILL], EMBEDDED, REMOTE)
    params = FlowParams.model_validate(strong_judge[SKILL])
    assert params.size_profile == "compact" and params.chunking.chunk_chars == 1000
    assert params.curation.judge.over_limit == "fail" and params.curation.judge.rationale[1] > 1000
    standalone = CurationParams.model_validate(strong_judge["curation"])
    assert standalone.judge == params.curation.judge
    embedded_judge = sized_parameters({}, PROFILES, [SKILL], REMOTE, EMBEDDED)
    judge = FlowParams.model_validate(embedded_judge[SKILL]).curation.judge
    assert judge.rationale == (10, 200) and judge.max_tokens <= 200


def test_a_skill_value_wins_and_profiles_adjust_one_profile() -> None:
    own = {"instructions": {"types_per_passage": 3}, "profiles": {"full": {"seed": 7}}}
    full = FlowParams.model_validate(sized_skill_params(own, PROFILES, "full", "full"))
    assert full.instructions.types_per_passage == 3 and full.seed == 7
    compact = FlowParams.model_validate(sized_skill_params(own, PROFILES, "compact", "compact"))
    assert compact.instructions.types_per_passage == 3 and compact.seed == 42
    with pytest.raises(ValueError, match="ful"):  # a profile name that does not exist
        sized_skill_params({"profiles": {"ful": {}}}, PROFILES, "full", "full")


def test_several_items_a_call_need_the_prompts_that_ask_for_them() -> None:
    with pytest.raises(ValueError, match=r"prompts\.style: full"):
        FlowParams.model_validate({"instructions": {"questions_per_type": 2}})


def test_the_judge_is_the_teacher_entry_with_its_own_keys_on_top() -> None:
    teacher = {"model": "openai/gpt-4o", "credentials": "openai", "concurrency": 32}
    catalog = {
        "teacher_llm": {**teacher, "size_profile": "full"},
        "judge_llm": {"model": "teacher", "generation": {"temperature": 0.0}, "concurrency": 4},
    }
    judge = judge_follows_teacher(catalog)["judge_llm"]
    assert judge == {**catalog["teacher_llm"], "generation": {"temperature": 0.0}, "concurrency": 4}
    named = {**catalog, "judge_llm": {"model": "anthropic/claude-haiku-4-5"}}
    judge = judge_follows_teacher(named)["judge_llm"]
    # the teacher's settings, not what belongs to the teacher's model
    assert judge == {"model": "anthropic/claude-haiku-4-5", "concurrency": 32}


def test_students_take_the_teacher_s_settings_but_sample_greedily() -> None:
    teacher = {
        "model": "openai/gpt-4o",
        "credentials": "openai",
        "concurrency": 32,
        "generation": {"temperature": 0.7, "top_p": 0.9, "max_tokens": 2048},
    }
    students = {"type": "StudentGatewaysDataset", "models": ["hosted_vllm/a", "hosted_vllm/b"]}
    entry = students_follow_teacher({"teacher_llm": teacher, "student_llms": students})
    assert entry["student_llms"] == {
        **students,
        "concurrency": 32,
        "generation": STUDENT_GENERATION,
    }
    warm = {**students, "generation": {"temperature": 0.8}}
    entry = students_follow_teacher({"teacher_llm": teacher, "student_llms": warm})
    assert entry["student_llms"]["generation"] == {**STUDENT_GENERATION, "temperature": 0.8}


def _context(project: Path, **runtime_params: object):
    bootstrap_project(project)
    session = KedroSession.create(project_path=project, runtime_params=runtime_params)
    return session, session.load_context()


@pytest.mark.slow
def test_a_teacher_set_in_conf_local_alone_is_also_the_judge(project, fake_teacher) -> None:
    """The README's way to a real teacher: override `teacher_llm` in conf/local only. The judge
    follows it (not the embedded 135M model), and the run is sized for it."""
    local = {"teacher_llm": {"type": "agentinstruct.gateway.dataset.LLMGatewayDataset"}}
    local["teacher_llm"] |= {"model": MODEL, "progress": False, "concurrency": 4}
    (project / "conf/local/catalog_llm.yml").write_text(yaml.safe_dump(local))
    session, context = _context(project)
    with session:
        judge = context.catalog.get("judge_llm").config
        assert judge.model == MODEL and judge.concurrency == 4
        assert judge.generation.temperature == 0.0  # its own generation settings
        assert context.catalog.load(f"params:{SKILL}").size_profile == "full"
    raw = project / "data/01_raw" / SKILL
    for path in sorted(raw.iterdir())[1:]:  # one document is enough to see who judges
        path.unlink()

    run_pipeline(project, size_profile="auto")  # the profile the teacher's entry asks for

    report = latest_report(project)
    assert report["llm"]["by_stage"]["judge"]["requests"] > 0
    assert report["models"] == [MODEL] and report["params"]["size_profile"] == "full"


def test_a_remote_teacher_with_the_embedded_judge_is_warned_of(project, caplog) -> None:
    runtime = {"teacher_model": "openai/gpt-4o-mini", "judge_model": "local/smollm2-135m-instruct"}
    with caplog.at_level(logging.WARNING, logger="agentinstruct.config_loader"):
        session, context = _context(project, **runtime)
        with session:
            assert context.catalog.get("judge_llm").config.model == runtime["judge_model"]
    assert any("judged by a 135M model" in record.message for record in caplog.records)


@pytest.mark.slow
def test_a_profile_of_your_own_in_conf_local(project) -> None:
    """conf/local/size_profiles.yml adds a profile and adjusts a key of a shipped one; the rest
    of the shipped profiles stay as they are."""
    local = {
        "medium": {"chunking": {"chunk_chars": 2500}, "prompts": {"style": "full"}},
        "full": {"chunking": {"chunk_chars": 6000}},
    }
    (project / "conf/local/size_profiles.yml").write_text(yaml.safe_dump(local))
    for name, chunk in (("medium", 2500), ("full", 6000)):
        session, context = _context(project, size_profile=name)
        with session:
            params = context.catalog.load(f"params:{SKILL}")
        assert params.size_profile == name and params.chunking.chunk_chars == chunk
    assert params.limits.over_limit == "fail" and params.instructions.questions_per_type == 2
