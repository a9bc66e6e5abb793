"""A skill's templates are rendered on what their stages pass when the skill loads: a typo is
an error naming the skill, the file and the variable, before any LLM call."""

import shutil
from pathlib import Path

import pytest
from kedro.io import DatasetError

from agentinstruct.flow.skill_dataset import SkillDataset
from agentinstruct.flow.template_check import (
    SAMPLE_PARAMS,
    TemplateCheckError,
    check_templates,
    renders,
)
from agentinstruct.skill import file_name
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL
from tests.kedro_runs import run_pipeline

SKILLS = PROJECT_ROOT / "conf/base/skills"
SHARED = SKILLS / "_shared"


def _skill_with(tmp_path: Path, template: str, edit, skill: str = "reading_comprehension"):
    """The skill folder copied to tmp, one of its templates (its own, else the shared one
    copied in) edited; loaded as a run loads it."""
    folder = tmp_path / skill
    shutil.copytree(SKILLS / skill, folder)
    path = folder / "prompts" / file_name(template)
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        shutil.copy(SHARED / "prompts" / file_name(template), path)
    path.write_text(edit(path.read_text()))
    return SkillDataset(str(folder), str(SHARED)).load()


def _problems(tmp_path: Path, template: str, edit, skill: str = "reading_comprehension"):
    """The check's message: raised as the skill loads (Kedro wraps it), or by the check."""
    with pytest.raises((TemplateCheckError, DatasetError)) as raised:
        check_templates(_skill_with(tmp_path, template, edit, skill))
    message = str(raised.value)
    assert f"skill {skill!r}: prompt templates fail" in message, message
    return message


@pytest.mark.parametrize(("line", "style"), [(2, "full prompts"), (6, "compact prompts")])
def test_taks_in_the_answer_template_fails_naming_the_file_and_the_variable(tmp_path, line, style):
    # reading_comprehension's own answer.j2 has `{{ task }}` on line 2 (full) and 6 (compact)
    def typo(text: str) -> str:
        lines = text.splitlines()
        assert lines[line - 1] == "{{ task }}"
        lines[line - 1] = "{{ taks }}"
        return "\n".join(lines)

    message = _problems(tmp_path, "answer", typo)
    assert f"answer.j2, line {line}: 'taks' is undefined (answers, {style}" in message


def test_a_typo_in_an_included_template_names_that_file(tmp_path):
    message = _problems(tmp_path, "_items", lambda text: text.replace("{{ count }}", "{{ cout }}"))
    assert "_items.j2, line 3: 'cout' is undefined (seed_instructions, full prompts" in message


def test_a_typo_in_the_system_message_of_the_full_style_is_found(tmp_path):
    message = _problems(
        tmp_path, "system", lambda text: text.replace("agent.instruction", "agent.instructions")
    )
    assert "system.j2, line" in message
    assert "has no attribute 'instructions' (transformation, full prompts" in message


def test_a_wrong_attribute_names_it(tmp_path):
    message = _problems(tmp_path, "edit", lambda text: text.replace("goal.editor", "goal.editr"))
    assert "edit.j2, line" in message and "no attribute 'editr'" in message


def test_a_typo_on_a_branch_no_sample_takes_is_found_statically(tmp_path):
    unreachable = "{% if passage | length > 10 ** 9 %}{{ pasage }}{% endif %}"
    message = _problems(tmp_path, "task", lambda text: f"{text}\n{unreachable}")
    assert "task.j2, line" in message
    assert "'pasage' is undefined on a branch: its stages (answers) pass only" in message
    assert "passage, prompts, question" in message


def test_an_include_of_a_missing_template_is_named(tmp_path):
    message = _problems(
        tmp_path, "seed_instruction", lambda text: text.replace("_items.j2", "_itemz.j2")
    )
    assert "seed_instruction.j2, line" in message
    assert "includes '_itemz.j2', which the skill does not have" in message


def test_the_tool_steps_are_checked_in_a_tool_skill(tmp_path):
    message = _problems(
        tmp_path, "tool_result", lambda text: text.replace("api.name", "api.nme"), "tool_use"
    )
    assert "tool_result.j2, line 2: " in message and "'nme'" in message


def test_a_syntax_error_names_the_skill_and_the_file_at_load(tmp_path):
    with pytest.raises(DatasetError) as raised:
        _skill_with(tmp_path, "answer", lambda text: text.replace("{{ task }}", "{{ task }", 1))
    assert "skill 'reading_comprehension': prompt answer.j2, line 2:" in str(raised.value)


def test_every_template_a_flow_renders_is_checked_in_both_styles():
    styles = {params.prompts.style for params in SAMPLE_PARAMS.values()}
    judge_styles = {params.curation.judge.prompts.style for params in SAMPLE_PARAMS.values()}
    assert styles == judge_styles == {"compact", "full"}
    checked = {
        render.template
        for skill in ("reading_comprehension", "conversation", "tool_use")
        for params in SAMPLE_PARAMS.values()
        for render in renders(SkillDataset(str(SKILLS / skill), str(SHARED)).load(), params)
        if render.runs
    }
    shared = {path.stem for path in (SHARED / "prompts").glob("*.j2")}
    assert shared - checked == {"system", "_items"}  # rendered by the others: messages, include


def test_a_typo_stops_the_run_before_any_llm_call(project, fake_teacher):
    # in the full style's branch, which a compact run would never render: found all the same
    answer = project / "conf/base/skills/reading_comprehension/prompts/answer.j2"
    answer.write_text(answer.read_text().replace("{{ task }}", "{{ taks }}", 1))
    with pytest.raises(DatasetError, match=r"answer\.j2, line 2: 'taks' is undefined"):
        run_pipeline(project, teacher_model=MODEL)
    assert fake_teacher.calls == 0
