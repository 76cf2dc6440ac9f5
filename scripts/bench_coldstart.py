"""Benchmark 5: cold start of `learning-bot serve` over 1,000,000 stored responses (make bench; --quick: 10,000), and its memory.

The data directory is seeded as in benchmark 1 (100 responses per team discussion). Each start
is timed from launching the process to the first 200 from `GET /healthz` (polled every 5 ms);
the resident memory (VmRSS in /proc/<pid>/status) is read right after. The process is then
stopped (SIGINT) and started again; figures are the median over the starts (the files are in
the page cache after seeding, as on a server that restarts: this is the process's cold start,
not the disk's). The bot's own modules are compiled to bytecode first, as installing the package
does: this machine sets PYTHONDONTWRITEBYTECODE, so a checkout would otherwise compile every
module at every start (0.3 s of it, which no installed bot pays). Targets: under 2 s; under 300 MB.
"""

from __future__ import annotations

import compileall
import statistics
import tempfile
import time
from pathlib import Path

from bench_common import bot_process, dir_size, free_port, rss_bytes, seed

TARGET_START_S = 2.0
TARGET_RSS_MB = 300.0


async def run(*, stored: int, starts: int = 3, console=print) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-coldstart-") as tmp:
        data_dir = Path(tmp) / "data"
        began = time.perf_counter()
        # Nothing is pending in the outbox, so the bot never calls this (unused) connector address.
        n_discussions = await seed(data_dir, stored, "http://127.0.0.1:9")
        console(f"seeded {stored:,} responses in {n_discussions:,} discussions in {time.perf_counter() - began:.1f} s "
                f"({dir_size(data_dir) / 1e6:.1f} MB)")
        root = Path(__file__).resolve().parents[1]
        for package in ("bot", "content", "dialogs", "storage"):
            compileall.compile_dir(root / package, quiet=1)
        timings, rss, peak = [], [], []
        for n in range(starts):
            port = free_port()
            bot = bot_process(data_dir, port, Path(tmp) / f"bot-{n}.log").start()
            try:
                timings.append(await bot.wait_healthy(f"http://127.0.0.1:{port}/healthz", timeout=60, interval=0.005))
                memory = rss_bytes(bot.pid)
                rss.append(memory["VmRSS"] / 1e6)
                peak.append(memory["VmHWM"] / 1e6)
            finally:
                await bot.stop()
            console(f"  start {n + 1}: healthy after {timings[-1]:.2f} s, RSS {rss[-1]:.0f} MB (peak {peak[-1]:.0f} MB)")
    return {
        "stored": stored, "discussions": n_discussions, "starts": starts,
        "median_s": round(statistics.median(timings), 3), "max_s": round(max(timings), 3),
        "each_s": [round(x, 3) for x in timings],
        "rss_mb": round(statistics.median(rss), 1), "rss_mb_max": round(max(rss), 1),
        "peak_rss_mb": round(max(peak), 1),
        "target": {"start_s_below": TARGET_START_S, "rss_mb_below": TARGET_RSS_MB},
    }
