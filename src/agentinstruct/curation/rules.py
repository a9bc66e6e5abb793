"""The phrase lists of the deterministic checks, as data (conf/base/curation/rules.yml)."""

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, field_validator


class CurationRules(BaseModel):
    """Regular expressions per check; a pattern that does not compile stops the run at the
    first curation node, naming it."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    meta_text: list[str]
    prompt_injection: list[str]
    choice_cues: list[str]
    unanswerable: list[str]
    judge_system_prompt: str

    @field_validator("meta_text", "prompt_injection", "choice_cues", "unanswerable")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"bad pattern {pattern!r}: {error}") from error
        return patterns

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        """One alternation per list: a single scan per text instead of one per pattern."""
        return {
            name: re.compile("|".join(f"(?:{p})" for p in getattr(self, name)), re.IGNORECASE)
            for name in ("meta_text", "prompt_injection", "choice_cues", "unanswerable")
        }

    def find(self, name: str, text: str) -> str | None:
        """The first phrase of list `name` in `text`, or None."""
        match = self.compiled[name].search(text)
        return match.group(0) if match else None
