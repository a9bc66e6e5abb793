"""A deterministic fake LLM for tests: a LiteLLM custom provider that answers any JSON schema.

Its answers depend only on the messages, so runs are reproducible; a message containing
FAIL_MARKER gets malformed JSON every time, so tests can watch failure records happen.
"""

import hashlib
import json
from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse, Usage

from agentinstruct.devtools.schema_example import schema_example

PROVIDER = "fake"
MODEL = f"{PROVIDER}/teacher"
FAIL_MARKER = "FAIL-THIS-CALL"


class FakeTeacher(CustomLLM):
    """Counts its calls, so tests can assert that a re-run made none."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.seen_kwargs: list[dict[str, Any]] = []

    def completion(
        self,
        model: str,
        messages: list,
        model_response: ModelResponse,
        optional_params: dict,
        **kwargs: Any,
    ) -> ModelResponse:
        self.calls += 1
        self.seen_kwargs.append({"api_key": kwargs.get("api_key"), **optional_params})
        prompt = json.dumps(messages, sort_keys=True)
        schema = optional_params["response_format"]["json_schema"]["schema"]
        if FAIL_MARKER in prompt:
            content = '{"this is": not json'
        else:
            salt = hashlib.sha256(prompt.encode()).hexdigest()
            content = json.dumps(schema_example(schema, salt))
        model_response.choices[0].message.content = content
        model_response.choices[0].finish_reason = "stop"
        model_response.model = model
        model_response.usage = Usage(
            prompt_tokens=len(prompt) // 4,
            completion_tokens=len(content) // 4,
            total_tokens=(len(prompt) + len(content)) // 4,
        )
        return model_response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)


def install() -> FakeTeacher:
    """Register a fresh fake as the `fake/` provider (replacing an earlier one)."""
    teacher = FakeTeacher()
    litellm.custom_provider_map[:] = [
        item for item in litellm.custom_provider_map if item["provider"] != PROVIDER
    ]
    litellm.custom_provider_map.append({"provider": PROVIDER, "custom_handler": teacher})
    return teacher
