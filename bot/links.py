"""Signed links to documents on the bot's own server: bound to one path, expiring, no token needed."""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from storage.protocols import Store, StoreError

SECRET_BITS = 256  # as many as the random secret the bot makes itself (32 bytes)
_ALPHABETS = ((re.compile(r"[0-9a-fA-F]+"), 16), (re.compile(r"[A-Za-z0-9+/_=-]+"), 64))


def secret_strength(secret: str) -> float:
    """A cautious estimate of the bits of entropy in `secret`: the lower of its length times the
    bits per character of the smallest usual alphabet it is written in (hex, base64, printable),
    and its length times the entropy of its characters as they occur (so "aaaa..." counts as 0)."""
    if not secret:
        return 0.0
    alphabet = next((size for pattern, size in _ALPHABETS if pattern.fullmatch(secret)), 95)
    counts = Counter(secret)
    observed = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts.values())
    # Random 32 bytes score 256 the first way; the second way they score about 190 to 250, so it
    # is held to half the bits: it is there to catch repetition, not to rank random strings.
    return min(len(secret) * math.log2(alphabet), 2 * len(secret) * observed)


def secret_problem(secret: str) -> str | None:
    """Why `secret` is too weak to sign links with, or None. Never says what the secret is."""
    if secret_strength(secret) >= SECRET_BITS:
        return None
    return ("is too weak to sign links: it needs at least 32 random bytes (256 bits), e.g. the 64 hex "
            "digits of `openssl rand -hex 32`")


class LinkSigner:
    def __init__(self, secret: bytes | None, public_url: str | None, ttl: timedelta) -> None:
        self._secret = secret or b""  # None: set by use_secret once the shared database is reached
        self._base = (public_url or "").rstrip("/")
        self._ttl = ttl

    @property
    def needs_secret(self) -> bool:
        return not self._secret

    def use_secret(self, secret: bytes) -> None:
        self._secret = secret

    @property
    def enabled(self) -> bool:
        return bool(self._base) and bool(self._secret)

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
        if when < now.timestamp() or not signature or not self._secret:  # never a link signed with no secret
            return False
        return hmac.compare_digest(self._signature(path, when), signature)


SHARED_SECRET_KEY = "link-secret"


async def shared_secret(store: Store) -> bytes:
    """The link secret kept in a store shared by replicas: made by the first to ask, read by the rest."""
    async with store.locks.hold(SHARED_SECRET_KEY):
        stored = await store.meta.get(SHARED_SECRET_KEY)
        if stored is None or secret_problem(str(stored.get("secret", ""))):
            stored = {"secret": secrets.token_hex(32)}
            await store.meta.put(SHARED_SECRET_KEY, stored)
    return str(stored["secret"]).encode()


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """LEARNING_BOT_LINK_SECRET, else a random secret kept in the data directory (created once)."""
    if configured:
        return configured.encode()
    path = data_dir / "link-secret"
    try:
        try:
            stored = path.read_bytes()
            if secret_problem(stored.decode("utf-8", errors="replace")):
                raise StoreError(f"the link secret in {path} is too weak or damaged; delete the file and the bot "
                                 "makes a new one (links already sent stop working)")
            return stored
        except FileNotFoundError:
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # responses and minutes go here too
            value = secrets.token_hex(32).encode()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            return value
    except OSError as exc:
        raise StoreError(f"cannot use data directory {data_dir}: {exc.strerror or exc}") from None
