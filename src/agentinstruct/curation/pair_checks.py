"""What a curation check is: a name (the reason a pair is rejected for), the quality column that
holds its evidence, and the step of curation that applies it. `checks.CHECKS` lists them all, in
the order a pair meets them; the reasons and the run report's funnel follow it."""

from collections.abc import Callable
from dataclasses import dataclass

from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.text import Conversation
from agentinstruct.params import ArtifactParams

# The steps of curation, in order; a check belongs to one.
STEPS = ("read", "artifacts", "decontamination", "verification", "judge", "duplicates")


@dataclass(frozen=True, kw_only=True)
class PairCheck:
    """A way a pair can fail, applied by its step's own code (reading a row, the benchmark
    index, answer verification, the judge's thresholds, near-duplicate search)."""

    name: str
    column: str
    step: str

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"check {self.name!r}: step {self.step!r} is not one of {STEPS}")


@dataclass(frozen=True, kw_only=True)
class ArtifactCheck(PairCheck):
    """A cheap deterministic check of one chat, no LLM: `find` returns its evidence (a phrase,
    a character) or None. Its evidence goes into the `artifacts` column (a JSON object, check ->
    evidence); `artifacts.<name>: false` in a skill's `curation:` params turns it off. A check
    that reads phrases finds them as `rules.find("<list>", text)`, the list in
    conf/base/curation/rules.yml, and names the lists it reads in `phrases` (a list of
    rules.yml that no registered check names is warned about: a misspelt key would otherwise
    check nothing)."""

    find: Callable[[Conversation, CurationRules, ArtifactParams], str | None]
    column: str = "artifacts"
    step: str = "artifacts"
    phrases: tuple[str, ...] = ()

    def enabled(self, params: ArtifactParams) -> bool:
        return bool(getattr(params, self.name, True))  # a check without a switch is on
