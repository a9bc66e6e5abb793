"""Reading comprehension: the AgentInstruct flow for the skill of the same name."""

from agentinstruct.pipelines.reading_comprehension.pipeline import create_pipeline

__all__ = ["create_pipeline"]
