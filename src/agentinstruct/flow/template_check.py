"""Every prompt template of a skill rendered on samples before the first LLM call.

A template is Jinja with undefined variables as errors, so a typo (`{{ taks }}`) otherwise
shows only when its stage renders it: the answers template after every paid call of the stages
before it. This check renders each template once per branch the skill's data picks (each
agent, question type, goal, answer format) in both prompt styles, with contexts made by the
stages' own builders (`transform_context`, `seed_context`, ...), so it checks what a run
passes, not a copy of it. A static pass then finds a name on a branch no sample took. Every
problem names the skill, the file, the line and the variable; the check costs no call.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterator
from functools import cache, partial
from types import SimpleNamespace
from typing import Any, NamedTuple

from jinja2 import Environment, TemplateNotFound, meta, nodes

from agentinstruct.flow.conversation import (
    answer_context,
    answer_model,
    follow_up_context,
    response_context,
    user_turn,
)
from agentinstruct.flow.instructions import (
    Task,
    instruction_row,
    question_context,
    seed_context,
    task_context,
    task_text,
)
from agentinstruct.flow.refinement import edit_context, suggest_context
from agentinstruct.flow.tool_calls import (
    ToolUse,
    assistant_turn,
    tool_answer_context,
    tool_result_context,
    user_reply_context,
)
from agentinstruct.flow.transformation import PROVENANCE, transform_context
from agentinstruct.params import FlowParams
from agentinstruct.schemas.tools import api_library_model, tool_decision_model
from agentinstruct.skill import QuestionType, Skill, file_name

_FULL = {"prompts": {"style": "full"}, "curation": {"judge": {"prompts": {"style": "full"}}}}
# The shapes that change what a template renders: the prompt style, one task or a list (and
# true/false pairs) per seed call, the answer then its explanation or the reasoning first.
SAMPLE_PARAMS = {
    "compact prompts": FlowParams(),
    "full prompts, one task a call": FlowParams.model_validate(_FULL),
    "full prompts, lists and reasoning first": FlowParams.model_validate(
        {
            **_FULL,
            "instructions": {"questions_per_type": 2, "true_false_pairs": True},
            "answers": {"reasoning_first": True},
        }
    ),
}
TEXT = "The city library opens at nine and closes at five; on Sundays it opens at noon."
QUESTION = "When does the library open on Sundays?"
OPTIONS = ("At nine", "At noon", "At five", "It stays closed")
SUGGESTIONS = (["Ask about two days at once."], ["Ask about two days.", "Add a distractor."])
LIBRARY = {
    "apis": [
        {
            "name": "opening_hours",
            "description": "Returns a library's opening hours for one day.",
            "parameters": [
                {"name": "day", "type": "string", "description": "A weekday.", "required": True}
            ],
        },
        {
            "name": "list_events",
            "description": "Lists the events of a library in one month.",
            "parameters": [
                {"name": "month", "type": "integer", "description": "1 to 12.", "required": True}
            ],
        },
    ]
}
CALL = {"name": "opening_hours", "arguments": {"day": "Sunday"}}
# Rendered through `Skill.messages`: `system.j2` first, with `stage` and `skill` added.
_WITH_SYSTEM = {
    "transform",
    "seed_instruction",
    "suggest",
    "edit",
    "follow_up",
    "user_reply",
    "tool_result",
}
_PARSER = Environment()


class TemplateCheckError(ValueError):
    """A skill whose templates do not render on what their stages pass."""


class Render(NamedTuple):
    """One template as a stage renders it: `build` makes the stage's context (it may render
    other templates: a task's question); `runs` is false where the skill's data never takes
    the stage (an identity agent, tool steps of a text skill), which then only says which
    names the template may use."""

    template: str
    stage: str
    build: Callable[[], dict[str, Any]]
    runs: bool = True


def check_templates(skill: Skill) -> None:
    """Raise `TemplateCheckError` listing every problem of the skill's templates, if any."""
    problems = template_problems(skill)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise TemplateCheckError(
            f"skill {skill.name!r}: prompt templates fail on what their stages pass (found"
            f" before any LLM call):\n{listed}"
        )


