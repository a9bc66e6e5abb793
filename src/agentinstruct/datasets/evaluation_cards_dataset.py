"""The evaluation's table in each evaluated skill's dataset card: `save({skill: markdown})`
replaces the card's evaluation section (between its markers) in
`<path>/<skill>/exports/README.md`. A skill without a card (its flow never ran here) is skipped:
there is no dataset to describe."""

import logging
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from agentinstruct.datasets.dataset_card_dataset import DatasetCardDataset, with_evaluation_section

logger = logging.getLogger(__name__)

EXPORTS = "exports"  # a skill's folder of exports, whose README.md is its card


class EvaluationCardsDataset(AbstractDataset[dict[str, str], dict[str, str]]):
    """Each skill's evaluation section, written into its dataset card; loads the cards."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(path)
        self.metadata = metadata

    def _card(self, skill: str) -> DatasetCardDataset:
        return DatasetCardDataset(str(self._path / skill / EXPORTS))

    def save(self, data: dict[str, str]) -> None:
        for skill, section in data.items():
            card = self._card(skill)
            if not card.exists():
                logger.info("%s has no dataset card to add the evaluation to", skill)
                continue
            card.save(with_evaluation_section(card.load(), section))

    def load(self) -> dict[str, str]:
        skills = sorted(folder.parent.name for folder in self._path.glob(f"*/{EXPORTS}"))
        return {skill: self._card(skill).load() for skill in skills if self._card(skill).exists()}

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
