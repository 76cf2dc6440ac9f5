"""The send limiter keeps to the global and per-conversation windows (with a fake clock)."""

import asyncio

from bot.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def run(limiter, clock, keys):
    """Acquire for each key in turn; returns the fake time at which each was allowed."""
    times = []
    real_sleep = asyncio.sleep

    async def fake_sleep(seconds):
        clock.now += seconds
        await real_sleep(0)

    asyncio.sleep = fake_sleep
    try:
        for key in keys:
            await limiter.acquire(key)
            times.append(clock.now)
    finally:
        asyncio.sleep = real_sleep
    return times


def max_in_window(times, window):
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_per_conversation_limits():
    clock = FakeClock()
    times = await run(RateLimiter(1000, clock=clock), clock, ["c"] * 130)
    assert max_in_window(times, 1.0) <= 7
    assert max_in_window(times, 30.0) <= 60
    assert times[-1] >= 60  # 130 calls at most 60 per 30 s take more than a minute


async def test_global_limit_across_conversations():
    clock = FakeClock()
    times = await run(RateLimiter(30, clock=clock), clock, [f"c{i}" for i in range(300)])
    assert max_in_window(times, 1.0) <= 30
    assert 9.0 <= times[-1] <= 10.5  # 300 calls at 30 a second: about ten seconds, not more
