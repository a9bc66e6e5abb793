"""The phrase lists of the deterministic checks, as data (conf/base/curation/rules.yml)."""

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

_LISTS = ("meta_text", "prompt_injection", "choice_cues", "unanswerable")


class CurationRules(BaseModel):
    """Regular expressions per check; a pattern that does not compile stops the run at the
    first curation node, naming it. A registered check of its own may bring its own list (any
    other key whose value is a list of patterns)."""

    model_config = ConfigDict(extra="allow", frozen=True, ignored_types=(cached_property,))

    meta_text: list[str]
    prompt_injection: list[str]
    choice_cues: list[str]
    unanswerable: list[str]
    judge_system_prompt: str

    @field_validator(*_LISTS)
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"bad pattern {pattern!r}: {error}") from error
        return patterns

    @model_validator(mode="after")
    def _own_lists_compile(self) -> "CurationRules":
        for name, patterns in (self.model_extra or {}).items():
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                raise ValueError(f"{name}: a list of patterns, one string each")
            try:
                self._compiles(patterns)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        return self

    @cached_property
    def compiled(self) -> dict[str, re.Pattern[str]]:
        """One alternation per list: a single scan per text instead of one per pattern."""
        lists = {name: getattr(self, name) for name in _LISTS} | (self.model_extra or {})
        return {
            name: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
            for name, patterns in lists.items()
        }

    def find(self, name: str, text: str) -> str | None:
        """The first phrase of list `name` in `text`, or None."""
        match = self.compiled[name].search(text)
        return match.group(0) if match else None
