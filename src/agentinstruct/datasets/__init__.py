"""Custom Kedro datasets: raw bytes for ingestion, skills (taxonomy + prompts) as data, and
JSON Lines exactly as fine-tuning stacks read them, folders of tables (evaluation sets, chat
data made elsewhere), the markers of finished partitions, and tables written a frame at a
time."""

from agentinstruct.datasets.bytes_dataset import BytesDataset
from agentinstruct.datasets.frames_dataset import FramesDataset
from agentinstruct.datasets.jsonlines_dataset import JSONLinesDataset
from agentinstruct.datasets.marker_dataset import MarkerDataset
from agentinstruct.datasets.skill_dataset import SkillDataset
from agentinstruct.datasets.table_folder_dataset import TableFolderDataset

__all__ = [
    "BytesDataset",
    "FramesDataset",
    "JSONLinesDataset",
    "MarkerDataset",
    "SkillDataset",
    "TableFolderDataset",
]
