"""Locks on one record, by key: exclusive for check-then-act sequences, shared for actions that may
run side by side (a team's members recording at once) but never beside an exclusive one (closing).

One process owns the store today; with several replicas these become row locks or transactions."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator


class ReadWriteLock:
    """Many shared holders, or one exclusive holder. A waiting exclusive holder goes first: new
    shared holders wait behind it, so a stream of submissions cannot keep a close waiting."""

    def __init__(self) -> None:
        self._shared = 0
        self._exclusive = False
        self._waiting_exclusive = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: not self._exclusive and not self._waiting_exclusive)
            self._shared += 1
        try:
            yield
        finally:
            async with self._changed:
                self._shared -= 1
                self._changed.notify_all()

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        async with self._changed:
            self._waiting_exclusive += 1
            try:
                await self._changed.wait_for(lambda: not self._exclusive and not self._shared)
            finally:
                self._waiting_exclusive -= 1
            self._exclusive = True
        try:
            yield
        finally:
            async with self._changed:
                self._exclusive = False
                self._changed.notify_all()

    def locked(self) -> bool:
        return self._exclusive or self._shared > 0
