"""The deterministic checks of every pair (artifacts, benchmark overlap, closed-format answers)
and of every seed document; the quality columns they fill, and every reason a pair can fail."""

import json
import logging
import math
from typing import Any

import pandas as pd

from agentinstruct.curation.artifacts import ARTIFACT_CHECKS, find_artifacts
from agentinstruct.curation.contamination import BenchmarkIndex
from agentinstruct.curation.pair_checks import ArtifactCheck, PairCheck
from agentinstruct.curation.rules import CurationRules
from agentinstruct.curation.text import Conversation, conversation
from agentinstruct.curation.verification import verify
from agentinstruct.datasets.chat_folder_dataset import READ_ERROR
from agentinstruct.ids import stable_id
from agentinstruct.params import CurationParams
from agentinstruct.schemas.frames import QualityColumns, to_plain
from agentinstruct.schemas.llm_outputs import JUDGE_DIMENSIONS

logger = logging.getLogger(__name__)

# Every check a pair meets, in order (the funnel's order): its name is the reason a pair is
# rejected for. Adding one: `register(ArtifactCheck(...))` (and its phrase list in rules.yml).
CHECKS: list[PairCheck] = [
    PairCheck(name="invalid_json", column="verification_detail", step="read"),
    PairCheck(name="invalid_messages", column="verification_detail", step="read"),
    *ARTIFACT_CHECKS,
    PairCheck(name="benchmark_contamination", column="contamination", step="decontamination"),
    PairCheck(name="answer_mismatch", column="verification", step="verification"),
    PairCheck(name="judge_failed", column="judge_quality", step="judge"),
    *(
        PairCheck(name=f"low_{dimension}", column=f"judge_{dimension}", step="judge")
        for dimension in JUDGE_DIMENSIONS
    ),
    PairCheck(name="duplicate_instruction", column="duplicate_of", step="duplicates"),
    PairCheck(name="duplicate_pair", column="duplicate_of", step="duplicates"),
]


def register(check: ArtifactCheck) -> ArtifactCheck:
    """Add a check, after the other artifact checks: every pair meets it from then on, its name
    is a reason, and the run report's funnel has its step. The same check again is a no-op (a
    module imported twice); another check of a registered name is an error."""
    if check in CHECKS:
        return check
    if check.name in reasons():
        raise ValueError(f"a check named {check.name!r} is registered already")
    last = max(i for i, known in enumerate(CHECKS) if known.step in ("read", "artifacts"))
    CHECKS.insert(last + 1, check)
    return check


def reasons() -> tuple[str, ...]:
    """Every reason a pair can be rejected for, in the order the checks run."""
    return tuple(check.name for check in CHECKS)


def _artifact_checks() -> list[ArtifactCheck]:
    return [check for check in CHECKS if isinstance(check, ArtifactCheck)]


def unread_phrase_lists(rules: CurationRules) -> list[str]:
    """Phrase lists of rules.yml beyond the built-in ones that no registered check names
    (`ArtifactCheck.phrases`): a misspelt key, or a check this process has not registered."""
    named = {name for check in _artifact_checks() for name in check.phrases}
    return sorted(set(rules.model_extra or {}) - named)


_WARNED: set[tuple[str, ...]] = set()


def _warn_unread(rules: CurationRules) -> None:
    """Once per process for the same lists: every partition's checks would say it again."""
    unread = tuple(unread_phrase_lists(rules))
    if unread and unread not in _WARNED:
        _WARNED.add(unread)
        logger.warning(
            "conf/base/curation/rules.yml: no registered check reads %s (misspelt? a check of "
            'your own names its lists: ArtifactCheck(..., phrases=("<list>",)))',
            ", ".join(unread),
        )


# The columns curation adds, as the Pandera model declares them (one definition).
QUALITY_COLUMNS = list(QualityColumns.to_schema().columns)


def ordered(found: set[str]) -> str:
    """Reasons as the JSON list of the `reasons` column, in check order; a reason this process
    has no check of (one registered only where the partitions ran) comes last, never dropped."""
    in_order = [reason for reason in reasons() if reason in found]
    if len(in_order) < len(found):  # rare: leave the set arithmetic off the per-pair path
        in_order += sorted(set(found) - set(in_order))
    return json.dumps(in_order)


def _chats(pairs: pd.DataFrame) -> list[Conversation | tuple[str, str]]:
    """Each pair's chat, or (reason, what is wrong) where it has none: a line the reader could
    not parse (`invalid_json`, its `read_error`), or `messages` that are not a chat."""
    read_errors = pairs[READ_ERROR] if READ_ERROR in pairs else [None] * len(pairs)
    chats: list[Conversation | tuple[str, str]] = []
    for messages, read_error in zip(pairs["messages"], read_errors, strict=True):
        if isinstance(read_error, str):
            chats.append(("invalid_json", read_error))
            continue
        try:
            chats.append(conversation(messages))
        except ValueError as error:
            chats.append(("invalid_messages", str(error)))
        except (TypeError, KeyError, AttributeError) as error:  # a shape no check foresaw
            chats.append(("invalid_messages", f"messages could not be read: {error}"))
    return chats


