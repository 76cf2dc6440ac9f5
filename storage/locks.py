"""Locks that hold across the processes sharing a store (`Store.locks`).

One process owns an embedded store (the TinyDB backend holds a lock file), so its own locks
(dialogs.deps) are all there is: `LocalLocks` adds nothing. The PostgreSQL backend's hold across
replicas (storage.postgres.PgLocks)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator


class LocalLocks:
    @asynccontextmanager
    async def hold(self, key: str, *, shared: bool = False) -> AsyncIterator[None]:
        yield

    @asynccontextmanager
    async def try_hold(self, key: str) -> AsyncIterator[bool]:
        yield True
