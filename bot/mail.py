"""Outbound email: SMTP (TLS or STARTTLS unless configured for a local relay), or .eml files."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib

from .settings import Settings

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def describe(self) -> str: ...
    async def send(self, message: EmailMessage) -> dict[str, Any]: ...

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete (or, dry, count) the copies of messages it keeps that were sent before `cutoff`."""
        ...


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._host = settings.smtp_host
        self._port = settings.smtp_port_or_default
        self._security = settings.smtp_security
        self._username = settings.smtp_username
        self._password = settings.smtp_password.get_secret_value() if settings.smtp_password else None

    def describe(self) -> str:
        return f"SMTP {self._host}:{self._port} ({self._security})"

    async def send(self, message: EmailMessage) -> dict[str, Any]:
        await aiosmtplib.send(
            message, hostname=self._host, port=self._port,
            username=self._username, password=self._password,
            use_tls=self._security == "tls",
            start_tls=True if self._security == "starttls" else False,  # True *requires* STARTTLS
            timeout=30,
        )
        return {"message_id": message["Message-ID"]}

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        return 0  # sent messages are not kept here


class FileMailer:
    """Writes each message as an .eml file, for a local user to open; no mail leaves the machine."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def describe(self) -> str:
        return f"files in {self._directory}"

    async def send(self, message: EmailMessage) -> dict[str, Any]:
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> dict[str, Any]:
        self._directory.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9._-]+", "", str(message["Message-ID"]))[:80] or "message"
        path = self._directory / f"{stem}.eml"
        tmp = path.with_suffix(".tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(message.as_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return {"message_id": message["Message-ID"], "file": path.name}

    async def purge_before(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """The .eml files written before `cutoff` (by the time each was written): minutes carry
        responses, so they go with the retention purge."""
        return await asyncio.to_thread(self._purge, cutoff.timestamp(), dry_run)

    def _purge(self, cutoff: float, dry_run: bool) -> int:
        try:
            old = [p for p in self._directory.iterdir()
                   if p.suffix in (".eml", ".tmp") and p.is_file() and p.stat().st_mtime < cutoff]
        except FileNotFoundError:
            return 0
        if dry_run:
            return len(old)
        deleted = 0
        for path in old:
            try:
                path.unlink(missing_ok=True)
                deleted += 1
            except OSError as exc:  # the rest still go; this one is tried again at the next purge
                log.warning("could not delete %s: %s", path.name, exc.strerror or exc)
        return deleted


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return FileMailer(settings.data_dir / "mail")
