"""The throttle: never more in flight than the limit, cut on 429, regrow on success."""

import asyncio
import time

from agentinstruct.gateway.online.throttle import Throttle


def _run_many(throttle: Throttle, count: int) -> int:
    """Run `count` tasks through the throttle; the most that were ever in flight at once."""
    in_flight = peak = 0

    async def work() -> None:
        nonlocal in_flight, peak
        async with throttle.slot(tokens=1):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.005)
            in_flight -= 1

    async def main() -> None:
        await asyncio.gather(*(work() for _ in range(count)))

    asyncio.run(main())
    return peak


def test_in_flight_never_exceeds_the_limit() -> None:
    assert _run_many(Throttle(3), 30) == 3


def test_one_cut_per_burst_then_regrowth() -> None:
    throttle = Throttle(8)
    sent_at = time.monotonic()

    async def burst_of_429s() -> None:
        for _ in range(5):  # five answers to requests sent before the first cut
            await throttle.rate_limited_for(0.0, sent_at)

    asyncio.run(burst_of_429s())
    assert (throttle.limit, throttle.rate_limited, throttle.lowest_limit) == (4, 5, 4)

    async def successes(count: int) -> None:
        for _ in range(count):
            await throttle.succeeded()

    asyncio.run(successes(10))
    assert throttle.limit == 8  # back to the maximum, never above


def test_a_pause_carries_over_to_the_next_stage() -> None:
    """Each stage runs its own event loop; a Retry-After pause must outlive the loop."""
    throttle = Throttle(4)
    asyncio.run(throttle.rate_limited_for(0.3, time.monotonic()))
    started = time.monotonic()
    assert _run_many(throttle, 4) == 2  # halved
    assert 0.25 <= time.monotonic() - started < 2  # waited, and did not hang
