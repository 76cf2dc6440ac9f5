"""Locks on one record, by key: exclusive for check-then-act sequences, shared for actions that may
run side by side (a team's members recording at once) but never beside an exclusive one (closing).

One process owns the store today; with several replicas these become row locks or transactions."""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator


class ReadWriteLock:
    """Many shared holders, or one exclusive holder, granted in the order asked for: once an exclusive
    holder waits, shared holders asking after it wait behind it, so a stream of submissions cannot
    keep a close waiting. Releasing never waits, so a cancellation cannot leave the lock held."""

    def __init__(self) -> None:
        self._shared = 0
        self._exclusive = False
        self._waiting: deque[tuple[bool, asyncio.Future]] = deque()

    def _free_for(self, exclusive: bool) -> bool:
        return not self._exclusive and (self._shared == 0 if exclusive else True)

    async def _acquire(self, exclusive: bool) -> None:
        if self._free_for(exclusive) and not self._waiting:
            self._take(exclusive)
            return
        entry = (exclusive, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        try:
            await entry[1]
        except asyncio.CancelledError:
            if entry[1].done() and not entry[1].cancelled():  # granted as it was cancelled: give it back
                self._release(exclusive)
            else:
                self._waiting.remove(entry)
                self._wake()  # those queued behind it may go now
            raise

    def _take(self, exclusive: bool) -> None:
        if exclusive:
            self._exclusive = True
        else:
            self._shared += 1

    def _release(self, exclusive: bool) -> None:
        if exclusive:
            self._exclusive = False
        else:
            self._shared -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiting:
            exclusive, future = self._waiting[0]
            if future.done():  # cancelled while queued
                self._waiting.popleft()
                continue
            if not self._free_for(exclusive):
                return
            self._waiting.popleft()
            self._take(exclusive)
            future.set_result(None)
            if exclusive:
                return

    @asynccontextmanager
    async def shared(self) -> AsyncIterator[None]:
        await self._acquire(False)
        try:
            yield
        finally:
            self._release(False)

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        await self._acquire(True)
        try:
            yield
        finally:
            self._release(True)

    def locked(self) -> bool:
        return self._exclusive or self._shared > 0
