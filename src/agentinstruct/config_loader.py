"""Kedro's config loader, plus two rules of this project applied to config before Kedro builds
anything from it:

- the judge follows the teacher: `judge_llm` is the `teacher_llm` entry as it stands after every
  environment (conf/local included), with the judge's own keys on top; its `model: teacher` (the
  default) keeps the teacher's model and endpoint, so a user who points `teacher_llm` at their
  model gets that model as judge too, not the embedded 135M one; a judge naming another model
  takes the teacher's settings but not what belongs to the teacher's model (credentials,
  deployments, prices, size profile); the students of `evaluate` (`student_llms`) likewise;
- every skill's parameters (and the standalone curation's) get their size profile
  (`agentinstruct.size_profiles`), chosen from the teacher's and the judge's entries.
"""

import logging
from typing import Any

from kedro.config import OmegaConfigLoader

from agentinstruct.gateway.config import is_embedded
from agentinstruct.size_profiles import sized_parameters
from agentinstruct.skill_folders import skills_of

logger = logging.getLogger(__name__)

TEACHER_ENTRY, JUDGE_ENTRY, STUDENTS_ENTRY = "teacher_llm", "judge_llm", "student_llms"
FOLLOWS_TEACHER = "teacher"  # the judge's `model` that means "whatever the teacher is"
# What a judge of another model does not take from the teacher: it belongs to the model.
MODEL_KEYS = (
    "credentials",
    "deployments",
    "input_cost_per_token",
    "output_cost_per_token",
    "size_profile",
)
SIZE_PROFILES = "size_profiles"
STUDENT_GENERATION = {"temperature": 0.0, "top_p": 1.0, "seed": 42}
_warned: set[tuple[str, str]] = set()


def judge_follows_teacher(catalog: dict[str, Any]) -> dict[str, Any]:
    """The catalog with the judge's entry laid over the teacher's: the teacher's model and
    endpoint for `model: teacher`, its settings but no model-bound keys for another model."""
    teacher, judge = catalog.get(TEACHER_ENTRY), catalog.get(JUDGE_ENTRY)
    if not isinstance(teacher, dict) or not isinstance(judge, dict):
        return catalog
    if judge.get("model") == FOLLOWS_TEACHER:
        return {**catalog, JUDGE_ENTRY: {**teacher, **judge, "model": teacher.get("model")}}
    settings = {key: value for key, value in teacher.items() if key not in MODEL_KEYS}
    return {**catalog, JUDGE_ENTRY: {**settings, **judge}}


def students_follow_teacher(catalog: dict[str, Any]) -> dict[str, Any]:
    """The catalog with the students' entry laid over the teacher's settings (not its model nor
    what belongs to it), as a judge of another model: the same cache, concurrency and calls.
    Not its sampling: a student is evaluated greedily (`STUDENT_GENERATION`) unless its entry
    says otherwise, so two students differ by their weights, not by a sampler's draw."""
    teacher, students = catalog.get(TEACHER_ENTRY), catalog.get(STUDENTS_ENTRY)
    if not isinstance(teacher, dict) or not isinstance(students, dict):
        return catalog
    inherited = (*MODEL_KEYS, "model", "generation")
    settings = {key: value for key, value in teacher.items() if key not in inherited}
    generation = {**STUDENT_GENERATION, **(students.get("generation") or {})}
    return {**catalog, STUDENTS_ENTRY: {**settings, **students, "generation": generation}}


def warn_of_an_embedded_judge(catalog: dict[str, Any]) -> None:
    """Say so, before any call, when a remote teacher's pairs would be judged by the embedded
    model: about 3 s a pair on 2 cores, scores that are noise (once per pair of models)."""
    teacher = str((catalog.get(TEACHER_ENTRY) or {}).get("model", ""))
    judge = str((catalog.get(JUDGE_ENTRY) or {}).get("model", ""))
    pair = (teacher, judge)
    if teacher and not is_embedded(teacher) and is_embedded(judge) and pair not in _warned:
        _warned.add(pair)
        logger.warning(
            "The teacher is %s but the judge is the embedded %s: every pair will be judged"
            " by a 135M model (about 3 s a pair, scores that are noise). To judge with the"
            " teacher, set `model: teacher` on judge_llm (the default) or --params"
            " judge_model=<model>.",
            teacher,
            judge,
        )


class ProjectConfigLoader(OmegaConfigLoader):
    """`OmegaConfigLoader` with the judge following the teacher and the parameters sized."""

    def __init__(self, conf_source: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(conf_source, *args, **kwargs)
        self.config_patterns.setdefault(SIZE_PROFILES, ["size_profiles*"])
        self.merge_strategy.setdefault(SIZE_PROFILES, "soft")  # conf/local may adjust a key

    def __getitem__(self, key: str) -> dict[str, Any]:
        config = super().__getitem__(key)
        if key == "catalog":
            config = students_follow_teacher(judge_follows_teacher(config))
            warn_of_an_embedded_judge(config)
        elif key == "parameters":
            catalog = judge_follows_teacher(super().__getitem__("catalog"))
            config = sized_parameters(
                config,
                super().__getitem__(SIZE_PROFILES),
                self._skills(),
                catalog.get(TEACHER_ENTRY) or {},
                catalog.get(JUDGE_ENTRY) or {},
            )
        return config

    def _skills(self) -> list[str]:
        """The skill folders of the base environment, read through Kedro's own filesystem (a
        `conf` folder, an archive or a remote `--conf-source` alike)."""
        folder = f"{self._get_conf_env_path(self.base_env)}/skills"
        return skills_of(self._fs.glob(f"{folder}/*/skill.yml"))
