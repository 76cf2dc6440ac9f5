"""Signed links to documents on the bot's own server: bound to one path, expiring, no token needed."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from storage.protocols import StoreError


class LinkSigner:
    def __init__(self, secret: bytes, public_url: str | None, ttl: timedelta) -> None:
        self._secret = secret
        self._base = (public_url or "").rstrip("/")
        self._ttl = ttl

    @property
    def enabled(self) -> bool:
        return bool(self._base)

    def _signature(self, path: str, expires: int) -> str:
        return hmac.new(self._secret, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()[:40]

    def sign(self, path: str, now: datetime) -> str | None:
        """An absolute URL for `path` valid until now + ttl (None without LEARNING_BOT_PUBLIC_URL)."""
        if not self.enabled:
            return None
        expires = int((now + self._ttl).timestamp())
        return f"{self._base}{path}?{urlencode({'expires': expires, 'sig': self._signature(path, expires)})}"

    def verify(self, path: str, expires: str | None, signature: str | None, now: datetime) -> bool:
        try:
            when = int(expires or "")
        except ValueError:
            return False
        if when < now.timestamp() or not signature:
            return False
        return hmac.compare_digest(self._signature(path, when), signature)


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """LEARNING_BOT_LINK_SECRET, else a random secret kept in the data directory (created once)."""
    if configured:
        return configured.encode()
    path = data_dir / "link-secret"
    try:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # responses and minutes go here too
            value = secrets.token_hex(32).encode()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            return value
    except OSError as exc:
        raise StoreError(f"cannot use data directory {data_dir}: {exc.strerror or exc}") from None
