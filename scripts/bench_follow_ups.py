"""The follow-ups' quarter-hourly pass at a partnership's scale: 5,000 teams, 24 briefings (two
years), three actions each team agreed per briefing (120,000 actions, 360,000 with --large).

Most are answered; those agreed in the last six weeks are not due yet; one in twenty were never
answered (overdue after their reminder); a working day's worth are due today. Times, on the embedded
store (TinyDB logs, as `make run` keeps them): opening the store, the pass the follow-ups make
(`to_follow_up`: the actions due and not yet reminded), and, for comparison, reading every action
(`list`, what the pass read before). Run: .venv/bin/python scripts/bench_follow_ups.py
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.models import Action, ActionStatus  # noqa: E402
from storage.tinydb_store import TinyDBStore  # noqa: E402

TODAY = date(2026, 11, 30)


def actions(teams: int, briefings: int, per_team: int) -> list[Action]:
    out = []
    for b in range(briefings):
        agreed = TODAY - timedelta(weeks=4 * (briefings - b))  # one a month, the last four weeks ago
        for t in range(teams):
            discussion = f"d-{b:02d}-{t:05d}"
            for n in range(1, per_team + 1):
                due = agreed + timedelta(weeks=6, days=t % 5)
                a = Action(id=Action.make_id(discussion, n), discussion_id=discussion, briefing_id=f"briefing-{b:02d}",
                           team_id=f"team-{t:05d}", organisation_id=f"org-{t % 40}", what="Add a police invite step "
                           "to the strategy meeting checklist", owner="Team manager", due=due,
                           agreed_at=datetime.combine(agreed, datetime.min.time(), timezone.utc))
                if due < TODAY - timedelta(days=20):
                    if t % 20 == 0:  # never answered: overdue after its reminder
                        a.follow_up_sent_at = a.reminded_at = a.agreed_at + timedelta(weeks=6)
                    else:
                        a.status, a.update = ActionStatus.done, "Police now get a formal invite every time."
                out.append(a)
    return out


async def main_async(teams: int, briefings: int, runs: int) -> None:
    rows = actions(teams, briefings, 1)
    with tempfile.TemporaryDirectory() as tmp:
        store = TinyDBStore(Path(tmp) / "data")
        await store.open()
        for b in range(briefings):
            await store.actions.add([a for a in rows if a.briefing_id == f"briefing-{b:02d}"])
        await store.close()
        started = time.perf_counter()
        store = TinyDBStore(Path(tmp) / "data")
        await store.open()
        opened = time.perf_counter() - started
        passes, everything = [], []
        for _ in range(runs):
            started = time.perf_counter()
            due = await store.actions.to_follow_up(TODAY)
            passes.append(time.perf_counter() - started)
            started = time.perf_counter()
            every = await store.actions.list()
            everything.append(time.perf_counter() - started)
        await store.close()
    print(f"{len(rows):,} actions ({teams:,} teams x {briefings} briefings x 1); {len(due):,} to follow up today")
    print(f"open the store:               {opened * 1000:8.0f} ms")
    print(f"follow-ups' pass (to_follow_up): median {statistics.median(passes) * 1000:6.0f} ms "
          f"(min {min(passes) * 1000:.0f}, max {max(passes) * 1000:.0f})")
    print(f"every action (list):          median {statistics.median(everything) * 1000:6.0f} ms ({len(every):,} read)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="three times as many briefings' actions (72 briefings)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main_async(5_000, 72 if args.large else 24, args.runs))


if __name__ == "__main__":
    main()
