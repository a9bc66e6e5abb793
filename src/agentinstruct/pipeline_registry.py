"""Project pipelines: one per skill folder, all from the same flow; no module per skill."""

from kedro.pipeline import Pipeline

from agentinstruct.curation.pipeline import NAMESPACE as CURATION
from agentinstruct.curation.pipeline import create_curation_pipeline
from agentinstruct.evaluation.pipeline import PIPELINE as EVALUATE
from agentinstruct.evaluation.pipeline import create_evaluation_pipeline
from agentinstruct.flow.pipeline import create_flow_pipeline
from agentinstruct.skill_folders import skill_names

ALL_SKILLS = "all_skills"


def register_pipelines() -> dict[str, Pipeline]:
    """`kedro run --pipeline=<skill>` for each skill; `all_skills` (and `__default__`) runs all;
    `curation` checks chat data made elsewhere; `evaluate` scores students on the held-out
    test pairs."""
    pipelines = {skill: create_flow_pipeline(skill) for skill in skill_names()}
    pipelines[ALL_SKILLS] = sum(pipelines.values(), Pipeline([]))
    pipelines["__default__"] = pipelines[ALL_SKILLS]
    pipelines[CURATION] = create_curation_pipeline()
    pipelines[EVALUATE] = create_evaluation_pipeline()
    return pipelines
