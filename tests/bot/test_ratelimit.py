"""The send limiter keeps every window and a busy conversation delays only itself (on fake time)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random

import pytest

from bot.ratelimit import PER_CONVERSATION, RateLimiter

GLOBAL = 30


class FakeTime:
    """A clock and a sleep for the limiter. `run` moves time to the next wake-up only once every
    task is waiting, so a caller that returns without sleeping returns at the same fake time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.activity = 0  # clock reads and sleeps: while it changes, some task is still running
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        self.activity += 1
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.activity += 1
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    @property
    def sleeping(self) -> int:
        return sum(not future.done() for *_, future in self._sleepers)

    async def settle(self) -> None:
        """Yield to the loop until no task has read the clock or slept for 20 turns of the loop."""
        quiet, seen = 0, -1
        for _ in range(100_000):  # a bound, not a timeout: counts turns of the loop
            await asyncio.sleep(0)
            quiet = quiet + 1 if self.activity == seen else 0
            seen = self.activity
            if quiet >= 20:
                return
        raise AssertionError("the tasks never stopped running")

    async def run(self, *awaitables):
        """Run the awaitables together to completion, advancing time whenever all of them wait."""
        tasks = [asyncio.ensure_future(a) for a in awaitables]
        while True:
            await self.settle()
            if all(task.done() for task in tasks):
                return [task.result() for task in tasks]
            while self._sleepers and self._sleepers[0][2].done():  # cancelled sleeps
                heapq.heappop(self._sleepers)
            assert self._sleepers, "callers are stuck with no one sleeping: a deadlock"
            self.now = max(self.now, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self.now:
                future = heapq.heappop(self._sleepers)[2]
                if not future.done():
                    future.set_result(None)


def limiter(fake: FakeTime, rate: float = GLOBAL) -> RateLimiter:
    return RateLimiter(rate, clock=fake, sleep=fake.sleep)


async def calls(fake: FakeTime, lim: RateLimiter, keys, *, start: dict[int, float] | None = None):
    """Acquire for every key at once (or from the fake time in `start`); returns (key, time) per call."""
    granted: list[tuple[str, float]] = []

    async def one(index: int, key: str) -> None:
        if start and start.get(index):
            await fake.sleep(start[index])
        await lim.acquire(key)
        granted.append((key, fake.now))  # no await in between: the time the slot was claimed

    await fake.run(*(one(i, k) for i, k in enumerate(keys)))
    return granted


def max_in_window(times, window):
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def assert_within_limits(granted, global_rate=GLOBAL, per_key=PER_CONVERSATION):
    assert max_in_window([t for _, t in granted], 1.0) <= global_rate
    for key in {k for k, _ in granted}:
        times = [t for k, t in granted if k == key]
        for window, allowed in per_key:
            assert max_in_window(times, window) <= allowed, (key, window)


async def test_per_conversation_limits():
    fake = FakeTime()
    lim = limiter(fake, 1000)
    times = []
    for _ in range(130):  # one after another, as a loop of sends would
        await fake.run(lim.acquire("c"))
        times.append(fake.now)
    assert_within_limits([("c", t) for t in times], 1000)
    assert times[-1] >= 60  # 130 calls at most 60 per 30 s take more than a minute


async def test_global_limit_across_conversations():
    fake = FakeTime()
    granted = await calls(fake, limiter(fake), [f"c{i}" for i in range(300)])
    assert len(granted) == 300
    assert_within_limits(granted)
    assert 9.0 <= max(t for _, t in granted) <= 10.0  # 300 calls at 30 a second: ten seconds, not more


@pytest.mark.parametrize("busy_calls, busy_wait", [(7, 1.0), (60, 30.0)])
async def test_a_conversation_at_its_limit_does_not_delay_another(busy_calls, busy_wait):
    fake = FakeTime()
    lim = limiter(fake)
    first = (await calls(fake, lim, ["lead"] * busy_calls))[0][1]  # fills the 1 s or the 30 s window
    waiting = asyncio.create_task(lim.acquire("lead"))
    await fake.settle()
    assert not waiting.done() and fake.sleeping == 1  # the busy conversation waits for its window

    before = fake.now
    idle = asyncio.create_task(lim.acquire("other team"))
    await fake.settle()
    assert idle.done() and fake.now == before  # at once: not after the busy conversation's wait

    await fake.run(waiting)  # and the busy one still keeps to its own window
    assert fake.now == pytest.approx(first + busy_wait)


async def test_one_saturated_conversation_leaves_the_global_rate_to_the_others():
    fake = FakeTime()
    keys = ["lead"] * 300 + [f"team{i}" for i in range(100) for _ in range(3)]
    random.Random(11).shuffle(keys)
    granted = await calls(fake, limiter(fake), keys)
    assert_within_limits(granted)
    others = sorted(t for k, t in granted if k != "lead")
    busy_meanwhile = sum(1 for k, t in granted if k == "lead" and t <= others[-1])
    # The 300 other sends share the global 30/s only with the lead's few allowed calls.
    assert others[-1] <= (len(others) + busy_meanwhile) / GLOBAL
    assert busy_meanwhile <= 60 + 7  # the lead got no more than its windows allow


async def test_many_callers_waking_together_never_break_a_window():
    fake = FakeTime()
    rng = random.Random(7)
    keys = ["a"] * 150 + ["b"] * 80 + [f"k{i % 40}" for i in range(600)]
    rng.shuffle(keys)
    # Arrivals in bursts at a few instants, so many callers wait for, and wake at, the same moment.
    start = {i: rng.choice([0.0, 0.0, 0.5, 1.0, 1.0, 7.25, 30.0]) for i in range(len(keys))}
    granted = await calls(fake, limiter(fake), keys, start=start)
    assert len(granted) == len(keys)
    assert_within_limits(granted)


async def test_global_limit_with_a_fractional_rate_and_tight_conversation_windows():
    fake = FakeTime()
    lim = RateLimiter(5.9, per_key=((1.0, 2), (10.0, 5)), clock=fake, sleep=fake.sleep)
    granted = await calls(fake, lim, [f"k{i % 7}" for i in range(120)])
    assert_within_limits(granted, 5, ((1.0, 2), (10.0, 5)))
    assert max_in_window([t for _, t in granted], 1.0) == 5  # and the global rate is reached


async def test_a_cancelled_caller_takes_no_slot_and_leaves_nothing_behind():
    fake = FakeTime()
    lim = limiter(fake)
    await calls(fake, lim, ["lead"] * 7)
    waiting = [asyncio.create_task(lim.acquire("lead")) for _ in range(3)]
    await fake.settle()
    waiting[0].cancel()  # the one sleeping for the window; the others queue behind it
    await asyncio.gather(*waiting[:1], return_exceptions=True)
    await fake.run(*waiting[1:])
    granted = await calls(fake, lim, ["lead"] * 5)
    assert fake.now == 1.0  # all seven went when the window opened: the cancelled caller took no slot
    assert not lim._turns  # no queue kept for a conversation with no callers
    assert len(granted) == 5


async def test_idle_conversations_are_forgotten():
    fake = FakeTime()
    lim = limiter(fake, 1000)
    for second in range(120):  # 50 new conversations every second for two minutes
        await calls(fake, lim, [f"c{second}-{i}" for i in range(50)])
        fake.now += 1.0
    # Only conversations with a call in the last 30 s (the longest window) are remembered.
    assert 30 * 50 <= lim.tracked <= 31 * 50


async def two_replicas_sending(replicas: int, sending: int = 2) -> list[tuple[str, float]]:
    """`sending` limiters (replicas) sending at once on one clock, each told how many replicas there are."""
    fake = FakeTime()
    pair = [limiter(fake) for _ in range(sending)]
    for lim in pair:
        lim.share(replicas)
    granted: list[tuple[str, float]] = []

    async def one(lim: RateLimiter, key: str) -> None:
        await lim.acquire(key)
        granted.append((key, fake.now))

    keys = [f"c{i % 40}" for i in range(300)] + ["busy"] * 70
    await fake.run(*(one(lim, key) for key in keys for lim in pair))
    assert len(granted) == sending * len(keys)
    return granted


async def test_two_replicas_each_with_its_share_stay_within_every_limit_together():
    assert_within_limits(await two_replicas_sending(2))
    with pytest.raises(AssertionError):  # each thinking it is alone, together they break the limits
        assert_within_limits(await two_replicas_sending(1))
    fake = FakeTime()
    alone = limiter(fake)
    alone.share(2)
    assert (alone.replicas, alone.per_second) == (2, 15)


async def test_as_many_replicas_as_a_conversation_allows_calls_a_second_stay_within_it():
    assert_within_limits(await two_replicas_sending(7, sending=7))  # one call a second each


async def test_a_replica_left_alone_takes_the_whole_rate_again():
    alone = limiter(FakeTime())
    alone.share(3)
    alone.share(1)  # the others stopped: the whole rate again
    assert alone.per_second == GLOBAL
