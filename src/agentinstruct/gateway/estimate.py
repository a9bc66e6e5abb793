"""The estimate run's gateway: no call is made, and every request is counted.

Answers the cache holds are used as they are (a pilot run's measured answers, free to reuse).
Every other request gets a placeholder answer, a valid example of its schema, so the flow goes
on and later stages make the requests they would make if every call succeeded. Each is recorded
as `estimated`, with token bounds counted on the prompt it would send (the model's own template
and tokenizer for the embedded model, LiteLLM's counter otherwise):
- `prompt_tokens`, the least: the prompt with the earlier answers it quotes left empty (their
  placeholders are found by their ids and taken out);
- `max_prompt_tokens`, the most: that, plus `max_tokens` of each answer it quotes;
- `completion_tokens`, the least: the placeholder answer with its texts empty (keys, numbers,
  choices);
- `max_tokens`, the most.
Nothing is cached.
"""

import json
import re
from collections import OrderedDict

import litellm
from tqdm.auto import tqdm

from agentinstruct.gateway.cache import CachedResponse
from agentinstruct.gateway.config import is_embedded
from agentinstruct.gateway.gateway import LLMGateway
from agentinstruct.gateway.instructor_internals import call_model, request_body
from agentinstruct.gateway.local_model import count_embedded_tokens
from agentinstruct.gateway.placeholders import (
    PLACEHOLDER_ID,
    placeholder_answer,
    without_placeholders,
)
from agentinstruct.gateway.records import LLMRequest, LLMResult

# Placeholder id -> (the answer it is part of, that answer's max_tokens). Shared by the
# teacher's and the judge's gateways of a process; past the cap the oldest go (a partition's
# stages quote only their own partition's answers).
_QUOTABLE: OrderedDict[str, tuple[str, int]] = OrderedDict()
QUOTABLE_ENTRIES = 500_000


class EstimatingGateway(LLMGateway):
    """An `LLMGateway` that answers cache misses with placeholders instead of calls."""

    def made_up(self, text: str) -> bool:
        return any(placeholder in _QUOTABLE for placeholder in re.findall(PLACEHOLDER_ID, text))

    def _answer(
        self, stage: str, requests: list[LLMRequest], keys: list[str], bar: tqdm
    ) -> list[LLMResult]:
        results = []
        for request, key in zip(requests, keys, strict=True):
            params = self._params(request)
            body = request_body(request.response_model, self.config.mode, request.messages, params)
            schema = call_model(request.response_model).model_json_schema()
            answer = placeholder_answer(body, schema)
            least_answer = json.dumps(without_placeholders(json.loads(answer)))
            prompt_tokens = self._count(without_placeholders(body["messages"]))
            response = CachedResponse(answer, prompt_tokens, self._count(None, least_answer))
            quoted = _quoted_max_tokens(body["messages"])
            _remember(answer, key, params["max_tokens"])
            record = {
                "cached": False,
                "attempts": 0,
                "latency_s": 0.0,
                "status": "estimated",
                "max_prompt_tokens": prompt_tokens + quoted,
            }
            results.append(self._result(stage, request, response, **record))
            bar.update(1)
        return results

    def _count(self, messages: list[dict] | None, text: str = "") -> int:
        if is_embedded(self.model):
            return count_embedded_tokens(self.model, messages, text)
        if messages is None:
            return litellm.token_counter(model=self.model, text=text)
        return litellm.token_counter(model=self.model, messages=messages)


def _remember(answer: str, key: str, max_tokens: int) -> None:
    for placeholder in re.findall(PLACEHOLDER_ID, answer):
        _QUOTABLE[placeholder] = (key, max_tokens)
    while len(_QUOTABLE) > QUOTABLE_ENTRIES:
        _QUOTABLE.popitem(last=False)


def _quoted_max_tokens(messages: list[dict]) -> int:
    """The most the earlier answers a prompt quotes could be, each answer counted once."""
    text = " ".join(message.get("content") or "" for message in messages)
    answers = dict(
        _QUOTABLE[placeholder]
        for placeholder in set(re.findall(PLACEHOLDER_ID, text))
        if placeholder in _QUOTABLE
    )
    return sum(answers.values())
