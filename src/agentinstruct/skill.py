"""A skill as data: agents, taxonomy, refinement goals and prompt templates, read by one engine."""

import hashlib
import json
from collections.abc import Callable
from functools import cached_property
from typing import Literal

from jinja2 import FunctionLoader, StrictUndefined, Template, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentinstruct.params import PromptParams
from agentinstruct.schemas.llm_outputs import AnswerFormat

REQUIRED_PROMPTS = (
    "system",
    "transform",
    "seed_instruction",
    "suggest",
    "edit",
    "question",
    "task",
    "answer",
    "response",
    "judge",
)
PROMPTS_OF_FORMAT = {
    "single_turn": (),
    "multi_turn": ("follow_up",),
    "tool_calls": ("tool_result", "tool_answer", "user_reply"),
}
COMPACT = PromptParams()
_RULES = {"undefined": StrictUndefined, "keep_trailing_newline": False}
_JINJA = SandboxedEnvironment(**_RULES)


def template(source: str) -> Template:
    """A prompt template with the same (sandboxed, strict) rules as a skill's."""
    return _JINJA.from_string(source)


def file_name(prompt: str) -> str:
    """A template's file name: how errors about it name it."""
    return f"{prompt}.j2"


def templates(prompts: dict[str, str]) -> dict[str, Template]:
    """A skill's templates by name; each may `{% include "<name>.j2" %}` another of them
    (shared parts start with `_`). Each is compiled under its file name, so an error while
    rendering one (an undefined variable) has it in its traceback."""
    sources = {file_name(name): source for name, source in prompts.items()}

    def load(name: str) -> tuple[str, str, Callable[[], bool]] | None:
        return (sources[name], name, lambda: True) if name in sources else None

    environment = SandboxedEnvironment(loader=FunctionLoader(load), **_RULES)
    compiled = {}
    for name in prompts:
        try:
            compiled[name] = environment.get_template(file_name(name))
        except TemplateSyntaxError as error:
            raise ValueError(f"prompt {error.name}, line {error.lineno}: {error.message}") from None
    return compiled


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OutputFormat = Literal["single_turn", "multi_turn", "tool_calls"]


class TransformationAgent(_Spec):
    """Stage 1 agent; `llm: false` passes the text through unchanged (the identity agent).

    `output: api_library` makes the agent describe APIs (names, typed parameters) instead of
    writing prose: the passage is then that library as JSON, the tools of a tool-use flow.
    """

    name: str
    instruction: str
    llm: bool = True
    output: Literal["passage", "api_library"] = "passage"


class QuestionType(_Spec):
    """One entry of the stage 2 taxonomy."""

    name: str
    definition: str
    answer_format: AnswerFormat
    suits: list[str] | Literal["all"] = "all"


class RefinementGoal(_Spec):
    """A suggester-editor pair of stage 3."""

    name: str
    suggester: str
    editor: str
    reference_answer: str | None = Field(
        default=None, description="fixed reference answer of refined instructions (unanswerable)"
    )
    keeps_passage: bool = Field(
        default=False, description="the editor rewrites only the task; the passage stays as is"
    )


class Skill(_Spec):
    """Everything that defines one AgentInstruct flow, loaded from `conf/base/skills/<name>/`."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    name: str
    description: str
    output_format: OutputFormat = Field(
        default="single_turn",
        description="single_turn: user, assistant; multi_turn: follow-up questions and answers; "
        "tool_calls: the assistant calls the passage's APIs (OpenAI tool-call messages)",
    )
    system_prompt: str
    answer_system_prompt: str
    transformation_agents: dict[str, TransformationAgent]
    question_types: dict[str, QuestionType]
    refinement_goals: dict[str, RefinementGoal]
    prompts: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _name_entries(cls, spec: dict) -> dict:
        """YAML keys are the names; copy them into the entries so templates can show them."""
        for section in ("transformation_agents", "question_types", "refinement_goals"):
            if isinstance(spec.get(section), dict):
                spec[section] = {
                    name: {"name": name, **(entry or {})} for name, entry in spec[section].items()
                }
        return spec

    @model_validator(mode="after")
    def _consistent(self) -> "Skill":
        required = (*REQUIRED_PROMPTS, *PROMPTS_OF_FORMAT[self.output_format])
        missing = [name for name in required if name not in self.prompts]
        if missing:
            raise ValueError(f"skill {self.name!r} lacks prompt templates: {missing}")
        for type_name, spec in self.question_types.items():
            unknown = (
                set(spec.suits) - set(self.transformation_agents) if spec.suits != "all" else set()
            )
            if unknown:
                raise ValueError(
                    f"question type {type_name!r} suits unknown agents {sorted(unknown)}"
                )
        describes_apis = {
            name
            for name, agent in self.transformation_agents.items()
            if agent.output == "api_library"
        }
        if self.output_format == "tool_calls" and describes_apis != set(self.transformation_agents):
            raise ValueError("a tool_calls skill needs agents with `output: api_library` only")
        if self.output_format != "tool_calls" and describes_apis:
            raise ValueError(
                f"agents {sorted(describes_apis)} write APIs: set output_format: tool_calls"
            )
        for agent in self.transformation_agents:
            if not self.question_types_for(agent):
                raise ValueError(f"no question type suits transformation agent {agent!r}")
        try:
            self._templates  # noqa: B018 (compiled now: a syntax error names its file at load)
        except ValueError as error:
            raise ValueError(f"skill {self.name!r}: {error}") from None
        return self

    def question_types_for(self, agent: str) -> list[str]:
        return [
            name
            for name, spec in self.question_types.items()
            if spec.suits == "all" or agent in spec.suits
        ]

    @cached_property
    def version(self) -> str:
        """Short hash of the whole skill: recorded on every pair as `prompt_version`."""
        payload = json.dumps(self.model_dump(), sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]

    @cached_property
    def _templates(self) -> dict[str, Template]:
        return templates(self.prompts)

    def render(self, prompt: str, **context: object) -> str:
        """A template rendered; without `prompts` (a size profile's wording), the compact one."""
        return self._templates[prompt].render(**{"prompts": COMPACT, **context}).strip()

    def messages(self, prompt: str, **context: object) -> list[dict[str, str]]:
        """A generation call: the stage's system message, then the rendered template.

        The system message is `system.j2` rendered for the stage (`stage`, the skill and the
        template's context); where it renders empty (the compact prompts), the skill's own
        short `system_prompt`."""
        system = self.render("system", stage=prompt, skill=self, **context)
        return [
            {"role": "system", "content": system or self.system_prompt},
            {"role": "user", "content": self.render(prompt, **context)},
        ]

    def answer_system(self, tools: list[dict] | None = None) -> str:
        """The teacher's system prompt, plus the tools as JSON when there are any (orca style);
        also the system turn of every final pair."""
        if not tools:
            return self.answer_system_prompt
        return f"{self.answer_system_prompt}\n\nTools:\n{json.dumps(tools, ensure_ascii=False)}"

    def answer_messages(self, *turns: dict, tools: list[dict] | None = None) -> list[dict]:
        """A teacher's answering call: the answer system prompt, then the chat so far."""
        return [{"role": "system", "content": self.answer_system(tools)}, *turns]
