"""How hard the gateway may push one endpoint: adaptive concurrency and request/token rates.

Concurrency adapts like TCP: a 429 halves the number of requests in flight (once per burst:
requests sent before the last cut do not cut again) and pauses new ones for the Retry-After the
endpoint asked for; each success adds a slot back, up to the configured maximum. Requests per
minute and tokens per minute are token buckets holding at most one second's worth, so a run
starts at the configured rate instead of bursting.
"""

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    per_second: float
    level: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def delay_for(self, amount: float) -> float:
        """Take `amount` now if the bucket has it; otherwise how long until it will."""
        now = time.monotonic()
        self.level = min(self.per_second, self.level + (now - self.updated) * self.per_second)
        self.updated = now
        if self.level >= min(amount, self.per_second):
            self.level -= amount
            return 0.0
        return (min(amount, self.per_second) - self.level) / self.per_second


class Throttle:
    """Shared by every stage that calls the same gateway (one model, one endpoint)."""

    def __init__(
        self,
        max_concurrency: int,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
    ) -> None:
        self.max_concurrency = max_concurrency
        self.limit = max_concurrency
        self.lowest_limit = max_concurrency
        self.rate_limited = 0
        self._in_flight = 0
        self._last_cut = 0.0
        self._paused_until = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._condition: asyncio.Condition | None = None
        self._requests = _Bucket(requests_per_minute / 60) if requests_per_minute else None
        self._tokens = _Bucket(tokens_per_minute / 60) if tokens_per_minute else None

    @property
    def _changed(self) -> asyncio.Condition:
        """The condition of the running loop: each `generate` call runs its own loop, while the
        learned limit, pause and rate buckets carry over from one stage to the next."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._condition = loop, asyncio.Condition()
        return self._condition

    @asynccontextmanager
    async def slot(self, tokens: int):
        """Hold one of the `limit` slots, once the rate buckets allow `tokens` more."""
        while (pause := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        async with self._changed:
            await self._changed.wait_for(lambda: self._in_flight < self.limit)
            self._in_flight += 1
        try:
            await self._wait_for_rate(tokens)
            yield
        finally:
            async with self._changed:
                self._in_flight -= 1
                self._changed.notify(1)  # one slot freed: wake one waiter, not thousands

    async def _wait_for_rate(self, tokens: int) -> None:
        for bucket, amount in ((self._requests, 1), (self._tokens, tokens)):
            while bucket is not None and (delay := bucket.delay_for(amount)) > 0:
                await asyncio.sleep(delay)

    async def succeeded(self) -> None:
        if self.limit < self.max_concurrency:
            async with self._changed:
                self.limit += 1
                self._changed.notify(1)

    async def rate_limited_for(self, retry_after_s: float, sent_at: float) -> None:
        """The endpoint said 429 to a request sent at `sent_at` (monotonic): pause everyone for
        Retry-After, and halve the concurrency unless a cut came after that request was sent."""
        async with self._changed:
            self.rate_limited += 1
            if sent_at >= self._last_cut:
                self.limit = max(1, self.limit // 2)
                self.lowest_limit = min(self.lowest_limit, self.limit)
                self._last_cut = time.monotonic()
            self._paused_until = max(self._paused_until, time.monotonic() + retry_after_s)
