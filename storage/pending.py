"""In-process index of pending deliveries and the wake-up signal, shared by the backends."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from .models import Delivery


class PendingIndex:
    """Pending deliveries kept in memory so the worker never scans the whole outbox.

    Sound because one process owns the store (the TinyDB backend holds a lock file).
    """

    def __init__(self) -> None:
        self._pending: dict[str, Delivery] = {}
        self._event: asyncio.Event | None = None

    def track(self, delivery: Delivery) -> None:
        if delivery.final:
            self._pending.pop(delivery.id, None)
        else:
            self._pending[delivery.id] = delivery.model_copy(deep=True)

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        ready = [d for d in self._pending.values() if d.due_at <= now]
        ready.sort(key=lambda d: (d.due_at, d.created_at))
        return [d.model_copy(deep=True) for d in ready[:limit]]

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        """The due deliveries, each with its attempt counted and its lease set (not yet stored)."""
        claimed = self.due(now, limit)
        for d in claimed:
            d.attempts += 1
            d.leased_until = now + lease
        return claimed

    def next_due_at(self) -> datetime | None:
        return min((d.due_at for d in self._pending.values()), default=None)

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()

    async def wait(self, timeout: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
        self._event.clear()
