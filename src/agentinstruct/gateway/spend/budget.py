"""A spending cap shared by every process that uses the same response cache.

What was spent, and a hold for each call in flight (the most it can cost), live in the cache
database beside the answers, so the partitions of a run, the workers of a cluster and later
re-runs all count against one total. A call starts only if spent + holds + its own hold fit
under `budget_usd`; it then settles at its real cost. When nothing is in flight and the next
call still does not fit, the budget is exhausted: no new call is made. Raising `budget_usd`
(or naming a new `budget_name`) lets a re-run continue; answers already paid for come from the
cache and cost nothing.
"""

import time
from dataclasses import dataclass

from agentinstruct.gateway.config import GatewayConfig
from agentinstruct.gateway.store import ResponseStore, open_store

_TABLES = (
    "CREATE TABLE IF NOT EXISTS budget_spent (scope TEXT PRIMARY KEY,"
    " usd DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS budget_holds (scope TEXT NOT NULL, key TEXT NOT NULL,"
    " usd DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (scope, key))",
)


class BudgetExhausted(Exception):
    """No new call: what was spent plus what is in flight would pass the budget."""


@dataclass(frozen=True)
class Standing:
    spent_usd: float
    held_usd: float
    holds: int


class Budget:
    """`budget_usd` for the calls named `scope`, kept in `store`'s database."""

    def __init__(self, store: ResponseStore, scope: str, budget_usd: float) -> None:
        self.store, self.scope, self.budget_usd = store, scope, budget_usd
        for statement in _TABLES:
            store.sql(statement)

    def hold(self, key: str, usd: float, ttl_s: float) -> bool:
        """Hold `usd` for the call `key` if it fits; a key held again replaces its own hold (a
        re-run of a killed run does not count its calls twice). A hold lapses after `ttl_s`."""
        now = time.time()
        with self.store.exclusively() as run:
            standing = self._standing(run, now, but=key)
            if standing.spent_usd + standing.held_usd + usd > self.budget_usd:
                return False
            run(
                "INSERT INTO budget_holds (scope, key, usd, expires_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (scope, key) DO UPDATE SET usd = excluded.usd,"
                " expires_at = excluded.expires_at",
                (self.scope, key, usd, now + ttl_s),
            )
        return True

    def settle(self, key: str, usd: float) -> None:
        """The call `key` ended having cost `usd`: its hold becomes spending."""
        with self.store.exclusively() as run:
            run("DELETE FROM budget_holds WHERE scope = ? AND key = ?", (self.scope, key))
            run(
                "INSERT INTO budget_spent (scope, usd) VALUES (?, ?)"
                " ON CONFLICT (scope) DO UPDATE SET usd = budget_spent.usd + excluded.usd",
                (self.scope, usd),
            )

    def standing(self) -> Standing:
        with self.store.exclusively() as run:
            return self._standing(run, time.time())

    def exhausted(self, needed_usd: float) -> BudgetExhausted:
        standing = self.standing()
        return BudgetExhausted(
            f"budget exhausted: ${standing.spent_usd:.4f} spent of ${self.budget_usd:.4f}"
            f" ({self.scope}); this call could cost up to ${needed_usd:.4f}. Raise budget_usd"
            " and re-run: answers already paid for come from the cache."
        )

    def _standing(self, run, now: float, but: str = "") -> Standing:
        spent = run("SELECT usd FROM budget_spent WHERE scope = ?", (self.scope,))
        held, holds = run(
            "SELECT COALESCE(SUM(usd), 0), COUNT(*) FROM budget_holds"
            " WHERE scope = ? AND expires_at > ? AND key <> ?",
            (self.scope, now, but),
        )[0]
        return Standing(spent[0][0] if spent else 0.0, float(held), int(holds))


def budget_line(config: GatewayConfig) -> str | None:
    """`$spent of $budget spent, $left left (scope)` for a gateway with `budget_usd`, read from
    its cache (what every run and process on that cache spent); None without a budget."""
    if config.budget_usd is None:
        return None
    store = open_store(config.cache_path)
    try:
        standing = Budget(store, config.budget_name or config.model, config.budget_usd).standing()
    finally:
        store.close()
    left = max(0.0, config.budget_usd - standing.spent_usd - standing.held_usd)
    return (
        f"${standing.spent_usd:.4f} of ${config.budget_usd:.4f} spent, ${left:.4f} left"
        f" ({config.budget_name or config.model})"
    )
