"""Which failures end a run, which deserve another try, and how an answer or a failure is
recorded (secrets removed)."""

from dataclasses import replace

import litellm
from pydantic import BaseModel

from agentinstruct.gateway.online.instructor_internals import (
    IncompleteOutputException,
    InstructorRetryException,
)
from agentinstruct.gateway.store import CachedResponse
from agentinstruct.redaction import redact, redact_strings
from agentinstruct.schemas.limits import OverLimitError

# Misconfiguration fails the run at once instead of turning every item into a failure record.
FATAL_ERRORS = (
    litellm.AuthenticationError,
    litellm.PermissionDeniedError,
    litellm.NotFoundError,
)
# Worth another try: the endpoint, not the request, was the problem.
TRANSIENT_ERRORS = (
    litellm.RateLimitError,
    litellm.Timeout,
    litellm.APIConnectionError,
    litellm.InternalServerError,
    litellm.ServiceUnavailableError,
    litellm.BadGatewayError,
)
# Answers that asking again would pay for twice and still not get: cut at max_tokens (the same
# cap cuts it again), or past a guard of the contract (`ContractLimits` with over_limit: fail).
FINAL_OUTPUT_FAILURES = (IncompleteOutputException, OverLimitError)
ERROR_CHARS = 500
MAX_BACKOFF_S = 30.0
TIMEOUT_RETRIES = 1  # a request that timed out twice will time out again: the next item waits
REFUSAL = "Refusal"  # the error type of an answer the model declined to give
# Why a request failed, by the error it ended with (the record's `error_type`): what the run
# report counts, so a user sees "max_tokens" or "over_limit" beside "schema" at a glance.
_REASONS = {
    "IncompleteOutputException": "max_tokens",
    "OverLimitError": "over_limit",
    "ValidationError": "schema",
    "InstructorRetryException": "schema",  # how records written before reasons named it
    "JSONDecodeError": "invalid_json",
    REFUSAL: "refusal",
    "BudgetExhausted": "budget",
    "DeadlinePassed": "deadline",
    "BadRequestError": "bad_request",
    "UnprocessableEntityError": "bad_request",
    "ContextWindowExceededError": "context_length",
    "SecretInAnswer": "secret_in_answer",
    "RateLimitError": "rate_limited",
    "Timeout": "timeout",
    "APIConnectionError": "endpoint",
    "InternalServerError": "endpoint",
    "ServiceUnavailableError": "endpoint",
    "BadGatewayError": "endpoint",
}


_INVALID_JSON = ("json_invalid", "Invalid JSON", "JSONDecodeError")


def failure_reason(error_type: str | None, error: str | None = None) -> str:
    """The reason of a failure record: max_tokens, over_limit, schema, context_length,
    invalid_json, refusal, bad_request, secret_in_answer, budget, deadline, rate_limited,
    timeout, endpoint, or error. Pydantic names
    JSON that does not parse a ValidationError too: its message tells them apart."""
    reason = _REASONS.get(error_type or "", "error")
    if reason == "schema" and error and any(mark in error for mark in _INVALID_JSON):
        return "invalid_json"
    return reason


def error_usage(error: Exception) -> object:
    """The tokens a failed call still used: Instructor's total over its re-asks, or those of
    the answer cut at max_tokens."""
    usage = getattr(error, "total_usage", None)
    if usage is None and isinstance(error, IncompleteOutputException):
        usage = getattr(getattr(error, "last_completion", None), "usage", None)
    return usage


class DeadlinePassed(Exception):
    """No new call: the run's `run_timeout_s` has passed. A re-run asks it again."""

    def __init__(self, run_timeout_s: float | None) -> None:
        super().__init__(f"run_timeout_s={run_timeout_s} passed before this call could start")


class SecretInAnswer(ValueError):
    """An answer that quoted a secret, and with it redacted no longer fits its schema."""


def redacted_output(output: BaseModel) -> BaseModel:
    """`output` without a known secret or anything shaped like a key in any of its strings
    (a model, or an endpoint echoing the prompt, may write one), validated again; raises
    `SecretInAnswer` if it no longer fits."""
    plain = output.model_dump(mode="json")
    redacted = redact_strings(plain)
    if redacted == plain:
        return output
    try:
        return type(output).model_validate(redacted)
    except Exception as error:  # a guard, a length limit: the answer cannot be kept
        raise SecretInAnswer(
            f"the answer quoted a secret; redacted, it no longer fits its schema: {error}"
        ) from None


def answer_record(output: BaseModel, prompt_tokens: int, completion_tokens: int) -> CachedResponse:
    """A validated answer as the cache stores it, redacted (`redacted_output`); an answer that
    redaction breaks is a failure record instead."""
    try:
        content = redacted_output(output).model_dump_json()
    except SecretInAnswer as error:
        return replace(
            failure_record(error), prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    return CachedResponse(content, prompt_tokens, completion_tokens)


def refusal_text(error: BaseException) -> str | None:
    """What the model said instead of answering (OpenAI's `refusal` field), if it refused."""
    completion = getattr(error, "last_completion", None)
    try:
        return getattr(completion.choices[0].message, "refusal", None) or None
    except (AttributeError, IndexError, TypeError):
        return None


def failure_record(
    error: Exception, usage: object = None, refusal: str | None = None
) -> CachedResponse:
    """A failed request as the cache stores it: no content, the error class and message (a
    refusal's own words), secrets removed."""
    return CachedResponse(
        content=None,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        error_type=REFUSAL if refusal else type(error).__name__,
        error=redact(refusal or str(error))[:ERROR_CHARS],
    )


def retry_after_s(error: Exception) -> float | None:
    """The endpoint's Retry-After, where LiteLLM kept the response headers."""
    headers = getattr(getattr(error, "response", None), "headers", None) or getattr(
        error, "litellm_response_headers", None
    )
    try:
        return min(MAX_BACKOFF_S, float(headers.get("retry-after")))
    except (AttributeError, TypeError, ValueError):
        return None


def transport_cause(error: Exception) -> BaseException | None:
    """What failed underneath: Instructor wraps the transport error of its last try."""
    return error.__cause__ if isinstance(error, InstructorRetryException) else error


def is_fatal(error: BaseException | None) -> bool:
    return isinstance(error, FATAL_ERRORS)


class FatalEndpointError(RuntimeError):
    """The endpoint refused the run itself (bad key, no access, unknown model): every other
    call would fail the same way, so the run stops at once with what to fix."""


_FIXES = (
    (
        litellm.AuthenticationError,
        "the endpoint refused the API key (401): set it in conf/local/credentials.yml or the"
        " provider's environment variable (docs/configuration.md)",
    ),
    (
        litellm.PermissionDeniedError,
        "the key may not use this model or endpoint (403): check the account's access",
    ),
    (
        litellm.NotFoundError,
        "the model or endpoint was not found (404): check the model name and api_base of the"
        " catalog entry",
    ),
)


def fatal_error(model: str, error: BaseException) -> FatalEndpointError:
    """One line: the model, what to fix, and the endpoint's own words (secrets removed)."""
    fix = next((text for kind, text in _FIXES if isinstance(error, kind)), "fatal endpoint error")
    said = redact(" ".join(str(error).split()))[:200]
    return FatalEndpointError(f"{model}: {fix}. The endpoint said: {said}")


def is_transient(error: BaseException | None) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


def is_timeout(error: BaseException | None) -> bool:
    return isinstance(error, litellm.Timeout)
