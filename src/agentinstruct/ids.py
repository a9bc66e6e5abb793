"""Stable ids and seeded draws: the same content and seed give the same ids and choices."""

import hashlib
import random
from collections.abc import Mapping, Sequence


def stable_id(*parts: object) -> str:
    """16 hex digits of SHA-256 over the parts: content-addressed, so re-runs agree."""
    payload = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def seeded_rng(seed: int, *parts: object) -> random.Random:
    """A generator per item, so adding a document never changes the draws of the others."""
    return random.Random(int(stable_id(seed, *parts), 16))


def weighted_sample(
    rng: random.Random, names: Sequence[str], weights: Mapping[str, float], k: int
) -> list[str]:
    """Up to `k` distinct names, drawn by weight (missing names weigh 1, weight 0 never drawn)."""
    pool = [name for name in names if weights.get(name, 1.0) > 0]
    chosen: list[str] = []
    while pool and len(chosen) < k:
        pick = rng.choices(pool, weights=[weights.get(name, 1.0) for name in pool])[0]
        chosen.append(pick)
        pool.remove(pick)
    return chosen
