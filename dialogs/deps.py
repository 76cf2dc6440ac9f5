"""What the flows need, handed in by the composition root (bot.app)."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from content.directory import Directory
from storage.models import utcnow
from storage.protocols import Store


@dataclass
class Deps:
    store: Store
    directory: Directory
    clock: Callable[[], datetime] = utcnow
    mail_enabled: bool = True  # minutes also go by email (SMTP or .eml files)
    mail_from: str = "Safeguarding Learning Bot <learning-bot@localhost>"
    # An absolute, signed, expiring URL for a path on the bot's server; None when it has no public URL.
    link: Callable[[str], str | None] = lambda path: None
    _locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary)

    def lock(self, key: str) -> asyncio.Lock:
        """Serialises check-then-act sequences on one record (one process owns the store)."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock
