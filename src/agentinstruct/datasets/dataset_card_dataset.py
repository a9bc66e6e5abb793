"""A folder's Hugging Face dataset card, `<path>/README.md`, and the cards of its subfolders
(`<path>/<folder>/README.md`), whose configs name data files beside them.

The exports are versioned (`<name>.<ext>/<timestamp>/<name>.<ext>`), so a card cannot name a
fixed file: it is handed its data files unversioned (`hf/train.parquet`) and, when it is saved,
points each at that export's latest version, the one the run just wrote. Naming one version, not
a glob over all of them, keeps an earlier run's pairs out of `datasets.load_dataset(path)`. A
path that already names a file (a card loaded and saved again) is kept.
"""

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from agentinstruct.datasets.versioned_file import latest_version

CARD = "README.md"
# The main card's evaluation section: the `evaluate` pipeline writes its table between these.
EVALUATION_START, EVALUATION_END = "<!-- evaluation:start -->", "<!-- evaluation:end -->"


class DatasetCardDataset(AbstractDataset[dict[str, str] | str, str]):
    """Saves cards by folder relative to `path` ("" is `path` itself; a lone string is that
    card); loads `path`'s own card as text."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> str:
        return (self._path / CARD).read_text(encoding="utf-8")

    def save(self, data: dict[str, str] | str) -> None:
        from huggingface_hub import DatasetCard  # ~0.13 s to import: only when a card is saved

        for folder, text in ({"": data} if isinstance(data, str) else data).items():
            base = self._path / folder
            card = DatasetCard(text)
            for config in card.data.get("configs") or []:
                for data_file in config["data_files"]:
                    data_file["path"] = _latest(base, data_file["path"])
            base.mkdir(parents=True, exist_ok=True)
            (base / CARD).write_text(card.content, encoding="utf-8")

    def _exists(self) -> bool:
        return (self._path / CARD).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "file": CARD}


def _latest(base: Path, relative: str) -> str:
    """`relative`'s latest version under `base`, as Kedro picks it (the greatest timestamp)."""
    folder = base / relative
    if folder.is_file():
        return relative
    latest = latest_version(folder)
    if latest is None:
        raise DatasetError(f"{folder}: no version of it for the dataset card to name")
    return f"{relative}/{latest.parent.name}/{folder.name}"


def with_evaluation_section(card_text: str, section_markdown: str) -> str:
    """The card with `section_markdown` between its evaluation markers, instead of what was
    there (an evaluation's results replace the last one's)."""
    start = card_text.find(EVALUATION_START)
    end = card_text.find(EVALUATION_END, start)
    if start < 0 or end < 0:
        raise ValueError(f"no {EVALUATION_START} ... {EVALUATION_END} section in the card")
    before, after = card_text[: start + len(EVALUATION_START)], card_text[end:]
    return f"{before}\n{section_markdown.strip()}\n{after}"
