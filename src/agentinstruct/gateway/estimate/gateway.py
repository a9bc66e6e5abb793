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

import litellm
from tqdm.auto import tqdm

from agentinstruct.gateway.config import is_embedded
from agentinstruct.gateway.embedded.provider import count_embedded_tokens
from agentinstruct.gateway.estimate.placeholders import (
    placeholder_answer,
    quoted_max_tokens,
    remember_placeholders,
    without_placeholders,
)
from agentinstruct.gateway.online.engine import LLMGateway
from agentinstruct.gateway.online.instructor_internals import call_model, request_body
from agentinstruct.gateway.records import LLMRequest, LLMResult
from agentinstruct.gateway.store import CachedResponse


class EstimatingGateway(LLMGateway):
    """An `LLMGateway` that answers cache misses with placeholders instead of calls."""

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
            quoted = quoted_max_tokens(body["messages"])
            remember_placeholders(answer, key, params["max_tokens"])
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
