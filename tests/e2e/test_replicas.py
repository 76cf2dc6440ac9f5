"""Two replicas of `learning-bot serve` on one PostgreSQL database, behind a round-robin client (as a
load balancer): a broadcast to 200 teams with 10% of the connector's answers failing, one replica
killed with SIGKILL under way and another started; then members responding while the database
restarts, and a discussion closed with its minutes reaching the lead."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
import psycopg

from tests.e2e.test_crash import Bot, post
from tests.fakes import teams as t
from tests.fakes.connector import FakeConnector
from tests.harness import ADMIN_TOKEN
from tests.pgserver import PgServer

TENANT = "11111111-1111-1111-1111-111111111111"
TEAMS = [t.TeamSpec(f"19:replica-{i}@thread.tacv2", f"Team {i}", TENANT) for i in range(200)]
MEMBERS = [t.User(f"Member {i}", f"aaaaaaaa-0000-0000-0000-{i:012d}") for i in range(3)]
BRIEFING = "2019-01-case-file-audit"
LEAD_AAD = "00000000-0000-0000-0000-000000000021"  # Sam Example, Sussex Police (bundled directory)
IN_FLIGHT = 16  # a worker's sends under way at once: what a replica killed mid-send may send again


class RoundRobin:
    """Each request to the next live replica; one not answered 2xx is sent again to the next, as the
    channel does."""

    def __init__(self, session: aiohttp.ClientSession, bots: list[Bot]) -> None:
        self.session, self.bots, self.turn = session, bots, 0

    async def post(self, activity: dict, tries: int = 8) -> int:
        status = 0
        for _ in range(tries):
            bot = self.bots[self.turn % len(self.bots)]
            self.turn += 1
            status = await post(self.session, bot.url, activity)
            if 200 <= status < 300:
                return status
            await asyncio.sleep(0.3)
        return status


async def test_two_replicas_survive_a_kill_during_a_broadcast_and_a_database_restart(tmp_path):
    server = PgServer().start()
    connector = await FakeConnector(global_rate=30, conversation_rate=7, conversation_window=(60, 30), seed=18,
                                    random_5xx=0.0).start()
    url = server.create_database("learning")
    bots = [Bot(tmp_path / f"replica-{n}", LEARNING_BOT_DATABASE_URL=url) for n in range(3)]
    try:
        await bots[0].start()
        await bots[1].start()
        async with aiohttp.ClientSession() as session:
            rr = RoundRobin(session, bots[:2])
            for start in range(0, len(TEAMS), 25):
                statuses = await asyncio.gather(*(rr.post(t.installed(connector.url, team, MEMBERS[0]))
                                                  for team in TEAMS[start:start + 25]))
                assert set(statuses) == {200}
            assert await rr.post(t.submit(connector.url, TEAMS[0], MEMBERS[0], {
                "verb": "link_organisation", "organisation": "sussex-police"})) == 200
            await asyncio.sleep(6)  # each replica has heard of the other: each takes half of Teams' limits

            connector.random_5xx = 0.1
            before = len(connector.calls)  # the installs' replies came in a burst of their own
            async with session.post(f"{bots[0].url}/api/briefings/{BRIEFING}/publish", json={"to": "all"},
                                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as r:
                assert (r.status, await r.json()) == (202, {"queued": 200, "skipped": 0})

            def channels() -> Counter:
                return Counter(p.body["channelData"]["channel"]["id"] for p in connector.channel_posts())

            await connector.wait_for(lambda: len(channels()) >= 40, timeout=60)
            await bots[1].kill()  # mid-broadcast: its claims are left to the others
            rr.bots = [bots[0]]
            await bots[2].start()
            rr.bots = [bots[0], bots[2]]
            assert await connector.wait_for(lambda: len(channels()) == 200, timeout=150)
            posted = channels()
            assert set(posted) == {team.id for team in TEAMS}  # every team has the briefing
            assert sum(posted.values()) - 200 <= IN_FLIGHT  # again only what the killed replica had under way
            refused = [round(c.at - connector.calls[before].at, 1) for c in connector.calls[before:]
                       if c.reason == "global"]
            assert refused == [], f"refused for the global rate at {refused}"  # together, within it

            # Members respond in ten threads while the database restarts.
            threads = {p.body["channelData"]["channel"]["id"]: p for p in connector.channel_posts()}
            activities = []
            for team in TEAMS[:10]:
                thread = threads[team.id]
                for n, member in enumerate(MEMBERS):
                    activities.append(t.submit(connector.url, team, member, {
                        "verb": "record", "discussion": thread.view.discussion,
                        "answer:learnt": f"Answer {n} from {team.name}: invite the police formally."},
                        thread.response["id"]))
            tasks = []
            for n, activity in enumerate(activities):
                tasks.append(asyncio.create_task(rr.post(activity)))
                if n == len(activities) // 2:
                    await asyncio.to_thread(server.restart)
                await asyncio.sleep(0.05)
            await asyncio.gather(*tasks)
            thanked = {s.reply_to for s in connector.sent if s.text.startswith("Thanks, ")}
            acknowledged = [a["id"] for a in activities if a["id"] in thanked]
            assert len(acknowledged) >= len(activities) // 2, "too few responses went through to test anything"

            # The first team closes its discussion: the minutes reach the lead (through the faults).
            first = threads[TEAMS[0].id]
            assert await rr.post(t.submit(connector.url, TEAMS[0], MEMBERS[0], {
                "verb": "close_confirm", "discussion": first.view.discussion}, first.response["id"])) == 200
            assert await connector.wait_for(lambda: connector.personal_chats(LEAD_AAD), timeout=60)
            assert sum(channels().values()) - 200 <= IN_FLIGHT  # the database's restart posted nothing again

        with psycopg.connect(url) as conn:
            keys = [row[0].split(":")[0] for row in conn.execute("SELECT doc->>'idempotency_key' FROM responses")]
        stored = Counter(keys)
        assert all(n == 1 for n in stored.values())  # nothing stored twice
        assert all(stored[a] == 1 for a in acknowledged)  # every response thanked for is stored
    finally:
        for bot in bots:
            if bot.proc is not None and bot.proc.returncode is None:
                await bot.stop()
        await connector.close()
        server.destroy()
