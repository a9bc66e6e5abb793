"""Custom Kedro datasets: the raw folder and raw bytes for ingestion, JSON Lines exactly as
fine-tuning stacks read them, folders of tables (evaluation sets, chat data made elsewhere), the
summaries of finished partitions, one output of every partition of a run as one view, tables
written and read a frame at a time, reports as strict JSON, and the exports' Hugging Face
dataset card."""

from agentinstruct.datasets.bytes_dataset import BytesDataset
from agentinstruct.datasets.chat_folder_dataset import ChatFolderDataset
from agentinstruct.datasets.dataset_card_dataset import DatasetCardDataset
from agentinstruct.datasets.frames_dataset import FramesDataset
from agentinstruct.datasets.jsonlines_dataset import JSONLinesDataset
from agentinstruct.datasets.marker_dataset import MarkerDataset
from agentinstruct.datasets.partitions_dataset import PartitionsDataset
from agentinstruct.datasets.raw_folder_dataset import RawFolderDataset
from agentinstruct.datasets.report_dataset import ReportDataset
from agentinstruct.datasets.table_folder_dataset import TableFolderDataset

__all__ = [
    "BytesDataset",
    "ChatFolderDataset",
    "DatasetCardDataset",
    "FramesDataset",
    "JSONLinesDataset",
    "MarkerDataset",
    "PartitionsDataset",
    "RawFolderDataset",
    "ReportDataset",
    "TableFolderDataset",
]
