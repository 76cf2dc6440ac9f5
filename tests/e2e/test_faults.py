"""Publishing to 200 teams while the Bot Connector fails 10% of calls in every way it can: 429 with
Retry-After, 500, 502, 503, timeouts and connection resets. Every team's card is posted exactly once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from aiohttp import web

from bot.app_keys import WORKER
from tests.fakes import teams as t
from tests.fakes.connector import FakeConnector
from tests.harness import eventually, start_bot

TEAMS = 200
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
FAULTS = ["429", "500", "502", "503", "timeout", "reset"]


class FaultyConnector(FakeConnector):
    """Fails a share of calls at random, before doing anything (a refused call posts nothing)."""

    def __init__(self, rate: float, seed: int) -> None:
        super().__init__()
        self.rate, self.rng, self.injected = rate, random.Random(seed), Counter()
        self.active = False

    @web.middleware
    async def _inject_faults(self, request: web.Request, handler):
        if not self.active or self.rng.random() >= self.rate:
            return await handler(request)
        fault = self.rng.choice(FAULTS)
        self.injected[fault] += 1
        if fault == "429":
            return web.json_response({"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "0"})
        if fault == "timeout":
            await asyncio.sleep(1.0)  # longer than the bot waits for a send
            return web.json_response({"error": {"code": "Timeout"}}, status=504)
        if fault == "reset":
            request.transport.close()
            raise web.HTTPServiceUnavailable()
        return web.json_response({"error": {"code": "ServiceError"}}, status=int(fault))


async def test_two_hundred_teams_under_ten_percent_faults_get_one_card_each(tmp_path):
    connector = await FaultyConnector(rate=0.10, seed=6).start()
    bot = await start_bot(tmp_path / "data", connector, None, send_rate=400)
    try:
        worker = bot.server.app[WORKER]
        worker._base_delay, worker._send_timeout = 0.02, 0.3
        teams = [t.TeamSpec(f"19:fault-{n}@thread.tacv2", f"Team {n}", "11111111-1111-1111-1111-111111111111")
                 for n in range(TEAMS)]
        for team in teams:
            assert (await bot.post_activity(t.installed(connector.url, team, ANA))).status == 200
        connector.active = True
        status, body = await bot.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
        assert (status, body["queued"]) == (202, TEAMS)

        async def finished():
            status, rows = await bot.admin("GET", "/api/briefings/2019-01-case-file-audit/deliveries")
            return rows if all(r["status"] != "pending" for r in rows) else None

        rows = await eventually(finished, timeout=60)
        assert Counter(r["status"] for r in rows) == {"sent": TEAMS}
        posted = Counter(p.body["channelData"]["channel"]["id"] for p in connector.channel_posts())
        assert posted == Counter({team.id: 1 for team in teams})  # each exactly once
        assert set(connector.injected) == set(FAULTS) and sum(connector.injected.values()) >= 10
    finally:
        await bot.close()
        await connector.close()
