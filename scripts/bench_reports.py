"""Benchmark 7: a lead's digest and outstanding list, and the board's report, at a partnership's scale.

5,000 teams of one organisation, each with the bundled briefing delivered and 20 responses recorded
(100,000 in all), one in five with its minutes sent. `learning-bot serve` runs over them beside the
fake Bot Connector. Timed from the client, one after the other, each `runs` times (figures: the
median, and the first after start-up):
  digest        the lead says `digest` in their chat (the card, sent through the connector)
  outstanding   the lead says `outstanding`
  report card   board staff say `report <id>`
  report page   the full report's HTML page (admin token), and its size
  Word report   the report as a Word document through the admin API, and the memory of the bot and
                the process it builds the document in, together
While the Word report is built, a team presses Submit responses every 100 ms: its worst latency
says whether the bot stays responsive. Last, the bot is stopped (SIGINT, as Ctrl+C) halfway through
a Word report: how long it takes to exit, and whether anything is left running. Targets: digest and
outstanding under 200 ms; the card and the page under 1 s; the Word report under 10 s and 300 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bench_common import (ADMIN_TOKEN, BRIEFING, MEMBERS, bot_process, free_port, member, response_text, rss_bytes,
                          seed, seed_probe, team_spec)
from storage.models import Discussion, Minutes
from storage.tinydb_store import TinyDBStore
from tests.fakes import teams as t
from tests.fakes.connector import FakeConnector

TARGETS_S = {"digest": 0.2, "outstanding": 0.2, "report card": 1.0, "report page": 1.0, "Word report": 10.0}
TARGET_RSS_MB = 300.0
LEAD = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # the bundled directory's Sussex Police lead
STAFF = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")  # board staff there
TENANT = "11111111-1111-1111-1111-111111111111"


async def _close_some(data_dir: Path, teams: int, every: int = 5) -> None:
    """One team in `every` has sent its minutes (closed, minutes stored), as a partnership some weeks on."""
    store = TinyDBStore(data_dir)
    await store.open()
    try:
        for i in range(0, teams, every):
            d = await store.discussions.get(Discussion.make_id(BRIEFING, team_spec(i).id))
            d.closed_at, d.closed_by, d.sent_to = d.opened_at, "Ana", "sussex-police"
            await store.minutes.put(Minutes(discussion_id=d.id, organisation_id="sussex-police", body={}, markdown=""))
            await store.discussions.put(d)
    finally:
        await store.close()


async def run(*, teams: int, runs: int = 3, console=print) -> dict:
    connector = await FakeConnector().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            data_dir = Path(tmp) / "data"
            began = time.perf_counter()
            await seed(data_dir, teams * 20, connector.url, per_discussion=20)
            await _close_some(data_dir, teams)
            probe, probe_discussion, probe_thread = await seed_probe(data_dir, connector.url)
            console(f"seeded {teams:,} teams, {teams * 20:,} responses in {time.perf_counter() - began:.0f} s")
            port = free_port()
            bot = bot_process(data_dir, port, Path(tmp) / "bot.log", LEARNING_BOT_ADMIN_TOKEN=ADMIN_TOKEN,
                              LEARNING_BOT_PUBLIC_URL=f"http://127.0.0.1:{port}").start()
            base = f"http://127.0.0.1:{port}"
            try:
                await bot.wait_healthy(f"{base}/healthz")
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
                    result = await _measure(session, base, connector, bot.pid, runs, probe, probe_discussion,
                                            probe_thread, console)
                    result.update(await _stop_mid_report(session, base, bot, result["seconds_median"]["Word report"],
                                                         console))
            finally:
                await bot.stop()
    finally:
        await connector.close()
    result.update(teams=teams, responses=teams * 20,
                  target={"seconds_below": TARGETS_S, "word_rss_mb_below": TARGET_RSS_MB})
    return result


async def _measure(session, base, connector, pid, runs, probe, probe_discussion, probe_thread, console) -> dict:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def said(user: t.User, text: str) -> dict:
        return t.personal(connector.url, user, TENANT, text=text)

    async def chat(user: t.User, text: str) -> float:
        before = len(connector.personal_chats(user.aad)) + len(connector.sent)
        began = time.perf_counter()
        async with session.post(f"{base}/api/messages", json=said(user, text)) as resp:
            await resp.read()
            if resp.status >= 300:
                raise SystemExit(f"'{text}' answered {resp.status}")
        elapsed = time.perf_counter() - began
        if len(connector.personal_chats(user.aad)) + len(connector.sent) == before:
            raise SystemExit(f"'{text}' got no reply")
        return elapsed

    async def get(path: str) -> tuple[float, int]:
        began = time.perf_counter()
        async with session.get(f"{base}{path}", headers=admin) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise SystemExit(f"GET {path} answered {resp.status}")
        return time.perf_counter() - began, len(body)

    timings: dict[str, list[float]] = {name: [] for name in TARGETS_S}
    sizes: dict[str, int] = {}
    probe_worst, rss = 0.0, 0.0
    for n in range(runs):
        timings["digest"].append(await chat(LEAD, "digest"))
        timings["outstanding"].append(await chat(LEAD, "outstanding"))
        timings["report card"].append(await chat(STAFF, f"report {BRIEFING}"))
        seconds, sizes["report page"] = await get(f"/reports/{BRIEFING}")
        timings["report page"].append(seconds)
        pressing = asyncio.get_running_loop().create_task(_press_meanwhile(session, base, connector.url, probe,
                                                                           probe_discussion, probe_thread))
        sampling = asyncio.get_running_loop().create_task(_memory_meanwhile(pid))
        seconds, sizes["Word report"] = await get(f"/api/briefings/{BRIEFING}/report?format=docx")
        sampling.cancel()
        # The most resident at any time: the bot's peak, or the bot and its report's process together.
        rss = max(rss, rss_bytes(pid)["VmHWM"] / 1e6, await sampling / 1e6)
        pressing.cancel()
        latencies = await asyncio.gather(pressing, return_exceptions=True)
        probe_worst = max([probe_worst] + [x for x in (latencies[0] if isinstance(latencies[0], list) else [])])
        timings["Word report"].append(seconds)
        console(f"  run {n + 1}: " + ", ".join(f"{name} {v[-1] * 1000:.0f} ms" for name, v in timings.items()))
    return {
        "seconds_median": {k: round(statistics.median(v), 3) for k, v in timings.items()},
        "seconds_first": {k: round(v[0], 3) for k, v in timings.items()},
        "bytes": sizes, "peak_rss_mb": round(rss, 1), "submission_worst_during_word_report_s": round(probe_worst, 3),
    }


async def _memory_meanwhile(pid: int) -> float:
    """The most memory the bot and its child processes held at once, sampled every 20 ms (bytes)."""
    peak = 0.0
    try:
        while True:
            total = 0
            for p in {pid} | _children(pid):
                try:
                    total += rss_bytes(p)["VmRSS"]
                except (OSError, KeyError):  # ended meanwhile
                    pass
            peak = max(peak, total)
            await asyncio.sleep(0.02)
    except asyncio.CancelledError:
        return peak


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


async def _stop_mid_report(session, base, bot, word_seconds: float, console) -> dict:
    """SIGINT while a Word report is being built (halfway through, as measured): how long the bot
    takes to exit, and whether the report's process outlived it."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def word() -> int:
        async with session.get(f"{base}/api/briefings/{BRIEFING}/report?format=docx", headers=admin) as resp:
            await resp.read()
            return resp.status

    asking = asyncio.get_running_loop().create_task(word())
    await asyncio.sleep(max(0.3, word_seconds / 2))
    children = _children(bot.pid)
    began = time.perf_counter()
    await bot.stop(timeout=120)
    stopped = time.perf_counter() - began
    [status] = await asyncio.gather(asking, return_exceptions=True)
    answered = status if isinstance(status, int) else type(status).__name__
    for _ in range(40):  # a child told of its parent's end (multiprocessing's resource tracker) takes a moment
        left = [pid for pid in children if Path(f"/proc/{pid}").exists()]
        if not left:
            break
        await asyncio.sleep(0.05)
    for pid in left:
        with contextlib.suppress(OSError):
            console(f"  left running: {Path(f'/proc/{pid}/cmdline').read_bytes().replace(bytes(1), b' ')[:120]!r}")
    console(f"  stopped with Ctrl+C halfway through a Word report: {stopped:.2f} s; the report answered {answered} "
            f"(503: given up); {len(children)} child process(es) then, {len(left)} left after")
    return {"stop_during_word_report_s": round(stopped, 2), "processes_left_after_stop": len(left),
            "word_report_answer_when_stopped": answered}


async def _press_meanwhile(session, base, connector_url, probe, discussion, thread) -> list[float]:
    latencies, n = [], 0
    try:
        while True:
            body = t.execute(connector_url, probe, member(n % len(MEMBERS)), "record",
                             {"discussion": discussion, "answer:learnt": response_text(n)}, thread)
            began = time.perf_counter()
            async with session.post(f"{base}/api/messages", json=body) as resp:
                await resp.read()
            latencies.append(time.perf_counter() - began)
            n += 1
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        return latencies
