"""Outbound email: SMTP (TLS or STARTTLS unless configured for a local relay), or .eml files."""

from __future__ import annotations

import asyncio
import os
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib

from .settings import Settings


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> dict[str, Any]: ...


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


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return FileMailer(settings.data_dir / "mail")
