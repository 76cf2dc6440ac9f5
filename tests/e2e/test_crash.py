"""Crash safety: the bot killed with SIGKILL at random moments while members submit, 20 times.

After each restart the store loads; in the end every submission that got a 2xx is stored
exactly once, and deliveries that were pending complete.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import aiohttp

from storage.tinydb_store import TinyDBStore
from tests.fakes import teams as t
from tests.fakes.smtp import free_port
from tests.harness import ADMIN_TOKEN

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20
MEMBERS = [t.User(f"Member {i}", f"aaaaaaaa-0000-0000-0000-{i:012d}") for i in range(12)]
TEAMS = [t.TeamSpec(f"19:crash-{i}@thread.tacv2", f"Team {i}", "11111111-1111-1111-1111-111111111111") for i in range(6)]
BRIEFING = "2019-01-case-file-audit"
SECOND = "2019-01-case-file-audit-copy"


async def _briefing_text() -> str:
    from content.briefing import bundled_briefings

    return bundled_briefings()[0][1]


class Bot:
    """`learning-bot serve` in a process of its own (`env`: more of its settings)."""

    def __init__(self, data: Path, **env: str) -> None:
        self.data = data
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""

    async def start(self) -> None:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNING_BOT_", "SMTP_", "Microsoft"))}
        env.update(LEARNING_BOT_ADMIN_TOKEN=ADMIN_TOKEN, LEARNING_BOT_DIGEST_DAY="OFF", LEARNING_BOT_LOG_LEVEL="WARNING",
                   **self.env)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(port), "--data-dir", str(self.data), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(f"{self.url}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if self.proc.returncode is not None:
                    raise AssertionError(f"the bot exited with {self.proc.returncode} on start (store did not load?)")
                await asyncio.sleep(0.05)
        raise AssertionError("the bot did not become healthy")

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(self.proc.wait(), 20)


async def post(session, url, activity) -> int:
    try:
        async with session.post(f"{url}/api/messages", json=activity) as resp:
            await resp.read()
            return resp.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return 0


async def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path, connector):
    rng = random.Random(20261128)
    bot = Bot(tmp_path / "data")
    await bot.start()
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with aiohttp.ClientSession() as session:
        for team in TEAMS:
            assert await post(session, bot.url, t.installed(connector.url, team, MEMBERS[0])) == 200
        async with session.post(f"{bot.url}/api/briefings/{BRIEFING}/publish", json={"to": "all"}, headers=headers) as r:
            assert r.status == 202
        posts = await connector.wait_for(lambda: len(connector.channel_posts()) >= len(TEAMS) and connector.channel_posts())
        threads = {p.body["channelData"]["channel"]["id"]: p for p in posts}
        discussions = {team.id: threads[team.id].view.discussion for team in TEAMS}

        acknowledged: list[tuple[str, str]] = []  # (discussion, activity id) of every 2xx submission
        for round_number in range(ROUNDS):
            if round_number:
                await bot.start()  # the store must load after every kill
            activities = []
            for n in range(40):
                team = TEAMS[n % len(TEAMS)]
                member = MEMBERS[n % len(MEMBERS)]
                value = {"verb": "record", "discussion": discussions[team.id],
                         "answer:learnt": f"Round {round_number}, submission {n}: we learnt to invite the police."}
                activities.append((discussions[team.id], t.submit(connector.url, team, member, value,
                                                                  threads[team.id].response["id"])))

            async def send(pair):
                status = await post(session, bot.url, pair[1])
                if 200 <= status < 300:
                    acknowledged.append((pair[0], pair[1]["id"]))

            tasks = [asyncio.create_task(send(pair)) for pair in activities]
            if round_number == ROUNDS // 2:  # a publication in flight when the bot is killed
                second = (await _briefing_text()).replace(f"id: {BRIEFING}", f"id: {SECOND}")
                async with session.post(f"{bot.url}/api/briefings", data=second.encode(), headers=headers) as r:
                    assert r.status == 201
                async with session.post(f"{bot.url}/api/briefings/{SECOND}/publish", json={"to": "all"},
                                        headers=headers) as r:
                    assert r.status == 202
            await asyncio.sleep(rng.uniform(0.0, 0.25))
            await bot.kill()
            await asyncio.gather(*tasks)

        await bot.start()
        for _ in range(400):  # pending deliveries complete after the restarts
            async with session.get(f"{bot.url}/api/briefings/{SECOND}/deliveries", headers=headers) as r:
                rows = await r.json()
            if len(rows) == len(TEAMS) and all(row["status"] == "sent" for row in rows):
                break
            await asyncio.sleep(0.05)
        assert [row["status"] for row in rows] == ["sent"] * len(TEAMS)
        from storage.models import Discussion

        wanted = {Discussion.make_id(SECOND, team.id) for team in TEAMS}
        second_posts = [p for p in connector.channel_posts() if p.view.discussion in wanted]
        assert {p.body["channelData"]["channel"]["id"] for p in second_posts} == {team.id for team in TEAMS}
        await bot.stop()

    store = TinyDBStore(tmp_path / "data")
    await store.open()
    try:
        stored: dict[str, list[str]] = {}
        for discussion in discussions.values():
            for r in await store.responses.list(discussion):
                stored.setdefault(r.idempotency_key.split(":")[0], []).append(r.discussion_id)
        assert acknowledged, "no submission was acknowledged: the test did not exercise anything"
        for discussion, activity_id in acknowledged:
            assert stored.get(activity_id) == [discussion], f"{activity_id} stored {stored.get(activity_id)}"
        assert all(len(where) == 1 for where in stored.values())  # nothing twice
        pending = [d for d in await store.outbox.list_status("pending")]
        assert all(d.kind in ("thread_notice", "card_update") for d in pending)  # only cosmetic updates still due
    finally:
        await store.close()
