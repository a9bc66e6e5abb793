"""Near-duplicate clusters by MinHash LSH (rensa), one kept per cluster.

rensa was chosen by measuring (benchmarks/curation_benchmark.py has the numbers): on 100k
texts of 80 words it builds signatures ~50x and queries LSH ~10x faster than datasketch.
"""

from collections.abc import Sequence

from rensa import RMinHash, RMinHashLSH

from agentinstruct.curation.text import shingles, words

SEED = 42  # fixed: the same texts give the same signatures in every run
SIGNATURE_BATCH = 1000


def _find(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _signatures(
    texts: Sequence[str],
    shingle_words: int,
    num_perm: int,
    scopes: Sequence[str | None] | None = None,
) -> list[RMinHash]:
    """MinHash signatures, a batch of texts at a time: the shingles of every text at once would
    hold tens of KB a text (1.2 GB for 16,000 pairs), the signatures hold num_perm numbers. A
    text's shingles are prefixed by its scope, so texts of different scopes share none."""
    signatures: list[RMinHash] = []
    for start in range(0, len(texts), SIGNATURE_BATCH):
        batch = texts[start : start + SIGNATURE_BATCH]
        token_sets = [shingles(words(text), shingle_words) or [""] for text in batch]
        if scopes is not None:
            token_sets = [
                [f"{scope}\x1f{token}" for token in tokens] if scope else tokens
                for tokens, scope in zip(
                    token_sets, scopes[start : start + SIGNATURE_BATCH], strict=True
                )
            ]
        signatures += RMinHash.from_token_sets(token_sets, num_perm, SEED)
    return signatures


class NearDuplicates:
    """Near-duplicate clusters of texts fed in order, a batch at a time.

    Each text is linked to every earlier cluster whose first text it is near (estimated
    Jaccard similarity reaching `threshold`), and starts a cluster of its own if none. Only a
    cluster's first text goes into the LSH index and only its signature is kept, so a corpus
    where thousands of texts look alike (boilerplate, templated answers) costs one comparison
    per cluster, not one per pair of texts, and the texts themselves need never be held at
    once. Texts of the same non-None group are never linked to each other (several questions
    about one passage are the method, not duplicates); texts of different scopes are never
    linked either (the shared context each was compared without: `curation/context.py`).
    """

    def __init__(self, threshold: float, *, shingle_words: int, num_perm: int, bands: int):
        self.threshold, self.shingle_words, self.num_perm = threshold, shingle_words, num_perm
        self._index = RMinHashLSH(threshold, num_perm, bands)
        self._firsts: dict[int, tuple[RMinHash, str | None]] = {}  # signature, group
        self._parent: list[int] = []

    def add(
        self,
        texts: Sequence[str],
        groups: Sequence[str | None] | None = None,
        scopes: Sequence[str | None] | None = None,
    ) -> None:
        """The next texts, numbered after those added before."""
        signatures = _signatures(texts, self.shingle_words, self.num_perm, scopes)
        for position, signature in enumerate(signatures):
            node = len(self._parent)
            self._parent.append(node)
            group = None if groups is None else groups[position]
            linked = False
            for first in self._index.query(signature):
                first_signature, first_group = self._firsts[first]
                if group and group == first_group:
                    continue
                if signature.jaccard(first_signature) >= self.threshold:
                    self._parent[_find(self._parent, first)] = _find(self._parent, node)
                    linked = True
            if not linked:
                self._index.insert(node, signature)
                self._firsts[node] = (signature, group)

    def kept_by(self, rank: Sequence[tuple[float, str]]) -> list[int | None]:
        """For each text, the number of the text kept for its cluster, or None if it is kept:
        the member with the lowest `rank` (callers pass minus the score, then the id)."""
        clusters: dict[int, list[int]] = {}
        for node in range(len(self._parent)):
            clusters.setdefault(_find(self._parent, node), []).append(node)
        kept: list[int | None] = [None] * len(self._parent)
        for members in clusters.values():
            if len(members) > 1:
                keeper = min(members, key=rank.__getitem__)
                for member in members:
                    kept[member] = None if member == keeper else keeper
        return kept


def duplicate_of(
    texts: Sequence[str],
    rank: Sequence[tuple[float, str]],
    threshold: float,
    *,
    shingle_words: int,
    num_perm: int,
    bands: int,
    groups: Sequence[str | None] | None = None,
    scopes: Sequence[str | None] | None = None,
) -> list[int | None]:
    """For each text, the index of the text kept for its cluster, or None if it is kept
    (`NearDuplicates` over all of `texts` at once)."""
    clusters = NearDuplicates(
        threshold, shingle_words=shingle_words, num_perm=num_perm, bands=bands
    )
    clusters.add(texts, groups, scopes)
    return clusters.kept_by(rank)
