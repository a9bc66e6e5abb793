"""AgentInstruct on Kedro: agentic flows that turn raw documents into post-training data."""

__version__ = "0.1.0"
