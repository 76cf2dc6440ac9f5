"""Sliding-window rate limits for outbound Teams calls: one global, and per conversation."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Callable

# Teams allows about 7 messages a second and 60 in 30 seconds in one conversation.
PER_CONVERSATION = ((1.0, 7), (30.0, 60))


class RateLimiter:
    """`await acquire(key)` returns when one more call is allowed globally and for `key`."""

    def __init__(self, global_per_second: float, per_key: tuple[tuple[float, int], ...] = PER_CONVERSATION,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._global = ((1.0, max(1, int(global_per_second))),)
        self._per_key = per_key
        self._clock = clock
        self._global_times: deque[float] = deque()
        self._key_times: dict[str, deque[float]] = defaultdict(deque)
        self._lock = asyncio.Lock()

    @staticmethod
    def _wait(times: deque[float], limits: tuple[tuple[float, int], ...], now: float) -> float:
        longest = max(window for window, _ in limits)
        while times and times[0] <= now - longest:
            times.popleft()
        wait = 0.0
        for window, allowed in limits:
            recent = [t for t in times if t > now - window]
            if len(recent) >= allowed:
                wait = max(wait, recent[-allowed] + window - now)
        return wait

    async def acquire(self, key: str) -> None:
        async with self._lock:  # one caller at a time claims the next slot, in order
            while True:
                now = self._clock()
                wait = max(self._wait(self._global_times, self._global, now),
                           self._wait(self._key_times[key], self._per_key, now))
                if wait <= 0:
                    self._global_times.append(now)
                    self._key_times[key].append(now)
                    if len(self._key_times) > 10_000:  # forget idle conversations
                        for k in [k for k, v in self._key_times.items() if not v]:
                            del self._key_times[k]
                    return
                await asyncio.sleep(wait)
