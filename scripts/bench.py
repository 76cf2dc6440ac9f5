"""Benchmarks (`make bench`): figures beside their targets, printed as a table and written to JSON.

1. submission  one response submission at POST /api/messages over real HTTP, with N responses
               stored (p99 < 20 ms at every size; p99 at the largest <= 1.5x p99 at the smallest)
2. throughput  50 members submitting at once, in one team and over ten: activities/s of this bot
               (`learning-bot serve`) beside a stock Bot Framework echo bot, at least 5x each
3. broadcast   one briefing to 5,000 teams against a connector that throttles like Teams:
               >= 0.9 of the allowed 30 posts/s, no team posted twice, none never posted, and a
               team recording meanwhile answered within 50 ms (p99)
4. minutes     compile + HTML + Word of a discussion with 500 responses, under 1 s
5. cold start  `learning-bot serve` to a healthy /healthz over 1,000,000 responses, under 2 s,
               under 300 MB resident afterwards
6. rate limit  one conversation at its Teams limits, 100 others sending: >= 0.9 of the global
               30 sends/s, an idle conversation waits under 50 ms
7. reports     5,000 teams, 100,000 responses: a lead's digest and outstanding (< 200 ms), the report
               card and page (< 1 s), the Word report (< 10 s, < 300 MB) with a team recording meanwhile
8. postgresql  the bot on PostgreSQL (a durable server of its own, from Debian's package): 1 at
               1,000, 100,000 and 1,000,000 stored responses (p50, p99 < 20 ms); 2 with one replica
               and with two (the members spread over them); 3 to 5,000 teams with two replicas

Benchmark 1: for each size N a fresh data directory is seeded through the real TinyDBStore API the
way a deployment grows: 100 responses per team discussion of the bundled briefing (1,000 responses =
10 teams and discussions, 100,000 = 1,000). The real app then runs on loopback beside the fake
Bot Connector (digests off; measuring starts once its start-up retention purge is done), and card
submissions ("record" a response) are posted one at a time, in turn to up to 10 discussions that
already hold 100 responses each. Each POST is timed on the client side; the time
includes the bot's acknowledgement sent to the fake connector inside the request.
Benchmarks 2-6 are described in scripts/bench_throughput.py, bench_broadcast.py, bench_minutes.py,
bench_coldstart.py and bench_ratelimit.py.

    cd /work/main && .venv/bin/python scripts/bench.py [--only 1,2,3,4,5,6] [--quick]
        [--sizes 1000,10000,100000] [--requests 2000] [--warmup 50] [--out bench-results.json]

`--quick` runs every benchmark at small sizes (a smoke run of about a minute, figures not
comparable with the targets' sizes). This is a measurement, not a test: it prints a table and
writes the figures to JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.app_keys import DEPS  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.models import Discussion  # noqa: E402
from tests.fakes import teams as t  # noqa: E402
from tests.fakes.connector import FakeConnector  # noqa: E402

import bench_broadcast  # noqa: E402
import bench_coldstart  # noqa: E402
import bench_minutes  # noqa: E402
import bench_ratelimit  # noqa: E402
import bench_reports  # noqa: E402
import bench_throughput  # noqa: E402
from bench_common import (  # noqa: E402
    ADMIN_TOKEN, BRIEFING, MEMBERS, PER_DISCUSSION, dir_size, percentile, response_text, seed, team_spec, thread_id,
)

TARGET_P99_MS = 20.0
TARGET_RATIO = 1.5


async def measure(stored: int, connector: FakeConnector, requests: int, warmup: int, console,
                  database_url: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{stored}-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        n_discussions = await seed(data_dir, stored, connector.url, database_url=database_url)
        seed_s = time.perf_counter() - started
        size = dir_size(data_dir) if database_url is None else 0
        console(f"seeded {stored:,} responses in {n_discussions:,} discussions in {seed_s:.1f} s "
                + (f"({size / 1e6:.1f} MB on disk at {data_dir})" if database_url is None else "(PostgreSQL)"))
        gc.collect()

        # Digests off, as in the other benchmarks: whether one is due would depend on the day.
        app = create_app(Settings(data_dir=data_dir, admin_token=ADMIN_TOKEN, digest_day="OFF",
                                  database_url=database_url))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()  # runs the startup: opens the store, stores the bundled briefing
        session = aiohttp.ClientSession()
        try:
            url = str(server.make_url("/api/messages"))
            store = server.app[DEPS].store
            # The daily retention purge runs at start and reads every log: measure after it, as
            # on any other hour of the day.
            deadline = time.perf_counter() + 120
            while not any(entry.get("event") == "purge" for entry in await store.meta.audit_log()):
                if time.perf_counter() > deadline:
                    raise SystemExit("the start-up purge did not finish in 120 s")
                await asyncio.sleep(0.05)
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


BENCHMARKS = {1: "submission", 2: "throughput", 3: "broadcast", 4: "minutes", 5: "cold start", 6: "rate limit",
              7: "reports", 8: "postgresql"}
FULL = {"sizes": "1000,10000,100000", "requests": 2000, "warmup": 50, "clients": 50, "per_client": 40, "warmup_per_client": 2,
        "teams": 5000, "broadcast_timeout": 480.0, "minutes_runs": 10, "cold_stored": 1_000_000, "cold_starts": 3,
        "rate_worker_s": 8.0, "report_teams": 5000, "report_runs": 3, "pg_sizes": "1000,100000,1000000"}
QUICK = {"sizes": "1000,10000", "requests": 100, "warmup": 10, "clients": 50, "per_client": 6, "warmup_per_client": 1,
         "teams": 200, "broadcast_timeout": 60.0, "minutes_runs": 3, "cold_stored": 10_000, "cold_starts": 2,
         "rate_worker_s": 4.0, "report_teams": 300, "report_runs": 2, "pg_sizes": "1000,10000"}


async def run_submission(options: dict) -> dict:
    sizes = sorted({int(s.replace("_", "")) for s in options["sizes"].split(",") if s.strip()})
    if not sizes or any(s < 1 for s in sizes):
        raise SystemExit("--sizes needs positive numbers, e.g. 1000,100000")
    connector = await FakeConnector().start()
    try:
        results = []
        for stored in sizes:
            results.append(await measure(stored, connector, options["requests"], options["warmup"], print))
            gc.collect()
    finally:
        await connector.close()

    ratio = results[-1]["p99_ms"] / results[0]["p99_ms"] if len(results) > 1 else None
    report(results, ratio)
    return {"submission": results, "ratio_p99": round(ratio, 3) if ratio is not None else None}


async def run_postgresql(options: dict) -> dict:
    """Benchmark 8: submissions, throughput and a broadcast with the bot on PostgreSQL (a server of the
    benchmark's own, durable: fsync on), each on a new database."""
    from tests.pgserver import PgServer

    server = PgServer(durable=True).start()
    out: dict = {}
    try:
        sizes = sorted({int(s.replace("_", "")) for s in options["pg_sizes"].split(",") if s.strip()})
        connector = await FakeConnector().start()
        try:
            results = []
            for stored in sizes:
                results.append(await measure(stored, connector, options["requests"], options["warmup"], print,
                                             database_url=server.create_database()))
                gc.collect()
        finally:
            await connector.close()
        report(results, None)
        out["submission"] = results
        out["throughput"] = {}
        for replicas in (1, 2):
            print(f"throughput, {replicas} replica(s) on PostgreSQL:", flush=True)
            out["throughput"][str(replicas)] = await bench_throughput.run(
                clients=options["clients"], per_client=options["per_client"],
                warmup_per_client=options["warmup_per_client"], database_url=server.create_database(),
                replicas=replicas)
        print("broadcast, two replicas on PostgreSQL:", flush=True)
        out["broadcast"] = await bench_broadcast.run(teams=options["teams"], timeout=options["broadcast_timeout"],
                                                     database_url=server.create_database(), replicas=2)
    finally:
        server.destroy()
    return {"postgresql": out}


async def run_one(number: int, options: dict) -> dict:
    if number == 1:
        return await run_submission(options)
    if number == 8:
        return await run_postgresql(options)
    if number == 2:
        return {"throughput": await bench_throughput.run(clients=options["clients"], per_client=options["per_client"],
                                                         warmup_per_client=options["warmup_per_client"])}
    if number == 3:
        return {"broadcast": await bench_broadcast.run(teams=options["teams"], timeout=options["broadcast_timeout"])}
    if number == 4:
        return {"minutes": bench_minutes.run(runs=options["minutes_runs"])}
    if number == 6:
        return {"ratelimit": await bench_ratelimit.run(worker_cap=options["rate_worker_s"])}
    if number == 7:
        return {"reports": await bench_reports.run(teams=options["report_teams"], runs=options["report_runs"])}
    return {"cold_start": await bench_coldstart.run(stored=options["cold_stored"], starts=options["cold_starts"])}


def summary_rows(out: dict) -> list[dict]:
    """One row per figure with a target: benchmark, figure, measured, target, ok."""
    rows = []

    def row(number: int, figure: str, measured: str, target: str, ok: bool | None) -> None:
        rows.append({"benchmark": number, "figure": figure, "measured": measured, "target": target, "ok": ok})

    for r in out.get("submission") or []:
        row(1, f"submission p99, {r['stored']:,} stored", f"{r['p99_ms']:.1f} ms", f"< {TARGET_P99_MS:g} ms",
            r["p99_ms"] < TARGET_P99_MS)
    if out.get("ratio_p99") is not None:
        largest, smallest = out["submission"][-1]["stored"], out["submission"][0]["stored"]
        row(1, f"p99 {largest:,} / {smallest:,} stored", f"{out['ratio_p99']:.2f}x", f"<= {TARGET_RATIO:g}x",
            out["ratio_p99"] <= TARGET_RATIO)
    if tp := out.get("throughput"):
        row(2, "stock echo bot, 50 at once", f"{tp['echo']['activities_per_s']:.0f} activities/s", "", None)
        row(2, f"this bot, one team of {tp['clients']}", f"{tp['one_team']['activities_per_s']:.0f} activities/s", "", None)
        row(2, "  ratio to echo, one team", f"{tp['one_team_ratio']:.2f}x", f">= {tp['target_ratio_at_least']:g}x",
            tp["one_team_ratio"] >= tp["target_ratio_at_least"])
        row(2, f"this bot, {tp['clients']} over ten teams", f"{tp['ours']['activities_per_s']:.0f} activities/s", "", None)
        row(2, "  ratio to echo, ten teams", f"{tp['ratio']:.2f}x", f">= {tp['target_ratio_at_least']:g}x",
            tp["ratio"] >= tp["target_ratio_at_least"])
    if bc := out.get("broadcast"):
        row(3, f"broadcast to {bc['teams']:,} teams: rate / allowed",
            f"{bc['rate_ratio']:.2f} ({bc['rate_per_s']:.1f}/s)", f">= {bc['target']['rate_ratio_at_least']:g}",
            bc["rate_ratio"] >= bc["target"]["rate_ratio_at_least"])
        row(3, "teams posted twice", str(bc["duplicates"]), "0", bc["duplicates"] == 0)
        row(3, "teams never posted", str(bc["lost"]) + (" (timed out)" if bc["timed_out"] else ""), "0", bc["lost"] == 0)
        if (probe := bc.get("probe")) and probe.get("p99_ms") is not None:
            row(3, "a team recording meanwhile: p99", f"{probe['p99_ms']:.1f} ms (p50 {probe['p50_ms']:.1f})",
                f"< {bc['target']['probe_p99_s_below'] * 1000:g} ms",
                probe["p99_ms"] < bc["target"]["probe_p99_s_below"] * 1000)
    if mn := out.get("minutes"):
        row(4, f"minutes of {mn['responses']} responses (median)", f"{mn['median_s'] * 1000:.0f} ms",
            f"< {mn['target_s_below'] * 1000:g} ms", mn["median_s"] < mn["target_s_below"])
    if cs := out.get("cold_start"):
        row(5, f"cold start, {cs['stored']:,} stored (median)", f"{cs['median_s']:.2f} s",
            f"< {cs['target']['start_s_below']:g} s", cs["median_s"] < cs["target"]["start_s_below"])
        row(5, "resident memory after start", f"{cs['rss_mb']:.0f} MB", f"< {cs['target']['rss_mb_below']:g} MB",
            cs["rss_mb"] < cs["target"]["rss_mb_below"])
    if rl := out.get("ratelimit"):
        lim, idle, target = rl["limiter"], rl["idle"], rl["target"]
        row(6, f"one conversation saturated, {rl['conversations']} others: rate / allowed",
            f"{lim['rate_ratio']:.2f} ({lim['rate_per_s']:.1f}/s)", f">= {target['rate_ratio_at_least']:g}",
            lim["rate_ratio"] >= target["rate_ratio_at_least"])
        row(6, "most sends in any one second", str(lim["max_in_a_second"]), f"<= {rl['global_rate_per_s']}",
            lim["max_in_a_second"] <= rl["global_rate_per_s"])
        row(6, "idle conversation's longest wait", f"{idle['max_wait_s'] * 1000:.1f} ms",
            f"< {target['idle_max_wait_s_below'] * 1000:g} ms",
            not idle["timed_out"] and idle["max_wait_s"] < target["idle_max_wait_s_below"])
    if rp := out.get("reports"):
        for name, target in rp["target"]["seconds_below"].items():
            seconds = rp["seconds_median"][name]
            row(7, f"{name}, {rp['teams']:,} teams (median; first {rp['seconds_first'][name] * 1000:.0f} ms)",
                f"{seconds * 1000:.0f} ms", f"< {target * 1000:g} ms", seconds < target)
        row(7, "resident memory, Word report built (the bot and the report's process)", f"{rp['peak_rss_mb']:.0f} MB",
            f"< {rp['target']['word_rss_mb_below']:g} MB", rp["peak_rss_mb"] < rp["target"]["word_rss_mb_below"])
        row(7, "a submission's worst wait meanwhile", f"{rp['submission_worst_during_word_report_s'] * 1000:.0f} ms",
            "", None)
        if "stop_during_word_report_s" in rp:
            row(7, "Ctrl+C halfway through a Word report: stopped in", f"{rp['stop_during_word_report_s']:.2f} s",
                "given up, nothing left running", rp["processes_left_after_stop"] == 0
                and rp.get("word_report_answer_when_stopped") != 200)
    if pg := out.get("postgresql"):
        for r in pg.get("submission") or []:
            row(8, f"PostgreSQL: submission p99, {r['stored']:,} stored (p50 {r['median_ms']:.1f} ms)",
                f"{r['p99_ms']:.1f} ms", f"< {TARGET_P99_MS:g} ms", r["p99_ms"] < TARGET_P99_MS)
        for replicas, tp in (pg.get("throughput") or {}).items():
            row(8, f"PostgreSQL, {replicas} replica(s): one team of {tp['clients']}",
                f"{tp['one_team']['activities_per_s']:.0f} activities/s ({tp['one_team_ratio']:.2f}x echo)", "", None)
            row(8, f"PostgreSQL, {replicas} replica(s): {tp['clients']} over ten teams",
                f"{tp['ours']['activities_per_s']:.0f} activities/s ({tp['ratio']:.2f}x echo)", "", None)
        if bc := pg.get("broadcast"):
            row(8, f"PostgreSQL, two replicas: broadcast to {bc['teams']:,} teams, rate / allowed",
                f"{bc['rate_ratio']:.2f} ({bc['rate_per_s']:.1f}/s)", f">= {bc['target']['rate_ratio_at_least']:g}",
                bc["rate_ratio"] >= bc["target"]["rate_ratio_at_least"])
            row(8, "  teams posted twice / never posted", f"{bc['duplicates']} / {bc['lost']}", "0 / 0",
                bc["duplicates"] == 0 and bc["lost"] == 0)
            if (probe := bc.get("probe")) and probe.get("p99_ms") is not None:
                row(8, "  a team recording meanwhile: p99", f"{probe['p99_ms']:.1f} ms (p50 {probe['p50_ms']:.1f})",
                    f"< {bc['target']['probe_p99_s_below'] * 1000:g} ms",
                    probe["p99_ms"] < bc["target"]["probe_p99_s_below"] * 1000)
    for number, message in (out.get("errors") or {}).items():
        row(int(number), f"{BENCHMARKS[int(number)]}: did not complete", message[:60], "", False)
    return rows


def print_summary(rows: list[dict], quick: bool) -> None:
    def verdict(ok: bool | None) -> str:
        return "" if ok is None else "PASS" if ok else "MISS"

    title = "Benchmarks" + (" (--quick: smaller sizes than the targets')" if quick else "")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(title)
        for r in rows:
            print(f"{r['benchmark']:>2} {r['figure']:<44} {r['measured']:>24} {r['target']:>10} {verdict(r['ok'])}")
        return
    table = Table(title=title)
    for column, justify in (("#", "right"), ("figure", "left"), ("measured", "right"), ("target", "right"),
                            ("", "left")):
        table.add_column(column, justify=justify, no_wrap=column != "figure")
    for r in rows:
        mark = verdict(r["ok"])
        table.add_row(str(r["benchmark"]), r["figure"], r["measured"], r["target"],
                      f"[green]{mark}[/]" if r["ok"] else f"[red]{mark}[/]" if mark else "")
    Console().print(table)


async def main_async(args: argparse.Namespace, selected: list[int], options: dict) -> int:
    out: dict = {}
    errors: dict[str, str] = {}
    for number in selected:
        print(f"\n== {number}. {BENCHMARKS[number]} ==", flush=True)
        began = time.perf_counter()
        try:
            out.update(await run_one(number, options))
        except (Exception, SystemExit) as exc:  # one benchmark failing does not lose the others' figures
            message = str(exc) or type(exc).__name__
            print(f"benchmark {number} ({BENCHMARKS[number]}) did not complete: {message}", file=sys.stderr)
            errors[str(number)] = message
        print(f"({BENCHMARKS[number]}: {time.perf_counter() - began:.0f} s)", flush=True)
        gc.collect()
    if errors:
        out["errors"] = errors
    rows = summary_rows(out)
    print()
    print_summary(rows, args.quick)
    out.update({
        "summary": rows,
        "targets": {"p99_ms_below": TARGET_P99_MS, "ratio_p99_at_most": TARGET_RATIO,
                    "throughput_ratio_at_least": bench_throughput.TARGET_RATIO,
                    "broadcast_rate_ratio_at_least": bench_broadcast.TARGET_RATE_RATIO,
                    "broadcast_duplicates": 0, "broadcast_lost": 0,
                    "minutes_s_below": bench_minutes.TARGET_S,
                    "cold_start_s_below": bench_coldstart.TARGET_START_S,
                    "cold_start_rss_mb_below": bench_coldstart.TARGET_RSS_MB,
                    "ratelimit_rate_ratio_at_least": bench_ratelimit.TARGET_RATE_RATIO,
                    "ratelimit_idle_wait_s_below": bench_ratelimit.TARGET_IDLE_WAIT_S},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "implementation": platform.python_implementation(), "platform": platform.platform()},
        "settings": {"only": selected, "quick": args.quick, "responses_per_discussion": PER_DISCUSSION, **options},
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {args.out}")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="1,2,3,4,5,6,7,8", help="which benchmarks to run, comma separated (1-8)")
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--sizes", help="1: stored responses per run, comma separated (default 1000,10000,100000)")
    parser.add_argument("--requests", type=int, help="1: measured submissions per size (default 2000)")
    parser.add_argument("--warmup", type=int, help="1: submissions before measuring, per size (default 50)")
    parser.add_argument("--per-client", type=int, help="2: activities each of the 50 clients posts (default 40)")
    parser.add_argument("--teams", type=int, help="3: teams the briefing is published to (default 5000)")
    parser.add_argument("--out", default="bench-results.json", help="where to write the figures (JSON)")
    args = parser.parse_args()
    try:
        selected = sorted({int(n) for n in args.only.split(",") if n.strip()})
    except ValueError:
        parser.error("--only takes benchmark numbers, e.g. 1,3")
    if not selected or any(n not in BENCHMARKS for n in selected):
        parser.error(f"--only takes numbers from 1 to {len(BENCHMARKS)}")
    options = dict(QUICK if args.quick else FULL)
    for name in ("sizes", "requests", "warmup", "per_client", "teams"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if options["requests"] < 1 or options["warmup"] < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    if options["per_client"] < 1 or options["teams"] < 1:
        parser.error("--per-client and --teams must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    for name in list(os.environ):  # the bench runs in local mode on loopback whatever the shell says
        if name.startswith(("LEARNING_BOT_", "SMTP_", "Microsoft")) or name.lower().startswith("microsoftapp"):
            del os.environ[name]
    return asyncio.run(main_async(args, selected, options))


if __name__ == "__main__":
    sys.exit(main())
