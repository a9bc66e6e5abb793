"""Secrets out of everything a run writes: call logs, caches, failure records, reports, logs.

An endpoint may echo a request back in its error (a proxy that quotes the Authorization header
in a 400), and a model may repeat what a prompt carried. Each string the gateway keeps passes
through `redact` first: the secrets this process was configured with (each gateway's API key,
and key-like values of environment variables named like a key) are removed wherever they
appear, and so is anything shaped like an API key or a bearer token, configured or not. A
model's answer is redacted string by string (`redact_strings`), so it still parses.
"""

import logging
import os
import re
import threading
from typing import Any

REDACTED = "[REDACTED]"
# Environment variables whose values are secrets: OPENAI_API_KEY, HF_TOKEN, DB_PASSWORD, ... A
# part of the name (between underscores) says so; UV_KEYRING_PROVIDER or TOKENIZERS_PARALLELISM
# do not.
_SECRET_NAME_PARTS = {"KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIALS"}
_SECRET_NAME_ENDS = ("_KEY", "_TOKEN", "_SECRET", "_PASSWORD")
# A value short, all digits or spaced ("86400000", "true", "a phrase") is a setting, not a key.
_SECRET_VALUE = re.compile(r"(?=.*[A-Za-z])(?=.*\d)\S{16,}")
_MIN_SECRET_CHARS = 8  # a configured key shorter than this would redact ordinary words
# Where a key may start: not inside a word, or right after a JSON escape (`\nsk-...`).
_START = r"(?:(?<=\\[nrt])|(?<![A-Za-z0-9_]))"
_KEY_SHAPES = re.compile(
    rf"""
      {_START}Bearer\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{{8,}}  # a header's token
    | {_START}(?:sk|pk|rk)-(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{{16,}}  # OpenAI, Anthropic, Stripe
    | {_START}AIza[0-9A-Za-z_-]{{30,}}                     # Google
    | {_START}AKIA[0-9A-Z]{{16}}(?![A-Za-z0-9])             # AWS access key id
    | {_START}gh[pousr]_[A-Za-z0-9]{{30,}}                 # GitHub
    | {_START}hf_[A-Za-z0-9]{{30,}}                        # Hugging Face
    | {_START}xox[abprs]-[A-Za-z0-9-]{{10,}}               # Slack
    | {_START}eyJ[A-Za-z0-9_-]{{10,}}\.[A-Za-z0-9_-]{{10,}}\.[A-Za-z0-9_-]{{10,}}  # a JWT
    """,
    re.VERBOSE,
)
# What every key shape starts with: a text without any of these skips `_KEY_SHAPES` (whose
# look-behinds cost ~1 ms on a 4 KB answer, a quarter of the gateway's CPU a call).
_KEY_START = re.compile(r"Bearer|[spr]k-|AIza|AKIA|gh[pousr]_|hf_|xox|eyJ")
_NAME_START = re.compile(r"api|key|auth|token|secret|password", re.IGNORECASE)
# `api_key=...`, `"x-api-key": "..."`, `Authorization: Basic ...`: the value after a key's name.
_NAMED_VALUE = re.compile(
    r"""((?:api[-_]?key|x-api-key|authorization|access[-_]?token|secret|password)
    (?:\\?["'])?\s*[:=]\s*(?:\\?["'])?(?:Basic\s+|Bearer\s+)?)
    ([^\s"',}\[\]\\]{6,})""",  # the value stops at JSON's quotes and escapes
    re.IGNORECASE | re.VERBOSE,
)

_lock = threading.Lock()
_configured: set[str] = set()
_known: list[re.Pattern[str] | None] = []  # the secrets as one pattern, built once


def _is_secret_name(name: str) -> bool:
    upper = name.upper()
    return bool(_SECRET_NAME_PARTS & set(upper.split("_"))) or upper.endswith(_SECRET_NAME_ENDS)


def _environment_secrets() -> set[str]:
    return {
        value
        for name, value in os.environ.items()
        if _is_secret_name(name) and _SECRET_VALUE.fullmatch(value)
    }


def remember_secret(secret: str | None) -> None:
    """A secret this process was given (a gateway's API key): removed wherever it appears."""
    if secret and len(secret) >= _MIN_SECRET_CHARS:
        with _lock:
            _configured.add(secret)
            _known.clear()


def forget_known_secrets() -> None:
    """Read the environment again at the next `redact` (it is read once, for speed)."""
    with _lock:
        _known.clear()


def _secrets() -> re.Pattern[str] | None:
    """Every known secret as one pattern, longest first (one may contain another)."""
    with _lock:
        if not _known:
            secrets = sorted({*_configured, *_environment_secrets()}, key=len, reverse=True)
            _known.append(re.compile("|".join(map(re.escape, secrets))) if secrets else None)
        return _known[0]


def redact(text: str | None, named_values: bool = True) -> str | None:
    """`text` without known secrets and without anything shaped like a key or token.
    `named_values`: also the value after a key's name (`password: ...`); off for a model's
    answers, whose prose may say "the secret: ..." and is training data."""
    if not text:
        return text
    secrets = _secrets()
    if secrets is not None:
        text = secrets.sub(REDACTED, text)
    if _KEY_START.search(text):
        text = _KEY_SHAPES.sub(REDACTED, text)
    if named_values and _NAME_START.search(text):
        text = _NAMED_VALUE.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def redact_strings(value: Any) -> Any:
    """`value` (a model's answer as plain data) with each string redacted, its structure kept:
    numbers and keys are never touched, so the answer still parses."""
    if isinstance(value, str):
        return redact(value, named_values=False)
    if isinstance(value, dict):
        return {key: redact_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_strings(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, and its traceback when that quotes
    a secret, before any handler writes it (put on the root logger's handlers by
    `hooks.RedactedLogsHooks`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: logging reports it, as without us
            return True
        redacted = redact(message)
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            if redact(trace) != trace:  # the traceback itself quotes a secret: text only
                redacted = f"{redacted}\n{redact(trace)}"
                record.exc_info, record.exc_text = None, None
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
