"""What the flows need, handed in by the composition root (bot.app)."""

from __future__ import annotations

import weakref
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import AsyncIterator, Awaitable, Callable

from content.directory import Directory
from storage.models import utcnow
from storage.protocols import Store

from .locks import ReadWriteLock
from .views import Views


class FileRefused(Exception):
    """A file someone attached could not be fetched: `reason` for the log (no address, no name),
    the message for them."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


async def _no_files(url: str) -> bytes:
    raise FileRefused("no fetcher", "I can't read attached files here.")


async def _no_mail_kept(cutoff: datetime, dry_run: bool) -> int:
    return 0


@dataclass
class Deps:
    store: Store
    directory: Directory
    clock: Callable[[], datetime] = utcnow
    mail_enabled: bool = True  # minutes also go by email (SMTP or .eml files)
    mail_from: str = "Safeguarding Learning Bot <learning-bot@localhost>"
    # An absolute, signed, expiring URL for a path on the bot's server; None when it has no public URL.
    link: Callable[[str], str | None] = lambda path: None
    # Deletes (or, dry, counts) the copies of emails kept on disk sent before a time (the .eml files
    # of local mode): the retention purge covers them too. Returns how many.
    purge_mail: Callable[[datetime, bool], Awaitable[int]] = _no_mail_kept
    # The bytes of a file attached in Teams (its downloadUrl), from where Teams keeps files only;
    # raises FileRefused.
    fetch_file: Callable[[str], Awaitable[bytes]] = _no_files
    # What each person sees in place of a thread's card (dialogs/views.py).
    views: Views = field(default_factory=Views)
    _locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary)

    def _lock_of(self, key: str) -> ReadWriteLock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = ReadWriteLock()
        return lock

    @asynccontextmanager
    async def _hold(self, key: str, shared: bool) -> AsyncIterator[None]:
        own = self._lock_of(key)  # this process's holders first: only other processes contend below
        async with own.shared() if shared else own.exclusive():
            async with self.store.locks.hold(key, shared=shared):
                yield

    def lock(self, key: str):
        """Serialises check-then-act sequences on one record, in this process and across the
        replicas sharing the store (its locks)."""
        return self._hold(key, False)

    def is_locked(self, key: str) -> bool:
        lock = self._locks.get(key)
        return lock is not None and lock.locked()

    def shared_lock(self, key: str):
        """Beside others holding it shared (members recording at once), never beside `lock(key)`."""
        return self._hold(key, True)
