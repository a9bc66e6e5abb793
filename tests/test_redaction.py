"""Secrets never reach what a run writes: configured keys, key-like environment values and
anything shaped like a key or token are redacted; ordinary text and JSON stay as they were."""

import logging

import pytest

from agentinstruct import redaction
from agentinstruct.gateway.online.errors import SecretInAnswer, redacted_output
from agentinstruct.redaction import REDACTED, RedactingFilter, redact, redact_strings
from agentinstruct.schemas.llm_outputs import contracts

AZURE_KEY = "3f9a1c27e84b4d0c9a6e5b2f71d08c4e"


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_API_KEY", AZURE_KEY)
    monkeypatch.setenv("UV_KEYRING_PROVIDER", "subprocess")  # named like a key, not one
    monkeypatch.setenv("SESSION_TOKEN_TTL_MS", "86400000")  # a setting, not a key
    redaction.forget_known_secrets()
    yield
    redaction.forget_known_secrets()


def test_keys_are_redacted_and_ordinary_text_is_not() -> None:
    text = (
        f"Use subprocess.run; ttl 86400000; key {AZURE_KEY}; escaped\\nsk-proj-abc123def456ghi789"
        " and Authorization: Bearer abc123def456ghi; sk-learn-preprocessing is a word"
    )
    redacted = redact(text)
    assert AZURE_KEY not in redacted and "abc123def456" not in redacted
    assert "subprocess.run" in redacted and "86400000" in redacted
    assert "sk-learn-preprocessing" in redacted
    assert redact('{"api_key": "zzzzzzzzzz"}') == f'{{"api_key": "{REDACTED}"}}'


def test_an_answer_is_redacted_string_by_string_and_still_parses() -> None:
    answer = contracts().teacher_answer.model_validate(
        {
            "explanation": "The key is read from the environment.",
            "answer": f"Set the key to {AZURE_KEY}, then call subprocess.run.",
        }
    )
    redacted = redacted_output(answer)
    assert AZURE_KEY not in redacted.model_dump_json() and "subprocess.run" in redacted.answer
    assert redact_strings({"ttl_ms": 86400000, "n": [1, AZURE_KEY]}) == {
        "ttl_ms": 86400000,
        "n": [1, REDACTED],
    }


def test_an_answer_that_redaction_would_break_is_refused() -> None:
    from pydantic import BaseModel, Field

    class Short(BaseModel):
        code: str = Field(max_length=40)

    redaction.remember_secret("Zq7Xw2Pk")  # 8 characters; "[REDACTED]" is 10
    with pytest.raises(SecretInAnswer):
        redacted_output(Short(code="x" * 31 + "Zq7Xw2Pk"))


def test_log_records_and_their_tracebacks_are_redacted(caplog) -> None:
    logger = logging.getLogger("agentinstruct.test_redaction")
    for handler in [caplog.handler]:
        handler.addFilter(RedactingFilter())
    logger.warning("the endpoint said: %s", f"bad key {AZURE_KEY}")
    try:
        raise RuntimeError(f"header Authorization: Bearer {AZURE_KEY}")
    except RuntimeError:
        logger.exception("failed")
    assert AZURE_KEY not in caplog.text
    assert caplog.text.count(REDACTED) >= 2
    messages = [record.getMessage() for record in caplog.records[:2]]
    assert all(REDACTED in message and AZURE_KEY not in message for message in messages)
    assert "Traceback" in messages[1]  # a traceback that quoted the key is kept, redacted
    broken = logging.LogRecord("x", logging.WARNING, __file__, 1, "%s %s", (1,), None)
    assert RedactingFilter().filter(broken)  # a malformed record is logging's to report
