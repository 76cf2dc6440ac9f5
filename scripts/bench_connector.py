"""The fake Bot Connector (tests/fakes/connector.py) in a process of its own, for the benchmarks.

    .venv/bin/python scripts/bench_connector.py

Prints `url <connector url>` once listening on loopback, then reads commands on standard input,
one a line, and answers each with one JSON line: `stats` (requests by method and status so far),
`reset` (forget what was recorded, then stats), `quit` (or end of input) stops it.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.connector import FakeConnector  # noqa: E402


def stats(connector: FakeConnector) -> dict:
    return {
        "requests": len(connector.calls),
        "statuses": dict(Counter(str(c.status) for c in connector.calls)),
        "answered": dict(Counter(s.method for s in connector.sent)),  # send, update, create
    }


async def main() -> int:
    connector = await FakeConnector().start()
    print(f"url {connector.url}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if line in ("", "quit"):
                return 0
            if line == "reset":
                connector.sent.clear()
                connector.calls.clear()
            print(json.dumps(stats(connector)), flush=True)
    finally:
        await connector.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
