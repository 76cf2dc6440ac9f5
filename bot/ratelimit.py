"""Sliding-window rate limits for outbound Teams calls: one global, and per conversation."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from typing import Awaitable, Callable

# Teams allows about 7 messages a second and 60 in 30 seconds in one conversation.
PER_CONVERSATION = ((1.0, 7), (30.0, 60))

Limits = tuple[tuple[float, int], ...]


def _wait(times: deque[float], limits: Limits, now: float) -> float:
    """Seconds until one more call fits every (window, allowed); `times` ascending, the latest kept."""
    wait = 0.0
    for window, allowed in limits:
        # A window is full when the allowed-th latest call is still inside it: O(1), no scan.
        if len(times) >= allowed:
            wait = max(wait, times[-allowed] + window - now)
    return wait


def _share(limit: tuple[float, int], replicas: int) -> tuple[float, int]:
    """One of `replicas` equal shares of (window, allowed): fewer calls in the window, or, once that
    would be less than one, one call in a longer window (8 replicas of 7 a second: 1 in 8/7 s each).
    Shares hold the limit together up to `allowed` replicas (7 for a conversation's second); beyond,
    each may still send its one call at the same moment as the others."""
    window, allowed = limit
    if allowed >= replicas:
        return window, allowed // replicas
    return window * replicas / allowed, 1


class _Turn:
    """The callers for one conversation; they are served one at a time, in arrival order."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class RateLimiter:
    """`await acquire(key)` returns when one more call is allowed globally and for `key`.

    A caller first waits for its own conversation's windows, holding nothing that other
    conversations need, so a conversation at its limit delays only itself. Callers whose
    conversation allows a call then take global slots in arrival order. The check and the claim
    of a slot are one synchronous step (no await between), so callers waking together never
    claim the same slot. One event loop; not thread-safe.
    """

    def __init__(self, global_per_second: float, per_key: Limits = PER_CONVERSATION,
                 clock: Callable[[], float] = time.monotonic, *,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        allowed = max(1, int(global_per_second))
        self._rate, self._per_key_whole, self._replicas = allowed, per_key, 1
        self._global: Limits = ((1.0, allowed),)
        self._per_key = per_key
        self._clock = clock
        self._sleep = sleep
        # Each window needs only the latest `allowed` calls, so the deques are bounded by count.
        self._global_times: deque[float] = deque(maxlen=allowed)
        self._key_depth = max((n for _, n in per_key), default=1)
        self._longest = max((w for w, _ in per_key), default=0.0)
        # Recent calls per conversation, least recently used first, so idle ones are dropped cheaply.
        self._key_times: OrderedDict[str, deque[float]] = OrderedDict()
        self._turns: dict[str, _Turn] = {}
        # Held only by a caller its conversation already allows, while it waits for a global slot:
        # every other caller would wait for that same slot, so holding it delays nobody.
        self._global_turn = asyncio.Lock()

    @property
    def replicas(self) -> int:
        return self._replicas

    @property
    def per_second(self) -> float:
        """The calls a second this limiter allows (its share of the global rate)."""
        window, allowed = self._global[0]
        return allowed / window

    def share(self, replicas: int) -> None:
        """Allow this process its share of every limit when `replicas` processes send at once (each
        takes an equal part, rounded down, at least one call a window): together they stay within
        Teams' limits. The calls already made count against the new limits."""
        replicas = max(1, replicas)
        if replicas == self._replicas:
            return
        self._replicas = replicas
        self._global = (_share((1.0, self._rate), replicas),)
        self._global_times = deque(self._global_times, maxlen=self._global[0][1])
        self._per_key = tuple(_share(limit, replicas) for limit in self._per_key_whole)
        self._longest = max((w for w, _ in self._per_key), default=0.0)  # calls remembered that long

    @property
    def tracked(self) -> int:
        """Conversations whose recent calls are remembered (those with a call in the longest window)."""
        return len(self._key_times)

    async def acquire(self, key: str) -> None:
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = _Turn()
        turn.users += 1
        try:
            # Calls for one conversation go one after another anyway: queueing them here keeps
            # one timer per conversation instead of every waiter waking at each free slot.
            async with turn.lock:
                while (wait := self._key_wait(key, self._clock())) > 0:
                    await self._sleep(wait)
                async with self._global_turn:
                    while True:
                        now = self._clock()
                        wait = max(_wait(self._global_times, self._global, now), self._key_wait(key, now))
                        if wait <= 0:
                            self._claim(key, now)
                            return
                        await self._sleep(wait)
        finally:
            turn.users -= 1
            if not turn.users:
                del self._turns[key]

    def expected_wait(self, key: str) -> float:
        """Roughly how long a call for `key` made now would wait for its conversation: its windows,
        plus the callers already queued for it (at the conversation's per-second rate). Lets a caller
        come back later instead of holding a place while one busy conversation drains."""
        turn = self._turns.get(key)
        queued = turn.users if turn else 0
        per_second = min((n / w for w, n in self._per_key), default=float("inf"))
        return self._key_wait(key, self._clock()) + queued / per_second

    def _key_wait(self, key: str, now: float) -> float:
        times = self._key_times.get(key)
        return _wait(times, self._per_key, now) if times else 0.0

    def _claim(self, key: str, now: float) -> None:
        self._global_times.append(now)
        times = self._key_times.get(key)
        if times is None:
            times = self._key_times[key] = deque(maxlen=self._key_depth)
        else:
            self._key_times.move_to_end(key)
        times.append(now)
        # Forget conversations with no call in the longest window: those calls limit nothing now.
        # Claims come in time order, so the least recently used is the first; at most one entry
        # is dropped per claim on average, and the dict holds only the last window's conversations.
        while self._key_times:
            oldest = next(iter(self._key_times.values()))
            if oldest[-1] > now - self._longest:
                break
            self._key_times.popitem(last=False)
