"""Loads a skill folder (`*.yml` and `prompts/*.j2`) as a validated `Skill`.

Templates a skill does not write come from the shared folder, so a new skill needs only its
`skill.yml`; a template of the same name in the skill's own `prompts/` wins. Every template is
rendered once with its stages' sample contexts as the skill loads (`template_check.py`).

A run loads its skill about ten times (one load per node that takes it), and parsing, validating
and checking it is ~0.14 s a load; a skill is frozen, so the process keeps the last few it built,
keyed by the files' text: an edited file is a new key, the same files the same skill.
"""

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from kedro.io import DatasetError

from agentinstruct.datasets.read_only import ReadOnlyDataset
from agentinstruct.flow.template_check import check_templates
from agentinstruct.skill import Skill

PARAMETERS_FILE = "parameters.yml"


class SkillDataset(ReadOnlyDataset[Skill]):
    """Read-only: a skill is edited as files, so Kedro-Viz shows it as an input of the flow."""

    def __init__(
        self, path: str, shared_path: str | None = None, metadata: dict[str, Any] | None = None
    ) -> None:
        self._path = Path(path)
        self._shared_path = Path(shared_path) if shared_path else None
        self.metadata = metadata

    def load(self) -> Skill:
        if not self._path.is_dir():
            raise DatasetError(f"Skill folder {self._path} does not exist")
        specs = tuple(
            file.read_text(encoding="utf-8")
            for file in sorted(self._path.glob("*.yml"))
            if file.name != PARAMETERS_FILE  # run knobs, read by Kedro's config loader
        )
        folders = [self._shared_path, self._path] if self._shared_path else [self._path]
        prompts = tuple(
            (template.stem, template.read_text(encoding="utf-8"))
            for folder in folders
            for template in sorted((folder / "prompts").glob("*.j2"))
        )
        return _skill(specs, prompts)

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "shared_path": str(self._shared_path)}


@lru_cache(maxsize=32)
def _skill(specs: tuple[str, ...], prompts: tuple[tuple[str, str], ...]) -> Skill:
    """The skill of these files' text: validated, and every template rendered once, so a typo
    fails here, before the first paid call."""
    spec: dict[str, Any] = {}
    for text in specs:
        spec.update(yaml.safe_load(text) or {})
    spec["prompts"] = dict(prompts)  # a shared template first, the skill's own of a name wins
    skill = Skill.model_validate(spec)
    check_templates(skill)
    return skill
