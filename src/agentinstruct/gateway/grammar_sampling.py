"""Grammar-constrained sampling at the cost of one check per token, not one per vocabulary entry.

llama-cpp-python puts the grammar sampler first in its chain, so every token the embedded model
writes runs the JSON grammar over all 49,152 vocabulary entries: 17 of its 38 ms per token on
2 cores (measured). llama.cpp's own samplers (common/sampling.cpp) do it the other way round:
sample without the grammar, check only the chosen token, and run the grammar over the whole
vocabulary only when that token is refused. The output still always matches the grammar.

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

    def __init__(self, chain: LlamaSampler, grammar: LlamaSampler, n_vocab: int) -> None:
        self._chain, self._grammar = chain, grammar
        self._n_vocab = n_vocab
        self._all = (llama_cpp.llama_token_data * n_vocab)()
        self._one = (llama_cpp.llama_token_data * 1)()
        self._view = np.ctypeslib.as_array(self._all)
        self._ids = np.arange(n_vocab, dtype=np.int32)

    def _candidates(self, logits: Any) -> llama_cpp.llama_token_data_array:
        self._view["id"] = self._ids
        self._view["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        self._view["p"] = 0.0
        return llama_cpp.llama_token_data_array(
            data=self._all, size=self._n_vocab, selected=-1, sorted=False
        )

    def _allowed(self, token: int) -> bool:
        self._one[0] = llama_cpp.llama_token_data(token, 0.0, 0.0)
        single = llama_cpp.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
        llama_cpp.llama_sampler_apply(self._grammar.sampler, ctypes.byref(single))
        return not math.isinf(single.data[0].logit)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        candidates = self._candidates(logits)
        llama_cpp.llama_sampler_apply(self._chain.sampler, ctypes.byref(candidates))
        token = candidates.data[candidates.selected].id
        if not self._allowed(token):  # refused: constrain the whole vocabulary, sample again
            candidates = self._candidates(logits)
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
        return GrammarLastSampler(chain, constraint, self._n_vocab)
