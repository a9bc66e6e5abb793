"""Custom Kedro datasets: raw bytes for ingestion, and skills (taxonomy + prompts) as data."""

from agentinstruct.datasets.bytes_dataset import BytesDataset
from agentinstruct.datasets.skill_dataset import SkillDataset

__all__ = ["BytesDataset", "SkillDataset"]
