"""Which failures end a run, which deserve another try, and how a failure is recorded."""

import json

import litellm
from pydantic import ValidationError

from agentinstruct.gateway.cache import CachedResponse
from agentinstruct.gateway.instructor_internals import (
    IncompleteOutputException,
    InstructorRetryException,
)
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
# Why a request failed, by the error it ended with (the record's `error_type`): what the run
# report counts, so a user sees "max_tokens" or "over_limit" beside "schema" at a glance.
_REASONS = {
    "IncompleteOutputException": "max_tokens",
    "OverLimitError": "over_limit",
    "ValidationError": "schema",
    "InstructorRetryException": "schema",  # how records written before reasons named it
    "JSONDecodeError": "invalid_json",
    "BudgetExhausted": "budget",
    "RateLimitError": "rate_limited",
    "Timeout": "timeout",
    "APIConnectionError": "endpoint",
    "InternalServerError": "endpoint",
    "ServiceUnavailableError": "endpoint",
    "BadGatewayError": "endpoint",
}


def failure_reason(error_type: str | None) -> str:
    """The reason of a failure record: max_tokens, over_limit, schema, invalid_json, budget,
    rate_limited, timeout, endpoint, or error."""
    return _REASONS.get(error_type or "", "error")


def error_usage(error: Exception) -> object:
    """The tokens a failed call still used: Instructor's total over its re-asks, or those of
    the answer cut at max_tokens."""
    usage = getattr(error, "total_usage", None)
    if usage is None and isinstance(error, IncompleteOutputException):
        usage = getattr(getattr(error, "last_completion", None), "usage", None)
    return usage


def failure_record(error: Exception, usage: object = None) -> CachedResponse:
    """A failed request as the cache stores it: no content, the error class and message."""
    return CachedResponse(
        content=None,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        error_type=type(error).__name__,
        error=str(error)[:ERROR_CHARS],
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


def is_transient(error: BaseException | None) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


def is_schema_failure(error: Exception) -> bool:
    """The model's own output failed its contract: the same request would fail the same way."""
    if isinstance(error, IncompleteOutputException):
        return True
    return isinstance(error, InstructorRetryException) and isinstance(
        error.__cause__, ValidationError | json.JSONDecodeError | OverLimitError
    )
