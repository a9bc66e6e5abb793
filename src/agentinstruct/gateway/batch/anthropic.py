"""Anthropic's Message Batches, behind the same face as OpenAI-format batches (`ProviderBatches`).

LiteLLM 1.110 reads an Anthropic batch's state and downloads its results, but cannot create
one, and hands the results over as Anthropic wrote them. This module creates the batch over
HTTP, each request's `params` being the body LiteLLM sends Anthropic for the same call online,
and reads each result into the chat completion LiteLLM would return online: both through
LiteLLM's own Anthropic transformation, so a batch answer is parsed as an online one.

Anthropic takes the requests in the create call, not as an uploaded file, so `upload` keeps a
file's lines in this process until `start` sends them. Two consequences for a killed run:
- killed after `upload` and before `start`: nothing was sent, so the re-run asks those lines
  again in a new batch (`keeps_files` is False);
- killed after Anthropic accepted a batch and before the ledger wrote its id: the batch carries
  no file or metadata to find it by, so the re-run submits its lines again. It is the one
  instant where a kill pays twice, for at most one batch.
"""

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import litellm
from litellm.litellm_core_utils.url_utils import join_api_base
from litellm.llms.anthropic.common_utils import AnthropicModelInfo
from litellm.utils import get_optional_params

from agentinstruct.gateway.batch.provider import BatchLine, BatchState, ProviderBatches

ANTHROPIC_VERSION = "2023-06-01"
CREATE_TIMEOUT_S = 600.0  # a batch's requests arrive in one body of up to 256 MB


class MessageBatchError(Exception):
    """Anthropic refused to create a batch: its HTTP status and message."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"Anthropic Message Batches: {status_code} {message}")
        self.status_code = status_code


class AnthropicBatches(ProviderBatches):
    """Anthropic's batch endpoints with the teacher's credentials (`call_kwargs`)."""

    keeps_files = False

    def __init__(self, call_kwargs: dict[str, Any], completion_window: str = "24h") -> None:
        super().__init__(call_kwargs, completion_window)  # Anthropic's window is fixed: 24 h
        self._unsent: dict[str, list[dict[str, Any]]] = {}
        self._transform = litellm.AnthropicConfig()

    def upload(self, data: bytes) -> str:
        """Keep a batch file's lines, as Anthropic requests, until `start`; their id."""
        file_id = f"unsent-{uuid.uuid4().hex}"  # the same lines sent again are a new file
        lines = (json.loads(text) for text in data.decode("utf-8").splitlines() if text.strip())
        self._unsent[file_id] = [
            {"custom_id": line["custom_id"], "params": self._params(line["body"])} for line in lines
        ]
        return file_id

    def start(self, file_id: str, metadata: dict[str, str]) -> str:
        """Create the batch of a kept file (Anthropic batches take no metadata); its id."""
        requests = self._unsent.pop(file_id)
        api_base = AnthropicModelInfo.resolve_anthropic_api_base(self._kwargs.get("api_base"))
        response = httpx.post(
            join_api_base(api_base, "v1/messages/batches"),
            headers={
                "x-api-key": AnthropicModelInfo.get_api_key(self._kwargs.get("api_key")) or "",
                "anthropic-version": ANTHROPIC_VERSION,
            },
            json={"requests": requests},
            timeout=CREATE_TIMEOUT_S,
        )
        if response.status_code != 200:
            raise MessageBatchError(response.status_code, response.text[:500])
        return response.json()["id"]

    def find(self, file_id: str) -> None:
        """Anthropic's batches name no file: a batch whose id was not written down is lost."""
        return None

    def results(self, state: BatchState) -> Iterator[BatchLine]:
        """Every request's result: its completion, or why there is none (errored, expired)."""
        content = litellm.file_content(file_id=state.output_file_id, **self._kwargs).content
        for text in content.decode("utf-8").splitlines():
            if text.strip():
                yield self._line(json.loads(text))

    def _line(self, line: dict[str, Any]) -> BatchLine:
        result = line.get("result") or {}
        if result.get("type") != "succeeded":
            error = (result.get("error") or {}).get("error") or {}
            reason = error.get("type") or result.get("type", "no result")
            return BatchLine(line["custom_id"], None, f"{reason}: {error.get('message', '')}")
        message = result["message"]
        completion = self._transform.transform_parsed_response(
            completion_response=message,
            raw_response=httpx.Response(200, json=message),
            model_response=litellm.ModelResponse(),
            json_mode=False,
        )
        return BatchLine(line["custom_id"], completion.model_dump(), None)

    def _params(self, body: dict[str, Any]) -> dict[str, Any]:
        """The Anthropic request LiteLLM would send for this OpenAI chat body."""
        openai_params = dict(body)
        model, messages = openai_params.pop("model"), openai_params.pop("messages")
        optional = get_optional_params(
            model=model, custom_llm_provider="anthropic", drop_params=True, **openai_params
        )
        return self._transform.transform_request(
            model=model,
            messages=messages,
            optional_params=optional,
            litellm_params={},
            headers={},
        )
