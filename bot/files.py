"""Fetch a file someone attached in Teams (its `downloadUrl`): https from the hosts Teams serves
files from, and only there; loopback as well in local mode (the Agents Playground, the tests).
At most `limit` bytes, within a time limit, redirects followed only to those same hosts."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from dialogs.deps import FileRefused

from .settings import is_loopback

# Files attached in a personal chat are kept in the sender's OneDrive for Business (SharePoint);
# the national clouds have their own domains.
FILE_HOSTS = ("sharepoint.com", "sharepoint.us", "sharepoint-mil.us", "sharepoint.de", "sharepoint.cn",
              "files.1drv.com", "1drv.ms")
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


def allowed(url: str, *, local_mode: bool) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if local_mode and parts.scheme in ("http", "https") and is_loopback(host):
        return True
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in FILE_HOSTS)


def make_fetcher(*, local_mode: bool, limit: int, timeout: float = 60.0) -> Callable[[str], Awaitable[bytes]]:
    async def fetch(url: str) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                async with aiohttp.ClientSession() as session:
                    return await _fetch(session, url, local_mode=local_mode, limit=limit)
        except TimeoutError:
            raise FileRefused("timeout", "The file took too long to arrive from Teams. Try attaching it again.") \
                from None
        except aiohttp.ClientError:
            raise FileRefused("unreachable", "I couldn't download the file from Teams. Try attaching it again; if "
                              "it keeps happening, tell whoever runs this bot.") from None

    return fetch


async def _fetch(session: aiohttp.ClientSession, url: str, *, local_mode: bool, limit: int) -> bytes:
    too_big = FileRefused("too_big", f"The file is larger than {limit // 1024 // 1024} MB, the most a briefing "
                          "can be. Make its pictures smaller (in Word: File, Compress Pictures) or remove them, "
                          "then attach it again.")
    for _ in range(MAX_REDIRECTS + 1):
        if not allowed(url, local_mode=local_mode):
            raise FileRefused("host", "That file isn't stored where Teams keeps attachments, so I haven't "
                              "downloaded it. Attach the document from your computer or OneDrive.")
        async with session.get(url, allow_redirects=False) as resp:
            if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                url = str(resp.url.join(URL(resp.headers["Location"])))
                continue
            if resp.status != 200:
                raise FileRefused(f"status {resp.status}", "Teams wouldn't let me download the file (it may have "
                                  "been deleted or moved). Attach it again.")
            if resp.content_length is not None and resp.content_length > limit:
                raise too_big
            body = bytearray()
            async for chunk in resp.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > limit:
                    raise too_big
            return bytes(body)
    raise FileRefused("redirects", "Teams sent me round in circles for that file. Attach it again.")
