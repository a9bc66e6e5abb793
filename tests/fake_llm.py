"""A deterministic fake LLM for tests: a LiteLLM custom provider that answers any JSON schema.

Its answers are the fake OpenAI server's (`agentinstruct.devtools.fake_openai.completion`), made
in-process: they depend only on the messages, and a message containing FAIL_MARKER gets malformed
JSON every time, so tests can watch failure records happen. `fake/teacher` honours every length
of the schema (its smallest values); `fake/natural` writes as long as a strong model does,
`maxLength` or not, and is cut at `max_tokens` (`devtools/natural_answers.py`).
"""

import json
from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse, Usage

from agentinstruct.devtools.fake_openai import completion

PROVIDER = "fake"
MODEL = f"{PROVIDER}/teacher"
NATURAL_MODEL = f"{PROVIDER}/natural"
# A student that answers every question with the same letter, whatever it is asked.
CONSTANT_MODEL = f"{PROVIDER}/always-d"
CONSTANT_ANSWER = "D"
FAIL_MARKER = "FAIL-THIS-CALL"  # malformed JSON: a failure a re-run asks again
SCHEMA_FAIL_MARKER = "BREAK-THE-SCHEMA"  # well-formed JSON outside the schema: a lasting one
REFUSE_MARKER = "REFUSE-THIS-CALL"  # no content, OpenAI's `refusal` field instead
REFUSAL = "I'm sorry, I can't help with that request."


class FakeTeacher(CustomLLM):
    """Counts its calls, so tests can assert that a re-run made none."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.seen_kwargs: list[dict[str, Any]] = []
        self.prompts: list[str] = []  # the last message of each call, in the order received

    def completion(
        self,
        model: str,
        messages: list,
        model_response: ModelResponse,
        optional_params: dict,
        **kwargs: Any,
    ) -> ModelResponse:
        self.calls += 1
        self.prompts.append(messages[-1]["content"])
        self.seen_kwargs.append({"api_key": kwargs.get("api_key"), **optional_params})
        body = {
            "messages": messages,
            "response_format": optional_params["response_format"],
            "max_tokens": optional_params.get("max_tokens"),
        }
        asked = json.dumps(messages)
        fault = "malformed" if FAIL_MARKER in asked else None
        answer = completion(body, fault, natural=model.endswith("natural"))
        choice = answer["choices"][0]
        model_response.choices[0].message.content = choice["message"]["content"]
        if model.endswith(CONSTANT_MODEL.split("/")[1]):
            model_response.choices[0].message.content = json.dumps({"answer": CONSTANT_ANSWER})
        if SCHEMA_FAIL_MARKER in asked:
            model_response.choices[0].message.content = "{}"
        if REFUSE_MARKER in asked:
            model_response.choices[0].message.content = None
            model_response.choices[0].message.refusal = REFUSAL
        model_response.choices[0].finish_reason = choice["finish_reason"]
        model_response.model = model
        model_response.usage = Usage(**answer["usage"])
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