def check_documents(
    documents: pd.DataFrame, index: BenchmarkIndex | None, rules: CurationRules
) -> pd.DataFrame:
    """Seed documents: the benchmark item each overlaps, and any injection phrase in it. They
    run before the first teacher call, so a document set aside costs nothing."""
    texts = documents["text"].tolist()
    return pd.DataFrame(
        {
            "doc_id": documents["doc_id"],
            "source_path": documents["source_path"],
            "contamination": index.matches(texts) if index else [None] * len(texts),
            "prompt_injection": [rules.find("prompt_injection", text) for text in texts],
        }
    )


def set_aside_documents(document_checks: pd.DataFrame, params: CurationParams) -> dict[str, str]:
    """doc_id -> why no pair is made of it: it overlaps a benchmark item (with
    `decontamination.reject_pairs_of_contaminated_documents`), or carries an injection phrase
    (with `artifacts.prompt_injection`). Its pairs would be rejected for it anyway."""
    set_aside: dict[str, str] = {}
    for check in document_checks.itertuples():
        injection, contamination = check.prompt_injection, check.contamination
        if isinstance(injection, str) and params.artifacts.prompt_injection:
            set_aside[check.doc_id] = f"prompt_injection: {injection!r}"
        if (
            isinstance(contamination, str)
            and params.decontamination.reject_pairs_of_contaminated_documents
        ):
            set_aside[check.doc_id] = f"benchmark_contamination: {contamination}"
    return set_aside


def check_pairs(
    pairs: pd.DataFrame,
    index: BenchmarkIndex | None,
    rules: CurationRules,
    params: CurationParams,
) -> pd.DataFrame:
    """The deterministic checks: artifacts, benchmark overlap, closed-format answers."""
    _warn_unread(rules)
    chats = _chats(pairs)
    artifact_checks = _artifact_checks()
    found = (
        index.matches([chat.whole if isinstance(chat, Conversation) else "" for chat in chats])
        if index
        else [None] * len(chats)
    )
    rows = []
    for pair, chat, contamination in zip(pairs.to_dict("records"), chats, found, strict=True):
        if not isinstance(chat, Conversation):
            reason, detail = chat
            rows.append({**_unchecked(detail), "reasons": ordered({reason})})
            continue
        artifacts = find_artifacts(chat, rules, params.artifacts, artifact_checks)
        verdict, detail = (
            verify(
                pair.get("answer_format"),
                pair.get("reference_answer"),
                pair.get("options"),
                chat.first_answer,
                rules,
            )
            if params.verification.enabled
            else ("unchecked", "verification is off")
        )
        reasons = set(artifacts)
        if contamination:
            reasons.add("benchmark_contamination")
        if verdict == "disagrees":
            reasons.add("answer_mismatch")
        rows.append(
            {
                **_unchecked(detail),
                "artifacts": json.dumps(artifacts, ensure_ascii=False),
                "contamination": contamination,
                "verification": verdict,
                "reasons": ordered(reasons),
            }
        )
    # columns of an earlier curation of the same rows (and its choice) are replaced, not kept
    earlier = [*QUALITY_COLUMNS, "duplicate_of"]
    carried = pairs.reset_index(drop=True).drop(columns=earlier, errors="ignore")
    return pd.concat([carried, pd.DataFrame(rows, columns=QUALITY_COLUMNS)], axis=1)


def _unchecked(detail: str) -> dict[str, Any]:
    """Quality columns of a pair no check has spoken about yet."""
    return {
        "artifacts": "{}",
        "contamination": None,
        "verification": "unchecked",
        "verification_detail": detail,
        **{f"judge_{dimension}": pd.NA for dimension in JUDGE_DIMENSIONS},
        "judge_rationale": None,
        "judge_agrees": pd.NA,
    }


def collect_pairs(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows of chat datasets made elsewhere, one frame: `messages` as a JSON string, the file
    and row each came from, a stable `pair_id`; every other column carried through."""
    frames = []
    for name, table in tables.items():
        if table.empty and "messages" not in table.columns:  # an empty file
            continue
        if "messages" not in table.columns:
            raise ValueError(f"{name} has no `messages` column (columns: {list(table.columns)})")
        frame = table.reset_index(drop=True).rename(columns={"pair_id": "source_pair_id"})
        frame["messages"] = frame["messages"].map(_messages_json)
        frame["source_file"] = name
        frame["source_row"] = range(len(frame))
        frame["pair_id"] = [
            stable_id(name, row, messages) for row, messages in enumerate(frame["messages"])
        ]
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["pair_id", "source_file", "source_row", "messages"])
    return pd.concat(frames, ignore_index=True)


def _messages_json(value: object) -> str:
    """A chat as a JSON string, whether it was read as one or as a list of turns."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"  # a row without the key: its reason says "messages is missing"
    try:
        return json.dumps(to_plain(value), ensure_ascii=False)
    except TypeError:
        return str(value)
