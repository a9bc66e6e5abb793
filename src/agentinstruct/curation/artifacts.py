"""Cheap, deterministic checks for what a weak or careless generator leaves in a pair.

Each check returns the evidence it found (a phrase, a character) or None; its name is the
reason a pair is rejected for. No LLM is involved. `ARTIFACT_CHECKS` registers them, in order.
"""

import re

from agentinstruct.curation.pair_checks import ArtifactCheck
from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.text import Conversation, split_final_answer, words
from agentinstruct.curation.verification import LETTERS, chosen_option
from agentinstruct.params import ArtifactParams

_TEMPLATE_BRACES = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_JSON_FRAGMENT = re.compile(r"[{,]\s*\"\w+\"\s*:")  # `{"answer":` inside prose
# sentence ends, closing quotes / brackets / code, digits; \u201d \u2019 are curly quotes
_ENDS_COMPLETE = re.compile("[.!?\u2026\"'\u201d\u2019)\\]}>*`%\\d]\\s*$")
_OPTION_LINE = re.compile(r"(?m)^\s*\(?([A-H])[).:]\s+\S")
COPY_NGRAM = 8  # words: a shared 8-gram is a copied phrase, not a shared fact
COPY_MIN_WORDS = 20  # a short extractive answer is allowed to quote the passage


def _meta_text(chat: Conversation, rules: CurationRules, params: ArtifactParams) -> str | None:
    return rules.find("meta_text", chat.user) or rules.find("meta_text", chat.assistant)


def _unbalanced_markup(
    chat: Conversation, rules: CurationRules, params: ArtifactParams
) -> str | None:
    for text in (chat.user, chat.assistant):
        if found := _TEMPLATE_BRACES.search(text):
            return f"template braces {found.group(0)!r}"
    if found := _JSON_FRAGMENT.search(chat.assistant):
        return f"JSON fragment {found.group(0)!r}"
    for opening, closing in ("{}", "[]"):
        if chat.assistant.count(opening) != chat.assistant.count(closing):
            return f"unbalanced {opening}{closing}"
    return None


def _truncated(chat: Conversation, rules: CurationRules, params: ArtifactParams) -> str | None:
    """A response that stops mid-sentence; one that reasons first is read up to its `Final
    answer:` line (a letter or a short phrase, complete as it is)."""
    reasoning, final = split_final_answer(chat.response)
    text = reasoning if final and reasoning else chat.response
    if _ENDS_COMPLETE.search(text):
        return None
    return f"ends mid-sentence: {text.strip()[-40:]!r}"


def _missing_options(
    chat: Conversation, rules: CurationRules, params: ArtifactParams
) -> str | None:
    shown = set(_OPTION_LINE.findall(chat.user))
    chosen = chosen_option(chat.first_answer, [])
    if len(shown) >= 2:
        if chosen and chosen not in shown:
            return f"the answer names option {chosen}, options are {''.join(sorted(shown))}"
        return None
    if cue := rules.find("choice_cues", chat.user):
        return f"asks {cue!r} but shows no options"
    if chosen and chosen in LETTERS[:4]:
        return f"the answer names option {chosen} but the question shows none"
    return None


def _prompt_injection(
    chat: Conversation, rules: CurationRules, params: ArtifactParams
) -> str | None:
    return rules.find("prompt_injection", chat.whole)


def _grams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + COPY_NGRAM]) for i in range(len(tokens) - COPY_NGRAM + 1)}


def copied_share(response: str, source: str) -> float:
    """Share of the response's 8-word n-grams that appear in `source` (plain sets: for one
    short text they are faster than the vectorized hashes)."""
    said = _grams(words(response))
    return len(said & _grams(words(source))) / len(said) if said else 0.0


def _copies_passage(chat: Conversation, rules: CurationRules, params: ArtifactParams) -> str | None:
    """A response of `COPY_MIN_WORDS`+ words whose 8-grams are mostly (`copy_overlap`) the
    task's own: a short extractive answer may quote the passage."""
    if len(words(chat.response)) < COPY_MIN_WORDS:
        return None
    share = copied_share(chat.response, chat.user)
    if share < params.copy_overlap:
        return None
    return f"{share:.0%} of the response's 8-grams are in the task"


ARTIFACT_CHECKS = [
    ArtifactCheck(name="meta_text", find=_meta_text),
    ArtifactCheck(name="unbalanced_markup", find=_unbalanced_markup),
    ArtifactCheck(name="truncated", find=_truncated),
    ArtifactCheck(name="missing_options", find=_missing_options),
    ArtifactCheck(name="prompt_injection", find=_prompt_injection),
    ArtifactCheck(name="copies_passage", find=_copies_passage),
]


def find_artifacts(
    chat: Conversation, rules: CurationRules, params: ArtifactParams, checks: list[ArtifactCheck]
) -> dict[str, str]:
    """Every enabled check of `checks` that found something, with its evidence."""
    return {
        check.name: evidence
        for check in checks
        if check.enabled(params) and (evidence := check.find(chat, rules, params))
    }