def template_problems(skill: Skill) -> list[str]:
    """`<file>, line <n>: <error> (<stage>, <sample>)`, one per file and line."""
    problems: dict[tuple[str, int], str] = {}
    passed: dict[str, set[str]] = {}
    stages: dict[str, set[str]] = {}
    blind: set[str] = set()  # templates whose context failed to build: names unknown
    for sample, params in SAMPLE_PARAMS.items():
        for render in renders(skill, params):
            context = _render(skill, render, f"{render.stage}, {sample}", problems)
            for name, keys in _passed(render.template, context).items():
                if keys is None:
                    blind.add(name)
                    continue
                passed.setdefault(name, set()).update(keys)
                stages.setdefault(name, set()).add(render.stage)
    for name in blind:
        passed.pop(name, None)
    for where, problem in _undeclared(skill, passed, stages).items():
        problems.setdefault(where, problem)  # a render's error of that line stands
    return [f"{file}, line {line}: {problem}" for (file, line), problem in sorted(problems.items())]


def renders(skill: Skill, params: FlowParams) -> Iterator[Render]:
    """Every template a run of the skill renders, with its stage's context, once per branch
    that the skill's agents, question types, goals and answer formats choose."""
    for agent in skill.transformation_agents.values():
        build = partial(transform_context, agent, TEXT, params)
        yield Render("transform", "transformation", build, runs=agent.llm)
    passage = json.dumps(LIBRARY) if skill.output_format == "tool_calls" else TEXT
    for question_type in skill.question_types.values():
        build = partial(seed_context, passage, question_type, params)
        yield Render("seed_instruction", "seed_instructions", build)
    formats = {spec.answer_format: spec for spec in skill.question_types.values()}
    for question_type in formats.values():
        parent = _instruction(question_type, passage)
        yield Render("question", "answers", partial(question_context, parent))
        yield Render("task", "answers", partial(task_context, skill, parent))
        for goal in skill.refinement_goals.values():
            build = partial(suggest_context, skill, parent, goal, params)
            yield Render("suggest", "refinement.suggest", build)
            for suggestions in SUGGESTIONS:
                build = partial(edit_context, skill, parent, goal, suggestions, params)
                yield Render("edit", "refinement.edit", build)
        yield from _answer_steps(skill, parent, params)
    build = partial(response_context, _sample(answer_model(params)), "essay")
    yield Render("response", "answers.follow_up", build, runs=skill.output_format == "multi_turn")


def _answer_steps(skill: Skill, parent: Any, params: FlowParams) -> Iterator[Render]:
    """The teacher's prompt and turn, the steps the skill's output format adds, the judge's
    prompt."""
    answer = _sample(answer_model(params))
    chat = [user_turn(TEXT), {"role": "assistant", "content": answer.answer}]
    yield Render(
        "answer",
        "answers",
        lambda: answer_context(task_text(skill, parent), parent.answer_format, params),
    )
    yield Render("response", "answers", partial(response_context, answer, parent.answer_format))
    multi_turn = skill.output_format == "multi_turn"
    build = partial(follow_up_context, chat, params)
    yield Render("follow_up", "answers.follow_up_question", build, runs=multi_turn)
    yield from _tool_steps(parent, params, runs=skill.output_format == "tool_calls")
    for reference in (None, parent.reference_answer):
        # curation/judge.py renders the judge's prompt inline: keep these keys in step with it
        judge = {
            "turns": chat,
            "reference_answer": reference,
            "prompts": params.curation.judge.prompts,
        }
        yield Render("judge", "judge", partial(dict, judge))


def _tool_steps(parent: Any, params: FlowParams, runs: bool) -> Iterator[Render]:
    """The tool-use steps' templates, on a sample library, decision and call."""
    library = api_library_model(params.limits).model_validate(LIBRARY)
    decision = tool_decision_model(library, params.limits)
    asked = decision.model_validate(
        {"action": "ask_for_missing", "calls": [], "message": "Which day do you mean?"}
    )
    call = decision.model_validate(
        {"action": "call", "calls": [CALL], "message": "Looking."}
    ).calls[0]
    use = ToolUse(parent, TEXT, library, decision=asked)
    use.exchange = [assistant_turn(asked.message), user_turn("Sunday, please.")]
    arguments = json.dumps(CALL["arguments"])
    use.results = [{"id": "1", "name": call.name, "arguments": arguments, "result": "12:00"}]
    build = partial(user_reply_context, use, params)
    yield Render("user_reply", "answers.user_reply", build, runs=runs)
    build = partial(tool_result_context, library.apis[0], call, params)
    yield Render("tool_result", "answers.tool_result", build, runs=runs)
    build = partial(tool_answer_context, use, params)
    yield Render("tool_answer", "answers.tool_answer", build, runs=runs)


