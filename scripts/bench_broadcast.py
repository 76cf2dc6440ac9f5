"""Benchmark 3: publish one briefing to 1,000 teams against a Bot Connector that throttles like Teams.

The teams are seeded in the store (linked, as if each had installed the bot), then the bot runs as
`learning-bot serve` and the briefing is published to all of them through the admin API. The fake
connector (in this process) allows 30 requests a second in all and, per conversation, 7 a second
and 60 in 30 seconds; it answers 429 with Retry-After whenever a limit is exceeded, and 5% of the
calls within the limits (at random, seeded) with 429 and Retry-After: 1. Every request is counted.
Meanwhile a team that already has the briefing (the probe) records a response every 100 ms, as its
members would in a meeting, each press timed by the client.
Once every delivery is final (sent or failed; or at the time limit):
  rate        successful posts per second from the first to the last, over the allowed 30/s
              (target at least 0.9; with 5% refused at random the ceiling is 0.95)
  duplicates  teams posted more than once (target 0)
  lost        teams never posted (target 0)
  probe       the recording team's latency, p50 and p99 (target: p99 under 50 ms)
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench_common import (ADMIN_TOKEN, BRIEFING, bot_process, cpu_seconds, free_port, member, percentile, response_text,
                          seed_probe, seed_teams)
from tests.fakes import teams as t
from tests.fakes.connector import FakeConnector

GLOBAL_RATE = 30.0
CONVERSATION_RATE = 7.0
CONVERSATION_WINDOW = (60, 30.0)
RANDOM_429 = 0.05
SEED = 20190101
TARGET_RATE_RATIO = 0.9
TARGET_PROBE_P99_S = 0.05
PROBE_EVERY_S = 0.1


async def deliveries(session: aiohttp.ClientSession, base: str) -> list[dict]:
    async with session.get(f"{base}/api/briefings/{BRIEFING}/deliveries",
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
        if resp.status != 200:
            raise SystemExit(f"GET deliveries answered {resp.status}: {await resp.text()}")
        return await resp.json()


async def run(*, teams: int, timeout: float, console=print, database_url: str | None = None, replicas: int = 1) -> dict:
    """The embedded store and one bot; or with `database_url`, `replicas` bots on that database (the
    probe team's presses going to each in turn, as through a load balancer)."""
    connector = await FakeConnector(global_rate=GLOBAL_RATE, conversation_rate=CONVERSATION_RATE,
                                    conversation_window=CONVERSATION_WINDOW, random_429=RANDOM_429, seed=SEED).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
            data_dir = Path(tmp) / "data"
            seeded = await seed_teams(data_dir, teams, connector.url, database_url)
            probe, probe_discussion, probe_thread = await seed_probe(data_dir, connector.url, database_url)
            ports = [free_port() for _ in range(replicas)]
            database = {"LEARNING_BOT_DATABASE_URL": database_url} if database_url else {}
            bots = [bot_process(data_dir if n == 0 else Path(tmp) / f"data-{n}", port, Path(tmp) / f"bot-{n}.log",
                                LEARNING_BOT_ADMIN_TOKEN=ADMIN_TOKEN, **database) for n, port in enumerate(ports)]
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            bot, base = bots[0], bases[0]
            try:
                for replica, replica_base in zip(bots, bases):
                    replica.start()
                    await replica.wait_healthy(f"{replica_base}/healthz")
                if replicas > 1:
                    await asyncio.sleep(6)  # each has heard of the others: each takes its share of the limits
                async with aiohttp.ClientSession() as session:
                    connector.calls.clear()
                    published_at = time.monotonic()
                    cpu_before = sum(cpu_seconds(b.pid) for b in bots)
                    async with session.post(f"{base}/api/briefings/{BRIEFING}/publish", json={"to": "all"},
                                            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
                        answer = await resp.json()
                        if resp.status != 202 or answer.get("queued") != teams:
                            raise SystemExit(f"publish answered {resp.status} {answer}")
                    console(f"published to {teams:,} teams; waiting for every delivery to be final "
                            f"(at most {timeout:g} s)")
                    latencies: list[float] = []
                    recording = asyncio.get_running_loop().create_task(
                        _probe(session, bases, connector.url, probe, probe_discussion, probe_thread, latencies))
                    rows: list[dict] = []
                    last_report = last_asked = time.monotonic()
                    pending = teams
                    while True:
                        await asyncio.sleep(1.0)
                        now = time.monotonic()
                        # The admin API's list of 5,000 deliveries is a heavy read: asked for when every
                        # team looks posted, and otherwise every 15 s, so that it does not weigh on the
                        # probe team (a board officer watches the status card, not this list).
                        if len(connector.channel_posts()) >= teams or now - last_asked >= 15:
                            rows = await deliveries(session, base)
                            pending = sum(r["status"] == "pending" for r in rows)
                            last_asked = now
                        if now - last_report >= 10:
                            console(f"  {now - published_at:5.0f} s: {teams - pending:,} final, "
                                    f"{len(connector.channel_posts()):,} posted, {sum(connector.throttled.values()):,} "
                                    f"answered 429")
                            last_report = now
                        if not pending or now - published_at > timeout:
                            break
                    final_at = time.monotonic()
                    recording.cancel()
                    await asyncio.gather(recording, return_exceptions=True)
                    bot_cpu = sum(cpu_seconds(b.pid) for b in bots) - cpu_before
                    await asyncio.sleep(0.5)  # a post answered just before the last record was written
            finally:
                log_tail = bot.tail(5)
                for replica in bots:
                    await replica.stop()
    finally:
        await connector.close()

    calls = [c for c in connector.calls if c.at >= published_at]
    posts = connector.channel_posts()
    per_team = Counter((p.body.get("channelData") or {}).get("channel", {}).get("id") for p in posts)
    team_ids = {team.id for team in seeded}
    duplicates = sum(1 for team_id, n in per_team.items() if team_id in team_ids and n > 1)
    lost = sum(1 for team_id in team_ids if per_team.get(team_id, 0) == 0)
    times = sorted(p.at for p in posts)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span > 0 else 0.0
    # The steady rate (the first 99% of the posts) and the tail (the last 1%: retries of the last refusals)
    cut = max(1, int(len(times) * 0.99)) - 1
    steady = cut / (times[cut] - times[0]) if cut > 0 and times[cut] > times[0] else 0.0
    statuses = Counter(r["status"] for r in rows)
    attempts = [r["attempts"] for r in rows]
    result = {
        "teams": teams,
        "store": "postgresql" if database_url else "embedded",
        "replicas": replicas,
        "posts": len(posts),
        "rate_per_s": round(rate, 2),
        "allowed_per_s": GLOBAL_RATE,
        "rate_ratio": round(rate / GLOBAL_RATE, 3),
        "steady_rate_ratio_first_99pct": round(steady / GLOBAL_RATE, 3),
        "tail_last_1pct_s": round(times[-1] - times[cut], 2) if times else None,
        "duplicates": duplicates,
        "lost": lost,
        "first_post_after_s": round(times[0] - published_at, 2) if times else None,
        "last_post_after_s": round(times[-1] - published_at, 2) if times else None,
        "all_final_after_s": round(final_at - published_at, 2),
        "timed_out": statuses.get("pending", 0) > 0,
        "bot_cpu_share": round(bot_cpu / (final_at - published_at), 3),  # of one core, while delivering
        "deliveries": dict(statuses),
        "failed_reasons": dict(Counter(r["last_error"] for r in rows if r["status"] == "failed")),
        "attempts_max": max(attempts, default=0),
        "attempts_total": sum(attempts),
        "requests": len(calls),
        "requests_by_status": {str(k): v for k, v in sorted(Counter(c.status for c in calls).items())},
        "refused_429_by_reason": dict(Counter(c.reason for c in calls if c.status == 429)),
        "peak_requests_in_1s": _peak(sorted(c.at for c in calls), 1.0),
        "limits": {"global_per_s": GLOBAL_RATE, "conversation_per_s": CONVERSATION_RATE,
                   "conversation_window": list(CONVERSATION_WINDOW), "random_429": RANDOM_429, "seed": SEED},
        "probe": _latency(latencies),
        "target": {"rate_ratio_at_least": TARGET_RATE_RATIO, "duplicates": 0, "lost": 0,
                   "probe_p99_s_below": TARGET_PROBE_P99_S},
    }
    if not posts:
        result["bot_log_tail"] = log_tail
    console(f"  {len(posts):,} posts at {rate:.1f}/s ({rate / GLOBAL_RATE:.2f} of {GLOBAL_RATE:g}/s; the first 99% at "
            f"{steady:.1f}/s, the last 1% over {result['tail_last_1pct_s']} s), "
            f"{duplicates} duplicates, {lost} lost; {len(calls):,} requests, {result['refused_429_by_reason']} refused")
    console(f"  a team recording meanwhile: {result['probe']['presses']} presses, p50 "
            f"{result['probe']['p50_ms']} ms, p99 {result['probe']['p99_ms']} ms")
    return result


async def _probe(session: aiohttp.ClientSession, bases: list[str], connector_url: str, probe: t.TeamSpec,
                 discussion: str, thread: str, latencies: list[float]) -> None:
    """The probe team's members press Submit responses every PROBE_EVERY_S, one at a time (to each
    replica in turn)."""
    n = 0
    while True:
        base = bases[n % len(bases)]
        body = t.execute(connector_url, probe, member(n % 12), "record",
                         {"discussion": discussion, "answer:learnt": response_text(n)}, thread)
        began = time.perf_counter()
        async with session.post(f"{base}/api/messages", json=body) as resp:
            answer = await resp.json() if resp.status == 200 else {}
            if resp.status != 200 or answer.get("statusCode") != 200:  # an invoke's error is a 200 with one
                raise SystemExit(f"the probe team's press answered {resp.status} {answer.get('statusCode')}")
        latencies.append(time.perf_counter() - began)
        n += 1
        await asyncio.sleep(PROBE_EVERY_S)


def _latency(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    if not ordered:
        return {"presses": 0, "p50_ms": None, "p99_ms": None}
    return {"presses": len(ordered), "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "p99_ms": round(percentile(ordered, 99) * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}


def _peak(times: list[float], window: float) -> int:
    """The most requests in any `window` seconds."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best
