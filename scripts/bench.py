"""Benchmark: one response submission at POST /api/messages over real HTTP, with N responses stored.

For each size N a fresh data directory is seeded through the real TinyDBStore API the way a
deployment grows: 100 responses per team discussion of the bundled briefing (1,000 responses =
10 teams and discussions, 100,000 = 1,000). The real app then runs on loopback beside the fake
Bot Connector, and card submissions ("record" a response) are posted one at a time, in turn
to up to 10 discussions that already hold 100 responses each. Each POST is timed on the client side; the time
includes the bot's acknowledgement sent to the fake connector inside the request.

    cd /work/main && .venv/bin/python scripts/bench.py [--sizes 1000,100000] [--requests 500]
        [--warmup 50] [--out bench-results.json]

Targets: p99 < 20 ms at every size, and p99 at the largest size <= 1.5x p99 at the smallest.
This is a measurement, not a test: it prints a table and writes the figures to JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.keys import DEPS  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.models import Author, ConversationRef, Discussion, Response, Team  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402
from tests.fakes import teams as t  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402

BRIEFING = "2019-01-case-file-audit"  # the bundled briefing, loaded by the app at startup
ORGANISATION = "sussex-police"
TENANT = "11111111-1111-1111-1111-111111111111"
ADMIN_TOKEN = "bench-admin-token-0123456789"
PER_DISCUSSION = 100
QUESTIONS = ["learnt", "apply", "hsv-when", "hsv-experience"]
TARGET_P99_MS = 20.0
TARGET_RATIO = 1.5

MEMBERS = [t.User(f"{first} {last}", f"aaaaaaaa-0000-0000-{i:04d}-000000000000")
           for i, (first, last) in enumerate([
               ("Ana", "Practitioner"), ("Ben", "Nurse"), ("Cal", "Officer"), ("Dee", "Worker"),
               ("Eli", "Visitor"), ("Fay", "Teacher"), ("Gus", "Paramedic"), ("Hal", "Therapist"),
               ("Ivy", "Manager"), ("Jo", "Coordinator"), ("Kit", "Midwife"), ("Lou", "Advocate")])]
SENTENCES = [
    "Invite police formally so a strategy discussion is quorate and every agency hears the same facts.",
    "Keep health notes current for colleagues on leave so nothing waits for one person to come back.",
    "Add a police invite step to our strategy meeting checklist and record who was asked and when.",
    "Hoarding, smoking or candles in a home with a baby are the moments to ask for a home safety visit.",
    "Two referrals last year; the fire service visited within a week and fitted alarms in both homes.",
    "Record the child's own words in the file, not a summary of what the adults said about them.",
    "Check whether a section 47 enquiry was opened before closing the case, and say why in the notes.",
    "Share the chronology with the school nurse before the review meeting, not on the day itself.",
]


def team_spec(i: int) -> t.TeamSpec:
    return t.TeamSpec(id=f"19:bench-team-{i:05d}@thread.tacv2", name=f"Bench Team {i:05d}", tenant=TENANT)


def thread_id(team_id: str, i: int) -> str:
    return f"{team_id};messageid={1700000000000 + i}"


def response_text(n: int) -> str:
    # 1-3 sentences, so stored texts are of realistic, varied length
    return " ".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(1 + n % 3))


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


async def seed(data_dir: Path, stored: int, service_url: str) -> int:
    """Seed `stored` responses, PER_DISCUSSION per team discussion, through the TinyDBStore API.

    Returns the number of discussions. The briefing itself is loaded by the app at startup.
    """
    n_discussions = max(1, math.ceil(stored / PER_DISCUSSION))
    store = TinyDBStore(data_dir)
    await store.open()
    try:
        base = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
        teams, discussions = [], []
        for i in range(n_discussions):
            spec = team_spec(i)
            teams.append(Team(
                id=spec.id, name=spec.name, tenant_id=TENANT, organisation_id=ORGANISATION,
                general=ConversationRef(service_url=service_url, conversation_id=spec.id, tenant_id=TENANT,
                                        bot_id=t.BOT_ID, bot_name=t.BOT_NAME),
                installed_at=base, installed_by=MEMBERS[0].aad, organisation_prompted=True,
            ))
            discussions.append(Discussion(
                id=Discussion.make_id(BRIEFING, spec.id), briefing_id=BRIEFING, team_id=spec.id,
                thread=ConversationRef(service_url=service_url, conversation_id=thread_id(spec.id, i),
                                       tenant_id=TENANT, bot_id=t.BOT_ID, bot_name=t.BOT_NAME),
                card_activity_id=str(1700000000000 + i), opened_at=base + timedelta(minutes=i),
            ))
        for team in teams:
            await store.teams.upsert(team)
        await store.discussions.create(discussions)

        left = stored
        for i, d in enumerate(discussions):
            batch = []
            for j in range(min(PER_DISCUSSION, left)):
                member = MEMBERS[(i + j) % len(MEMBERS)]
                qid = QUESTIONS[j % len(QUESTIONS)]
                key = f"seed-{i}-{j}:{qid}"
                batch.append(Response(
                    id=Response.make_id(d.id, key), discussion_id=d.id, question_id=qid,
                    text=response_text(i + j), author=Author(aad_object_id=member.aad, name=member.name),
                    created_at=d.opened_at + timedelta(minutes=j), idempotency_key=key,
                ))
            left -= len(batch)
            added = await store.responses.add(batch)  # one write of this discussion's shard
            assert len(added) == len(batch), "seeding found existing responses in a fresh directory"
    finally:
        await store.close()
    return n_discussions


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 500 samples is the 495th smallest)."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def measure(stored: int, connector: FakeConnector, requests: int, warmup: int, console) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{stored}-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        n_discussions = await seed(data_dir, stored, connector.url)
        seed_s = time.perf_counter() - started
        size = dir_size(data_dir)
        console(f"seeded {stored:,} responses in {n_discussions:,} discussions in {seed_s:.1f} s "
                f"({size / 1e6:.1f} MB on disk at {data_dir})")
        gc.collect()

        app = create_app(Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()  # runs the startup: opens the store, stores the bundled briefing
        session = aiohttp.ClientSession()
        try:
            url = str(server.make_url("/api/messages"))
            store = server.app[DEPS].store
            assert await store.briefings.get(BRIEFING) is not None, "the bundled briefing was not loaded"

            # Submissions rotate over up to 10 seeded discussions (each already at 100 responses),
            # as teams do; one discussion taking all of them would measure a 650-response team.
            targets = []
            for index in range(max(0, n_discussions // 2 - 5), min(n_discussions, n_discussions // 2 + 5)):
                spec = team_spec(index)
                discussion = Discussion.make_id(BRIEFING, spec.id)
                before = await store.responses.count(discussion)
                assert before == min(PER_DISCUSSION, stored), f"target discussion holds {before} responses"
                targets.append((spec, discussion, thread_id(spec.id, index), before))

            timings: list[float] = []
            for n in range(warmup + requests):
                user = MEMBERS[n % len(MEMBERS)]
                spec, discussion, conversation, _ = targets[n % len(targets)]
                activity = t.submit(connector.url, spec, user,
                                    {"verb": "record", "discussion": discussion,
                                     "answer:learnt": response_text(n)}, conversation)
                connector.sent.clear()
                begin = time.perf_counter()
                async with session.post(url, json=activity) as resp:
                    await resp.read()
                elapsed = time.perf_counter() - begin
                if resp.status != 200:
                    raise SystemExit(f"POST /api/messages answered {resp.status} at request {n}")
                ack = [s.text for s in connector.sent if s.method == "send"]
                if len(ack) != 1 or not ack[0].startswith("Thanks"):
                    raise SystemExit(f"unexpected reply to submission {n}: {ack!r}")
                if n >= warmup:
                    timings.append(elapsed * 1000)

            total_before = sum(before for *_, before in targets)
            total_after = sum([await store.responses.count(d) for _, d, _, _ in targets])
            assert total_after == total_before + warmup + requests, \
                f"expected {total_before + warmup + requests} responses, found {total_after}"
        finally:
            await session.close()
            await server.close()
            connector.sent.clear()

    ordered = sorted(timings)
    return {
        "stored": stored,
        "discussions": n_discussions,
        "requests": len(timings),
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3),
        "seed_s": round(seed_s, 2),
        "data_dir_bytes": size,
    }


def report(results: list[dict], ratio: float | None) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text if rich is missing
        Console = None

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    if Console is not None:
        table = Table(title="POST /api/messages: one response submission")
        for column in ("stored", "discussions", "requests", "median ms", "p99 ms", "max ms",
                       f"p99<{TARGET_P99_MS:g}ms"):
            table.add_column(column, justify="right", no_wrap=True)
        for r in results:
            ok = r["p99_ms"] < TARGET_P99_MS
            table.add_row(f"{r['stored']:,}", f"{r['discussions']:,}", str(r["requests"]), f"{r['median_ms']:.2f}",
                          f"{r['p99_ms']:.2f}", f"{r['max_ms']:.2f}",
                          f"[green]{verdict(ok)}[/]" if ok else f"[red]{verdict(ok)}[/]")
        Console().print(table)
    else:
        print(f"{'stored':>10} {'discussions':>11} {'requests':>8} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}  target")
        for r in results:
            print(f"{r['stored']:>10,} {r['discussions']:>11,} {r['requests']:>8} {r['median_ms']:>10.2f} "
                  f"{r['p99_ms']:>8.2f} {r['max_ms']:>8.2f}  {verdict(r['p99_ms'] < TARGET_P99_MS)}")
    if ratio is not None:
        largest, smallest = results[-1]["stored"], results[0]["stored"]
        print(f"p99 ratio {largest:,} / {smallest:,} stored: {ratio:.2f}x "
              f"(target <= {TARGET_RATIO:g}x): {verdict(ratio <= TARGET_RATIO)}")


async def main_async(args: argparse.Namespace) -> int:
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if not sizes or any(s < 1 for s in sizes):
        raise SystemExit("--sizes needs positive numbers, e.g. 1000,100000")
    connector = await FakeConnector().start()
    try:
        results = []
        for stored in sizes:
            results.append(await measure(stored, connector, args.requests, args.warmup, print))
            gc.collect()
    finally:
        await connector.close()

    ratio = results[-1]["p99_ms"] / results[0]["p99_ms"] if len(results) > 1 else None
    report(results, ratio)
    out = {
        "submission": results,
        "ratio_p99": round(ratio, 3) if ratio is not None else None,
        "targets": {"p99_ms_below": TARGET_P99_MS, "ratio_p99_at_most": TARGET_RATIO},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "implementation": platform.python_implementation(), "platform": platform.platform()},
        "settings": {"requests": args.requests, "warmup": args.warmup, "responses_per_discussion": PER_DISCUSSION},
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.out}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="stored responses per run, comma separated")
    parser.add_argument("--requests", type=int, default=500, help="measured submissions per size")
    parser.add_argument("--warmup", type=int, default=50, help="submissions before measuring, per size")
    parser.add_argument("--out", default="bench-results.json", help="where to write the figures (JSON)")
    args = parser.parse_args()
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    for name in list(os.environ):  # the bench runs in local mode on loopback whatever the shell says
        if name.startswith(("LEARNING_BOT_", "SMTP_", "Microsoft")) or name.lower().startswith("microsoftapp"):
            del os.environ[name]
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
