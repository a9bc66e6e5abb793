"""Secrets out of everything a run writes: call logs, caches, failure records, reports, logs.

An endpoint may echo a request back in its error (a proxy that quotes the Authorization header
in a 400), and a model may repeat what a prompt carried. Each string the gateway keeps passes
through `redact` first: the secrets this process was configured with (each gateway's API key,
and environment variables named like a key) are removed wherever they appear, and so is
anything shaped like an API key or a bearer token, configured or not.
"""

import logging
import os
import re
import threading

REDACTED = "[REDACTED]"
# Environment variables whose values are secrets: OPENAI_API_KEY, HF_TOKEN, DB_PASSWORD, ...
_SECRET_NAMES = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
_MIN_SECRET_CHARS = 8  # shorter values ("1", "true") would redact ordinary words
_KEY_SHAPES = re.compile(
    r"""
      \bBearer\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}  # a header's token (has a digit)
    | \b(?:sk|pk|rk)-(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{16,}  # OpenAI, Anthropic (sk-ant-), Stripe
    | \bAIza[0-9A-Za-z_-]{30,}                         # Google
    | \bAKIA[0-9A-Z]{16}\b                             # AWS access key id
    | \bgh[pousr]_[A-Za-z0-9]{30,}                     # GitHub
    | \bhf_[A-Za-z0-9]{30,}                            # Hugging Face
    | \bxox[abprs]-[A-Za-z0-9-]{10,}                   # Slack
    | \beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}  # a JWT
    """,
    re.VERBOSE,
)
# `api_key=...`, `"x-api-key": "..."`, `Authorization: Basic ...`: the value after a key's name.
_NAMED_VALUE = re.compile(
    r"""((?:api[-_]?key|x-api-key|authorization|access[-_]?token|secret|password)
    (?:\\?["'])?\s*[:=]\s*(?:\\?["'])?(?:Basic\s+|Bearer\s+)?)
    ([^\s"',}\[\]\\]{6,})""",  # the value stops at JSON's quotes and escapes
    re.IGNORECASE | re.VERBOSE,
)

_lock = threading.Lock()
_configured: set[str] = set()


def remember_secret(secret: str | None) -> None:
    """A secret this process was given (a gateway's API key): removed wherever it appears."""
    if secret and len(secret) >= _MIN_SECRET_CHARS:
        with _lock:
            _configured.add(secret)


def _secrets() -> list[str]:
    from_environment = [
        value
        for name, value in os.environ.items()
        if _SECRET_NAMES.search(name) and len(value) >= _MIN_SECRET_CHARS
    ]
    with _lock:
        known = {*_configured, *from_environment}
    return sorted(known, key=len, reverse=True)  # a longer secret first: one may contain another


def redact(text: str | None, named_values: bool = True) -> str | None:
    """`text` without configured secrets and without anything shaped like a key or token.
    `named_values`: also the value after a key's name (`password: ...`); off for a model's
    answers, whose prose may say "the secret: ..." and is training data."""
    if not text:
        return text
    for secret in _secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _KEY_SHAPES.sub(REDACTED, text)
    if named_values:
        text = _NAMED_VALUE.sub(lambda match: match.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter (conf/logging.yml) that redacts each record's message, exception
    included, before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            if redact(trace) != trace:  # the traceback itself quotes a secret: text only
                redacted = f"{redacted}\n{redact(trace)}"
                record.exc_info, record.exc_text = None, None
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
