"""Near-duplicate clusters by MinHash LSH (rensa), one kept per cluster.

rensa was chosen by measuring (benchmarks/curation_benchmark.py has the numbers): on 100k
texts of 80 words it builds signatures ~50x and queries LSH ~10x faster than datasketch.
"""

from collections.abc import Sequence

from rensa import RMinHash, RMinHashLSH

from agentinstruct.curation.text import shingles, words

SEED = 42  # fixed: the same texts give the same signatures in every run


def _find(parent: list[int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


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

    Texts whose estimated Jaccard similarity reaches `threshold` are linked, and linked texts
    form a cluster; the kept one has the lowest `rank` (callers pass minus the score, then the id).
    Texts of the same non-None `group` are never linked to each other (several questions
    about one passage are the method, not duplicates).
    """
    if not texts:
        return []
    signatures = RMinHash.from_token_sets(
        [shingles(words(text), shingle_words) or [""] for text in texts], num_perm, SEED
    )
    index = RMinHashLSH(threshold, num_perm, bands)
    index.insert_many(signatures, 0)
    parent = list(range(len(texts)))
    for node, candidates in enumerate(index.query_all(signatures)):
        for other in candidates:
            if other <= node or (
                groups is not None and groups[node] and groups[node] == groups[other]
            ):
                continue
            if signatures[node].jaccard(signatures[other]) >= threshold:
                parent[_find(parent, node)] = _find(parent, other)
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
