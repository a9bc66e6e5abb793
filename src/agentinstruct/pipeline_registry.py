"""Project pipelines: one per skill folder, all from the same flow; no module per skill."""

from functools import lru_cache

from kedro.pipeline import Pipeline

from agentinstruct.curation.pipeline import NAMESPACE as CURATION
from agentinstruct.curation.pipeline import create_curation_pipeline
from agentinstruct.evaluation.pipeline import PIPELINE as EVALUATE
from agentinstruct.evaluation.pipeline import create_evaluation_pipeline
from agentinstruct.flow.pipeline import create_flow_pipeline
from agentinstruct.skill_folders import skill_names

ALL_SKILLS = "all_skills"
# The main job: what `kedro run` runs and what Kedro-Viz opens on (17 skills at once are 548
# elements, which Kedro-Viz shows as "a chunky pipeline" instead of a graph).
DEFAULT_SKILL = "reading_comprehension"


def register_pipelines() -> dict[str, Pipeline]:
    """`kedro run --pipeline=<skill>` for each skill; `all_skills` runs all; `__default__` is
    the main job (`DEFAULT_SKILL`); `curation` checks chat data made elsewhere; `evaluate`
    scores students on the held-out test pairs."""
    return dict(_pipelines(tuple(skill_names())))


@lru_cache(maxsize=8)
def _pipelines(skills: tuple[str, ...]) -> dict[str, Pipeline]:
    """Built once per process for a set of skills (~0.4 s for 17): a partitioned run opens a
    Kedro session per partition, and each asks for them again."""
    pipelines = {skill: create_flow_pipeline(skill) for skill in skills}
    pipelines[ALL_SKILLS] = sum(pipelines.values(), Pipeline([]))
    pipelines["__default__"] = pipelines.get(DEFAULT_SKILL, pipelines[ALL_SKILLS])
    pipelines[CURATION] = create_curation_pipeline()
    pipelines[EVALUATE] = create_evaluation_pipeline()
    return pipelines
