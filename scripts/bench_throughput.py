"""Benchmark 2: throughput with 50 members submitting at once, beside a stock Bot Framework echo bot.

Three processes besides this one's clients: the fake Bot Connector (scripts/bench_connector.py),
a stock echo bot (scripts/echo_bot.py: an unmodified CloudAdapter answering each message with one
reply), and this bot (`learning-bot serve`, TinyDB in a temporary directory seeded with linked
teams and their delivered discussions). 50 clients share one aiohttp connection pool; each posts
its activities one after another (the next when the last is answered). The echo bot gets channel
messages, each answered with a reply through the connector. This bot gets presses of the card's
Submit responses button as Teams sends them today (Action.Execute: an `adaptiveCard/action`
invoke), each validated, written durably (fsynced) and answered with the person's view of the
card and its acknowledgement; the thread's card is updated through the connector.

Two layouts, in the same run as the echo bot's figure: the whole team of 50 in one discussion (a
team meeting: every submission to one log), and the 50 spread over ten teams' discussions.
Figures: activities per second for each, and each ratio to the echo bot (target: at least 5x).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench_common import (
    BRIEFING, PER_DISCUSSION, ROOT, Process, bot_process, clean_env, cpu_seconds, free_port, member, open_store, percentile,
    response_text, rss_bytes, seed,
    team_spec, thread_id,
)
from storage.models import Discussion
from tests.fakes import teams as t

TARGET_RATIO = 5.0
TEAMS = 10  # in the spread layout, the 50 members are in this many teams

class ConnectorProcess:
    """scripts/bench_connector.py: the fake connector, asked for its counts over a pipe."""

    async def start(self, log_path: Path) -> "ConnectorProcess":
        self.log = open(log_path, "ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "scripts" / "bench_connector.py"),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self.log)
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().strip()
        if not line.startswith("url "):
            raise SystemExit(f"the fake connector did not start: {line!r}")
        self.url = line.removeprefix("url ")
        return self

    async def ask(self, command: str) -> dict:
        self.proc.stdin.write(f"{command}\n".encode())
        await self.proc.stdin.drain()
        return json.loads(await asyncio.wait_for(self.proc.stdout.readline(), 30))

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.stdin.write(b"quit\n")
            await self.proc.stdin.drain()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.log.close()


async def drive(session: aiohttp.ClientSession, urls: str | list[str], bodies: list[list[bytes]]) -> dict:
    """Every client posts its bodies one after another; all clients at once (client c to the c-th of
    several `urls`, as a load balancer spreads connections)."""
    urls = [urls] if isinstance(urls, str) else urls
    latencies: list[float] = []
    done: list[float] = []
    failures: list[int] = []
    headers = {"Content-Type": "application/json"}

    async def client(mine: list[bytes], url: str) -> None:
        for body in mine:
            begin = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
            done.append(time.perf_counter())
            latencies.append(done[-1] - begin)
            if not 200 <= resp.status < 300:
                failures.append(resp.status)

    started = time.perf_counter()
    await asyncio.gather(*(client(mine, urls[c % len(urls)]) for c, mine in enumerate(bodies)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} of {len(latencies)} posts to {' and '.join(urls)} failed: statuses {sorted(set(failures))}")
    ordered = sorted(latencies)
    quarter = len(done) // 4
    return {"activities": len(latencies), "seconds": round(elapsed, 3),
            "activities_per_s": round(len(latencies) / elapsed, 1),
            # the first and the last quarter apart: whether the rate falls as stored data grows
            "first_quarter_per_s": round(quarter / (done[quarter - 1] - started), 1) if quarter > 1 else None,
            "last_quarter_per_s": round(quarter / (done[-1] - done[-quarter - 1]), 1) if quarter > 1 else None,
            "latency_median_ms": round(statistics.median(ordered) * 1000, 2),
            "latency_p99_ms": round(percentile(ordered, 99) * 1000, 2)}


async def measure_bot(name: str, session: aiohttp.ClientSession, url: str | list[str], pid: int | list[int],
                      connector: ConnectorProcess, warmup: list[list[bytes]], bodies: list[list[bytes]],
                      console) -> tuple[dict, dict]:
    pids = [pid] if isinstance(pid, int) else pid
    await drive(session, url, warmup)
    await connector.ask("reset")
    cpu_before = sum(cpu_seconds(p) for p in pids)
    result = await drive(session, url, bodies)
    result["bot_cpu_ms_per_activity"] = round((sum(cpu_seconds(p) for p in pids) - cpu_before) * 1000
                                              / result["activities"], 2)
    counts = await connector.ask("stats")
    console(f"  {name}: {result['activities']} activities in {result['seconds']:.2f} s = "
            f"{result['activities_per_s']:.0f}/s (first quarter {result['first_quarter_per_s']}/s, last "
            f"{result['last_quarter_per_s']}/s; median {result['latency_median_ms']:.1f} ms, "
            f"bot CPU {result['bot_cpu_ms_per_activity']:.2f} ms per activity)")
    return result, counts


async def run(*, clients: int, per_client: int, warmup_per_client: int, console=print,
              database_url: str | None = None, replicas: int = 1) -> dict:
    """The embedded store and one bot; or with `database_url`, `replicas` bots on that database."""
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        tmp_path = Path(tmp)
        connector = await ConnectorProcess().start(tmp_path / "connector.log")
        processes: list[Process] = []
        try:
            data_dir = tmp_path / "data"
            # The 50 members are in TEAMS teams (5 to a team), whose discussions already hold 100
            # responses each: several teams' meetings at once, as on a busy afternoon.
            await seed(data_dir, TEAMS * PER_DISCUSSION, connector.url, database_url=database_url)
            specs = [team_spec(i) for i in range(TEAMS)]
            discussions = [Discussion.make_id(BRIEFING, s.id) for s in specs]
            conversations = [thread_id(s.id, i) for i, s in enumerate(specs)]
            spec, conversation = specs[0], conversations[0]

            echo_port, ports = free_port(), [free_port() for _ in range(replicas)]
            database = {"LEARNING_BOT_DATABASE_URL": database_url} if database_url else {}
            echo = Process("echo bot", [sys.executable, str(ROOT / "scripts" / "echo_bot.py"), "--port", str(echo_port),
                                        "--connector-url", connector.url],
                           env=clean_env(), log_path=tmp_path / "echo.log", cwd=tmp_path).start()
            processes.append(echo)
            ours = [bot_process(data_dir, port, tmp_path / f"bot-{n}.log", **database).start()
                    for n, port in enumerate(ports)]
            processes.extend(ours)
            urls = [f"http://127.0.0.1:{port}/api/messages" for port in ports]
            await echo.wait_healthy(f"http://127.0.0.1:{echo_port}/healthz")
            for port, replica in zip(ports, ours):
                await replica.wait_healthy(f"http://127.0.0.1:{port}/healthz")
            async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{echo_port}/healthz") as resp:
                if not (await resp.json())["stock_retry_policy"]:
                    raise SystemExit("the echo bot is not stock: msrest's retry policy was patched in its process")

            def echo_bodies(rounds: int, offset: int) -> list[list[bytes]]:
                return [[json.dumps(t.mention(connector.url, spec, member(c), f"hello {offset + k}", conversation)).encode()
                         for k in range(rounds)] for c in range(clients)]

            def record_bodies(rounds: int, offset: int, teams: int) -> list[list[bytes]]:
                return [[json.dumps(t.execute(connector.url, specs[c % teams], member(c), "record",
                                              {"discussion": discussions[c % teams],
                                               "answer:learnt": response_text(offset + c * rounds + k)},
                                              conversations[c % teams])).encode()
                         for k in range(rounds)] for c in range(clients)]

            total = clients * per_client
            console(f"{clients} clients x {per_client} activities each ({total}), after "
                    f"{clients * warmup_per_client} to warm up:")
            pool = aiohttp.TCPConnector(limit=clients)
            async with aiohttp.ClientSession(connector=pool, timeout=aiohttp.ClientTimeout(total=120)) as session:
                echo_result, echo_counts = await measure_bot(
                    "stock echo bot", session, f"http://127.0.0.1:{echo_port}/api/messages", echo.pid, connector,
                    echo_bodies(warmup_per_client, 0), echo_bodies(per_client, warmup_per_client), console)
                one_team, one_counts = await measure_bot(
                    "this bot, one team of 50", session, urls, [p.pid for p in ours],
                    connector, record_bodies(warmup_per_client, 0, 1), record_bodies(per_client, 10_000, 1), console)
                ours_result, ours_counts = await measure_bot(
                    f"this bot, {TEAMS} teams of {clients // TEAMS}", session,
                    urls, [p.pid for p in ours], connector,
                    record_bodies(warmup_per_client, 20_000, TEAMS), record_bodies(per_client, 30_000, TEAMS), console)
            ours_rss = round(sum(rss_bytes(p.pid)["VmRSS"] for p in ours) / 1e6, 1)
            for process in processes:
                await process.stop()

            # Each activity got its reply (and for this bot, its card update and a durable response).
            problems = []
            if echo_counts["answered"].get("send", 0) != total:
                problems.append(f"echo bot: {echo_counts['answered']} replies for {total} messages")
            for counts in (one_counts, ours_counts):
                if counts["answered"].get("update", 0) < 1:  # the thread's card, updated in place
                    problems.append(f"this bot: the card was never updated ({counts['answered']})")
            store = await open_store(data_dir, database_url)
            try:
                stored = sum([await store.responses.count(d) for d in discussions]) - TEAMS * PER_DISCUSSION
            finally:
                await store.close()
            expected = 2 * clients * (warmup_per_client + per_client)
            if stored != expected:
                problems.append(f"this bot stored {stored} responses for {expected} submissions")
            if problems:
                raise SystemExit("throughput benchmark: " + "; ".join(problems))
        finally:
            for process in processes:
                await process.stop()
            await connector.stop()

    ratio = ours_result["activities_per_s"] / echo_result["activities_per_s"]
    return {
        "store": "postgresql" if database_url else "embedded", "replicas": replicas,
        "clients": clients, "per_client": per_client, "warmup_per_client": warmup_per_client,
        "echo": echo_result, "ours": ours_result, "ratio": round(ratio, 2),
        "one_team": one_team, "one_team_ratio": round(one_team["activities_per_s"] / echo_result["activities_per_s"], 2),
        "ours_responses_in_discussion_at_end": stored, "ours_rss_mb_after": ours_rss,
        "connector_requests": {"echo": echo_counts, "ours": ours_counts},
        "target_ratio_at_least": TARGET_RATIO,
    }

