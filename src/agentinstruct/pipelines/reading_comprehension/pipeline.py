"""`kedro run --pipeline=reading_comprehension`."""

from kedro.pipeline import Pipeline

from agentinstruct.flow.pipeline import create_flow_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    return create_flow_pipeline("reading_comprehension")
