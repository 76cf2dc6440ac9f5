"""The bot running for real on loopback, with a fake connector and a real SMTP server beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.app_keys import DEPS
from bot.settings import Settings
from tests.fakes.connector import FakeConnector
from tests.fakes.smtp import SmtpServer

ADMIN_TOKEN = "test-admin-token-0123456789"


@dataclass
class Running:
    server: TestServer
    session: aiohttp.ClientSession
    connector: FakeConnector
    smtp: SmtpServer | None

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def deps(self):
        return self.server.app[DEPS]

    async def post_activity(self, activity: dict[str, Any]) -> aiohttp.ClientResponse:
        async with self.session.post(f"{self.url}/api/messages", json=activity) as resp:
            await resp.read()
            return resp

    async def admin(self, method: str, path: str, **kw) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kw.pop("headers", {})}
        async with self.session.request(method, f"{self.url}{path}", headers=headers, **kw) as resp:
            return resp.status, await resp.json(content_type=None)

    async def admin_raw(self, method: str, path: str, **kw) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kw.pop("headers", {})}
        async with self.session.request(method, f"{self.url}{path}", headers=headers, **kw) as resp:
            return resp.status, await resp.read()

    async def close(self) -> None:
        await self.session.close()
        await self.server.close()


async def start_bot(data_dir: Path, connector: FakeConnector, smtp: SmtpServer | None, *, port: int | None = None,
                    **settings: Any) -> Running:
    # Scheduled digests off unless a test asks: they would depend on the day the tests run.
    config = {"data_dir": data_dir, "admin_token": ADMIN_TOKEN, "digest_day": "OFF", **settings}
    if smtp is not None:
        config.update(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none")
    app = create_app(Settings(**config))
    server = TestServer(app, host="127.0.0.1", **({"port": port} if port else {}))
    await server.start_server()
    return Running(server, aiohttp.ClientSession(), connector, smtp)


async def eventually(check, timeout: float = 10.0, interval: float = 0.02):
    """Await `check()` until it returns something truthy (for state the worker writes after a send)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)


async def briefing_in_channel(running: Running, team, user, organisation: str = "sussex-police"):
    """The bot installed in `team` (by `user`), the team linked to `organisation`, the bundled briefing
    published to all: the post the connector received (its thread is `post.response["id"]`)."""
    from tests.fakes import teams as t

    url = running.connector.url
    await running.post_activity(t.installed(url, team, user))
    await running.post_activity(t.submit(url, team, user, {"verb": "link_organisation", "organisation": organisation}))
    await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    [post] = await running.connector.wait_for(lambda: running.connector.channel_posts())
    return post
