"""Token lengths of chat pairs, counted offline with the teacher's tokenizer where it is known.

LiteLLM ships tiktoken's cl100k_base, o200k_base and p50k_base files inside its package, named
as tiktoken's cache names them (the SHA-1 of the file's URL). Only an encoding whose file is
there is ever loaded, with tiktoken's cache pointed at that folder, so tiktoken never reaches
the network. The folder is found without importing LiteLLM (~3 s; the gateway is its only
importer).
"""

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tiktoken

from agentinstruct.schemas.frames import to_plain

_LITELLM_TOKENIZERS = ("litellm_core_utils", "tokenizers")
_ENCODING_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# Encodings made from another one's file (plus special tokens, which counting ignores).
_FILE_OF = {"o200k_harmony": "o200k_base", "p50k_edit": "p50k_base"}
FALLBACK_ENCODING = "cl100k_base"  # what LiteLLM counts an unknown model's tokens with
# The turns a model reads (the prompt) and those it writes (the response).
PROMPT_ROLES, RESPONSE_ROLES = ("system", "user", "tool"), ("assistant",)


@dataclass(frozen=True)
class Tokenizer:
    encoding: tiktoken.Encoding
    description: str  # which tokenizer, and whose, in a sentence of Markdown


def bundled_encodings() -> Path | None:
    """LiteLLM's folder of tiktoken files, if LiteLLM is installed."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*_LITELLM_TOKENIZERS)


def _bundled(encoding: str, folder: Path) -> bool:
    url = _ENCODING_URL.format(_FILE_OF.get(encoding, encoding))
    return (folder / hashlib.sha1(url.encode()).hexdigest()).is_file()


def _encoding_of(model: str) -> str | None:
    """tiktoken's encoding of an OpenAI model (`openai/gpt-4o-mini` -> o200k_base), else None."""
    try:
        return tiktoken.encoding_name_for_model(model.rsplit("/", 1)[-1])
    except KeyError:
        return None


@contextmanager
def _tiktoken_cache(folder: Path) -> Iterator[None]:
    """tiktoken reads its files from `folder` (a file found there is not fetched)."""
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def tokenizer_for(models: list[str], folder: Path | None) -> Tokenizer | None:
    """The models' own tokenizer when tiktoken knows it (OpenAI models; one for all of them)
    and its file is in `folder`, else cl100k_base as an approximation; None without that file
    either."""
    if folder is None:
        return None
    own = {_encoding_of(model) for model in models}
    name = own.pop() if len(own) == 1 else None
    named = ", ".join(f"`{model}`" for model in models) or "the teacher"
    if name is not None and _bundled(name, folder):
        description = f"`{name}` (tiktoken), the tokenizer of {named}"
    elif _bundled(FALLBACK_ENCODING, folder):
        name = FALLBACK_ENCODING
        description = f"`{name}` (tiktoken), an approximation: {named}'s tokenizer is unknown"
    else:
        return None
    with _tiktoken_cache(folder):
        return Tokenizer(tiktoken.get_encoding(name), description)


def _turn_text(message: dict[str, Any]) -> str:
    """What a turn holds: its text, and the tool calls an assistant writes (as JSON)."""
    calls = message.get("tool_calls")
    return (message.get("content") or "") + (json.dumps(calls) if calls else "")


def token_lengths(messages: pd.Series, encoding: tiktoken.Encoding) -> pd.DataFrame:
    """Tokens of each chat's prompt (system, user and tool turns) and response (assistant
    turns): the sum over its turns, without a chat template's own tokens. Special-token text in
    a turn counts as plain text."""
    owners, responses, texts = [], [], []
    for row, chat in enumerate(messages):
        for message in to_plain(chat):
            if message["role"] in (*PROMPT_ROLES, *RESPONSE_ROLES):
                owners.append(row)
                responses.append(message["role"] in RESPONSE_ROLES)
                texts.append(_turn_text(message))
    counts = np.array([len(tokens) for tokens in encoding.encode_ordinary_batch(texts)], int)
    owner, response = np.array(owners, int), np.array(responses, bool)
    return pd.DataFrame(
        {
            part: np.bincount(owner[mask], counts[mask], minlength=len(messages)).astype(int)
            for part, mask in (("prompt", ~response), ("response", response))
        }
    )


def length_stats(lengths: pd.Series) -> dict[str, float | int]:
    """count, mean, p50, p90 and max of a column of token lengths (percentiles are lengths
    that occur: the nearest rank)."""
    if lengths.empty:
        return {"count": 0, "mean": 0.0, "p50": 0, "p90": 0, "max": 0}
    return {
        "count": len(lengths),
        "mean": round(float(lengths.mean()), 1),
        "p50": int(lengths.quantile(0.5, interpolation="nearest")),
        "p90": int(lengths.quantile(0.9, interpolation="nearest")),
        "max": int(lengths.max()),
    }
