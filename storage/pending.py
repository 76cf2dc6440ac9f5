"""In-process index of pending deliveries and the wake-up signal, shared by the backends."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from datetime import datetime, timedelta

from .models import Delivery


class PendingIndex:
    """Pending deliveries kept in memory so the worker never scans the whole outbox.

    Sound because one process owns the store (the TinyDB backend holds a lock file). They are kept
    in a heap by when they are due, so a claim reads only the few it takes: at the start of a
    broadcast to 5,000 teams, scanning and sorting every pending delivery before each batch of
    eight was the event loop's largest cost.
    """

    def __init__(self) -> None:
        self._pending: dict[str, Delivery] = {}
        # (due, created, sequence, id): an entry whose sequence is not its delivery's latest is stale
        # (the delivery changed or was done), dropped when it reaches the top.
        self._heap: list[tuple[datetime, datetime, int, str]] = []
        self._latest: dict[str, int] = {}
        self._sequence = itertools.count()
        self._event: asyncio.Event | None = None

    def track(self, delivery: Delivery) -> None:
        if delivery.final:
            self._pending.pop(delivery.id, None)
            self._latest.pop(delivery.id, None)
        else:
            copy = self._pending[delivery.id] = delivery.model_copy(deep=True)
            n = self._latest[delivery.id] = next(self._sequence)
            heapq.heappush(self._heap, (copy.due_at, copy.created_at, n, copy.id))
        if len(self._heap) > 2 * len(self._pending) + 64:  # mostly stale entries: start afresh
            self._heap = [entry for entry in self._heap if self._latest.get(entry[3]) == entry[2]]
            heapq.heapify(self._heap)

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap and self._latest.get(heap[0][3]) != heap[0][2]:
            heapq.heappop(heap)

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Up to `limit` deliveries due by `now`, the earliest due first (then the oldest)."""
        taken = []
        while len(taken) < limit:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now:
                break
            taken.append(heapq.heappop(self._heap))
        for entry in taken:  # reading them changes nothing: they stay where they were
            heapq.heappush(self._heap, entry)
        return [self._pending[entry[3]].model_copy(deep=True) for entry in taken]

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        """The due deliveries, each with its attempt counted and its lease set (not yet stored)."""
        claimed = self.due(now, limit)
        for d in claimed:
            d.attempts += 1
            d.leased_until = now + lease
        return claimed

    def next_due_at(self) -> datetime | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
        self._event.clear()
