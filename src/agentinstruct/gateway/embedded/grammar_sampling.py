"""Grammar-constrained sampling at the cost of one check per token, not one per vocabulary entry.

llama-cpp-python puts the grammar sampler first in its chain, so every token the embedded model
writes runs the JSON grammar over all 49,152 vocabulary entries: 17 of its 38 ms per token on
2 cores (measured). llama.cpp's own samplers (common/sampling.cpp) do it the other way round:
sample without the grammar, check only the chosen token, and run the grammar over the whole
vocabulary only when that token is refused. The output still always matches the grammar.

The sampler chain itself (repeat penalty, top-k, top-p, min-p, temperature) also walked all
49,152 entries. Penalties only lower logits, so the top-k tokens after them are among the top
k + penalty_last_n before them; the chain runs on that shortlist (an argpartition, ~0.15 ms) and
picks the same token from the same distribution: sampling went from ~2.1 to ~1.4 ms a token,
most of the rest being the refused tokens that still need the grammar over the whole vocabulary.

Imported only when the embedded model loads (llama_cpp is slow to import).
"""

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import Llama
from llama_cpp._internals import LlamaSampler


class GrammarLastSampler:
    """The sampler chain without the grammar, then the grammar as a check on its choice."""

    def __init__(
        self, chain: LlamaSampler, grammar: LlamaSampler, n_vocab: int, shortlist: int | None
    ) -> None:
        self._chain, self._grammar = chain, grammar
        self._n_vocab = n_vocab
        self._shortlist = shortlist  # None: the chain needs every token (no top-k)
        self._all = (llama_cpp.llama_token_data * n_vocab)()
        self._one = (llama_cpp.llama_token_data * 1)()
        self._view = np.ctypeslib.as_array(self._all)
        self._ids = np.arange(n_vocab, dtype=np.int32)

    def _candidates(self, logits: Any, shortlist: int | None) -> llama_cpp.llama_token_data_array:
        scores = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        if shortlist is None:
            ids = self._ids
        else:
            ids = np.argpartition(scores, -shortlist)[-shortlist:].astype(np.int32)
        size = len(ids)
        self._view["id"][:size] = ids
        self._view["logit"][:size] = scores[ids]
        self._view["p"][:size] = 0.0
        return llama_cpp.llama_token_data_array(
            data=self._all, size=size, selected=-1, sorted=False
        )

    def _allowed(self, token: int) -> bool:
        self._one[0] = llama_cpp.llama_token_data(token, 0.0, 0.0)
        single = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._grammar.sampler, ctypes.byref(single))
        return not math.isinf(single.data[0].logit)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        candidates = self._candidates(logits, self._shortlist)
        llama_cpp.llama_sampler_apply(self._chain.sampler, ctypes.byref(candidates))
        token = candidates.data[candidates.selected].id
        if not self._allowed(token):  # refused: constrain the whole vocabulary, sample again
            candidates = self._candidates(logits, None)
            llama_cpp.llama_sampler_apply(self._grammar.sampler, ctypes.byref(candidates))
            llama_cpp.llama_sampler_apply(self._chain.sampler, ctypes.byref(candidates))
            token = candidates.data[candidates.selected].id
        self._grammar.accept(token)
        self._chain.accept(token)
        return token


class GrammarLastLlama(Llama):
    """`Llama` whose grammar-constrained generation samples first and checks second."""

    def _init_sampler(self, *args: Any, grammar: Any = None, **kwargs: Any) -> Any:
        chain = super()._init_sampler(*args, grammar=None, **kwargs)
        if grammar is None:
            return chain
        constraint = LlamaSampler()
        constraint.add_grammar(self._model, grammar)
        return GrammarLastSampler(chain, constraint, self._n_vocab, self._shortlist(**kwargs))

    def _shortlist(
        self,
        top_k: int = 40,
        temp: float = 0.8,
        repeat_penalty: float = 1.0,
        frequency_penalty: float = 0.0,
        presence_penalty: float = 0.0,
        mirostat_mode: int = 0,
        logits_processor: Any = None,
        **_: Any,
    ) -> int | None:
        """How many top logits the chain can choose from; None where that cannot be bounded
        (no top-k, mirostat, custom processors, or penalties that raise logits)."""
        only_lowered = repeat_penalty >= 1.0 and frequency_penalty >= 0 and presence_penalty >= 0
        if mirostat_mode or logits_processor is not None or not only_lowered:
            return None
        keep = 1 if temp == 0.0 else top_k if temp > 0 else 0  # temp < 0: plain dist
        if keep <= 0:
            return None
        return min(self._n_vocab, keep + self.last_n_tokens_size)
