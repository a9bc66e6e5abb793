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


def _signatures(texts: Sequence[str], shingle_words: int, num_perm: int) -> list[RMinHash]:
    """MinHash signatures, a batch of texts at a time: the shingles of every text at once would
    hold tens of KB a text (1.2 GB for 16,000 pairs), the signatures hold num_perm numbers."""
    signatures: list[RMinHash] = []
    for start in range(0, len(texts), SIGNATURE_BATCH):
        batch = texts[start : start + SIGNATURE_BATCH]
        token_sets = [shingles(words(text), shingle_words) or [""] for text in batch]
        signatures += RMinHash.from_token_sets(token_sets, num_perm, SEED)
    return signatures


def duplicate_of(
    texts: Sequence[str],
    rank: Sequence[tuple[float, str]],
    threshold: float,
    *,
    shingle_words: int,
    num_perm: int,
    bands: int,
    groups: Sequence[str | None] | None = None,
) -> list[int | None]:
    """For each text, the index of the text kept for its cluster, or None if it is kept.

    Texts are taken in order; each is linked to every earlier cluster whose first text it is
    near (estimated Jaccard similarity reaching `threshold`), and starts a cluster of its own if
    none. Only a cluster's first text goes into the LSH index, so a corpus where thousands of
    texts look alike (boilerplate, templated answers) costs one comparison per cluster, not one
    per pair of texts. The kept text of a cluster has the lowest `rank` (callers pass minus the
    score, then the id). Texts of the same non-None `group` are never linked to each other
    (several questions about one passage are the method, not duplicates).
    """
    if not texts:
        return []
    signatures = _signatures(texts, shingle_words, num_perm)
    index = RMinHashLSH(threshold, num_perm, bands)
    parent = list(range(len(texts)))
    for node, signature in enumerate(signatures):
        linked = False
        for first in index.query(signature):
            if groups is not None and groups[node] and groups[node] == groups[first]:
                continue
            if signature.jaccard(signatures[first]) >= threshold:
                parent[_find(parent, first)] = _find(parent, node)
                linked = True
        if not linked:
            index.insert(node, signature)
    clusters: dict[int, list[int]] = {}
    for node in range(len(texts)):
        clusters.setdefault(_find(parent, node), []).append(node)
    kept: list[int | None] = [None] * len(texts)
    for members in clusters.values():
        if len(members) > 1:
            keeper = min(members, key=rank.__getitem__)
            for member in members:
                kept[member] = None if member == keeper else keeper
    return kept
