"""Does the teacher's answer agree with the instruction's own reference answer?

Closed formats are decided here, by rule: the chosen option, the truth value, the order. Free
text is left to the judge (`"judge"`). A reference that says the passage does not give the
answer (the refined "unanswerable" instructions) must be answered the same way.
"""

import json
import re

import pandas as pd

from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.text import words

LETTERS = "ABCDEFGH"
# "B", "B) ...", "(B)", "Answer: B." at the start; "the answer is B" anywhere. A bare letter
# followed by a space is not taken ("A bee ..." is an article, not option A).
_LEADING_CHOICE = re.compile(
    r"^\W*(?:(?i:(?:the\s+)?(?:correct\s+)?(?:answer|option|choice))(?:\s+is)?\s*[:\-]?\s*)?"
    r"\(?([A-H])(?:[).:,]|\s*$|\n)"
)
_EMPHASIS = re.compile(r"[*_`]+")
_LONE_LETTER = re.compile(r"^\W*\(?([a-hA-H])[).:]?\s*$")
_STATED_CHOICE = re.compile(r"(?i:\b(?:answer|option|choice)\s+is\s+)\(?([A-H])\b")
_TRUTH = {
    "true": "true",
    "yes": "true",
    "correct": "true",
    "false": "false",
    "no": "false",
    "incorrect": "false",
}
_SEQUENCE_ITEM = re.compile(r"\b([A-H]|\d{1,2})\b")

Verdict = tuple[str, str]  # ("agrees" | "disagrees" | "judge" | "unchecked", why)


def chosen_option(answer: str, options: list[str]) -> str | None:
    """The letter an answer picks: a leading letter, "the answer is B", or an option's text.
    Markdown emphasis is read through ("**B**"), and a lone lower-case letter ("b", "(c)") is
    that option, as chat models write them."""
    answer = _EMPHASIS.sub("", answer)
    if lone := _LONE_LETTER.match(answer):
        return lone.group(1).upper()
    for pattern in (_LEADING_CHOICE, _STATED_CHOICE):
        if match := pattern.search(answer):
            return match.group(1)
    said = f" {' '.join(words(answer))} "
    named = [
        LETTERS[i] for i, option in enumerate(options) if f" {' '.join(words(option))} " in said
    ]
    return named[0] if len(named) == 1 else None


def _truth(text: str) -> str | None:
    tokens = words(text)
    return _TRUTH.get(tokens[0]) if tokens else None


def verify(
    answer_format: str | None,
    reference: str | None,
    options_json: str | None,
    answer: str,
    rules: CurationRules,
) -> Verdict:
    """The verdict on one pair's first answer against its reference answer."""
    if not isinstance(reference, str) or not reference.strip():
        return "unchecked", "no reference answer"
    if rules.find("unanswerable", reference):
        if rules.find("unanswerable", answer):
            return "agrees", "says the passage does not give the answer"
        return "disagrees", "the passage does not give the answer, but the response answers"
    options = json.loads(options_json) if isinstance(options_json, str) and options_json else []
    if answer_format == "multiple_choice":
        expected = chosen_option(reference, options)
        chosen = chosen_option(answer, options)
        if expected is None:
            return "judge", "reference names no option"
        if chosen is None:
            return "disagrees", "the response chooses no option"
        if options and LETTERS.index(chosen) >= len(options):
            return "disagrees", f"the response chooses {chosen}, which is not an option"
        verdict = "agrees" if chosen == expected else "disagrees"
        return verdict, f"chose {chosen}, reference {expected}"
    if answer_format == "true_false":
        expected, said = _truth(reference), _truth(answer)
        if expected is None:
            return "judge", "reference is neither true nor false"
        if said is None:
            return "disagrees", "the response says neither true nor false"
        return ("agrees" if said == expected else "disagrees"), f"said {said}, reference {expected}"
    if answer_format in ("ordering", "matching"):
        expected = _SEQUENCE_ITEM.findall(reference.upper())
        said = _SEQUENCE_ITEM.findall(answer.upper())
        if len(expected) < 2:
            return "judge", "reference is not a sequence"
        agrees = said[: len(expected)] == expected
        return (
            "agrees" if agrees else "disagrees"
        ), f"said {said[: len(expected)]}, reference {expected}"
    if answer_format in ("short_answer", "fill_in_the_blank"):
        expected_words, said_words = words(reference), " ".join(words(answer))
        if expected_words and f" {' '.join(expected_words)} " in f" {said_words} ":
            return "agrees", "the response contains the reference answer"
    return "judge", "free text: the judge decides"


def answer_disagrees(verification: str, judge_agrees: object) -> bool:
    """Whether a pair's answer contradicts its reference: by the rules, or, where they left it
    to the judge (`judge`), by the judge's comparison (none where it was not asked)."""
    if verification == "judge":
        return judge_agrees is not None and not pd.isna(judge_agrees) and not bool(judge_agrees)
    return verification == "disagrees"


def settled_verdicts(pairs: pd.DataFrame) -> pd.Series:
    """Each pair's verdict after the judge, for reports: the rules' own, or for a pair they left
    to the judge the judge's (`unchecked` where it gave none)."""
    agrees = pairs["judge_agrees"] if "judge_agrees" in pairs else pd.Series(pd.NA, pairs.index)
    judged = {True: "agrees", False: "disagrees"}
    return pd.Series(
        [
            verdict
            if verdict != "judge"
            else ("unchecked" if pd.isna(agreed) else judged[bool(agreed)])
            for verdict, agreed in zip(pairs["verification"], agrees, strict=True)
        ],
        index=pairs.index,
        dtype=object,
    )
