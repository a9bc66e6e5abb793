"""Custom Kedro datasets: raw bytes for ingestion, skills (taxonomy + prompts) as data, and
JSON Lines exactly as fine-tuning stacks read them."""

from agentinstruct.datasets.bytes_dataset import BytesDataset
from agentinstruct.datasets.jsonlines_dataset import JSONLinesDataset
from agentinstruct.datasets.skill_dataset import SkillDataset

__all__ = ["BytesDataset", "JSONLinesDataset", "SkillDataset"]