def _instruction(question_type: QuestionType, passage: str) -> Any:
    """An instruction row of the type, as the stages read one (`InstructionSchema`)."""
    source = SimpleNamespace(
        **dict.fromkeys(PROVENANCE, "sample"), passage_id="sample", transformation_agent="sample"
    )
    options = OPTIONS if question_type.answer_format == "multiple_choice" else ()
    row = instruction_row(
        source,
        instruction_id="sample",
        question_type=question_type.name,
        answer_format=question_type.answer_format,
        task=Task(QUESTION, "B", options),
        passage=passage,
    )
    return SimpleNamespace(**row)


def _sample(model: type) -> Any:
    """An instance of a response model with every field set, unvalidated."""
    return model.model_construct(**dict.fromkeys(model.model_fields, "sample answer"))


def _passed(template: str, context: dict[str, Any] | None) -> dict[str, set[str] | None]:
    """The names each template of a render gets (`Skill.render` adds `prompts`); None where
    the context failed to build."""
    keys = None if context is None else {"prompts", *context}
    if template not in _WITH_SYSTEM:
        return {template: keys}
    return {template: keys, "system": None if keys is None else keys | {"stage", "skill"}}


def _render(skill: Skill, render: Render, label: str, problems: dict) -> dict[str, Any] | None:
    """The render's context, and the template rendered as its stage does (where it runs); an
    error is noted at the innermost template line it came from."""
    try:
        context = render.build()
    except Exception as error:  # a template the builder renders failed (the task's question)
        _note(skill, error, label, problems)
        return None
    try:
        if render.runs and render.template in _WITH_SYSTEM:
            skill.messages(render.template, **context)
        elif render.runs:
            skill.render(render.template, **context)
    except Exception as error:  # any error a template raises (a bad filter, an index) counts
        _note(skill, error, label, problems)
    return context


def _note(skill: Skill, error: Exception, label: str, problems: dict) -> None:
    """Note an error at its innermost template line (an included template's, where it failed
    there); an error of no template is the check's own, raised."""
    files = {file_name(name) for name in skill.prompts}
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in files]
    if not frames:
        raise error
    message = _missing(error.name) if isinstance(error, TemplateNotFound) else str(error)
    problems.setdefault((frames[-1].filename, frames[-1].lineno or 0), f"{message} ({label})")


def _missing(included: object) -> str:
    return f"includes {included!r}, which the skill does not have"


class _Names(NamedTuple):
    free: dict[str, int]  # each name a template uses but does not set, and its first line
    includes: dict[str, int]  # each file it includes (imports, extends) by name, and its line


_REFERENCES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


@cache  # by source: the shared templates are parsed once for every skill and every load
def _names(source: str) -> _Names:
    tree = _PARSER.parse(source)
    free = meta.find_undeclared_variables(tree) - set(_PARSER.globals)
    lines = {
        name: min(node.lineno for node in tree.find_all(nodes.Name) if node.name == name)
        for name in free
    }
    includes = {  # a computed name is known only at run time
        node.template.value: node.lineno
        for node in tree.find_all(_REFERENCES)
        if isinstance(node.template, nodes.Const)
    }
    return _Names(lines, includes)


def _undeclared(
    skill: Skill, passed: dict[str, set[str]], stages: dict[str, set[str]]
) -> dict[tuple[str, int], str]:
    """Names a template uses on any branch that none of its stages pass, and includes of
    templates the skill lacks. An included template gets what its includers get."""
    names = {name: _names(source) for name, source in skill.prompts.items()}
    files = {file_name(name) for name in names}
    problems: dict[tuple[str, int], str] = {}
    for _ in names:  # an include of an include gets the same: one more pass per level
        for name in [name for name in names if name in passed]:
            for stem in (file.removesuffix(".j2") for file in names[name].includes.keys() & files):
                passed.setdefault(stem, set()).update(passed[name])
                stages.setdefault(stem, set()).update(stages[name])
    for name, found in names.items():
        for missing in sorted(found.includes.keys() - files):
            problems[(file_name(name), found.includes[missing])] = _missing(missing)
        if name not in passed:
            continue  # no stage renders it, or its context failed to build
        for variable in sorted(found.free.keys() - passed[name]):
            problems[(file_name(name), found.free[variable])] = (
                f"'{variable}' is undefined on a branch: its stages"
                f" ({', '.join(sorted(stages[name]))}) pass only {', '.join(sorted(passed[name]))}"
            )
    return problems
