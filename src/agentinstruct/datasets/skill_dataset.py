"""Loads a skill folder (`*.yml` and `prompts/*.j2`) as a validated `Skill`."""

from pathlib import Path
from typing import Any

import yaml
from kedro.io import AbstractDataset, DatasetError

from agentinstruct.skill import Skill


class SkillDataset(AbstractDataset[None, Skill]):
    """Read-only: a skill is edited as files, so Kedro-Viz shows it as an input of the flow."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None) -> None:
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> Skill:
        if not self._path.is_dir():
            raise DatasetError(f"Skill folder {self._path} does not exist")
        spec: dict[str, Any] = {}
        for file in sorted(self._path.glob("*.yml")):
            spec.update(yaml.safe_load(file.read_text(encoding="utf-8")) or {})
        spec["prompts"] = {
            template.stem: template.read_text(encoding="utf-8")
            for template in sorted((self._path / "prompts").glob("*.j2"))
        }
        return Skill.model_validate(spec)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only")

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
