"""Scheduled work on replicas sharing a database: a pass runs on one replica at a time."""

from __future__ import annotations

import asyncio

from bot.app import run_schedules
from bot.settings import Settings
from content.directory import load_directory
from dialogs.deps import Deps
from storage.postgres import PostgresStore


async def purges(store: PostgresStore) -> int:
    return sum(entry.get("event") == "purge" for entry in await store.meta.audit_log())


async def test_a_replica_passes_by_scheduled_work_another_is_doing(pg_url, tmp_path):
    mine, other = PostgresStore(pg_url), PostgresStore(pg_url)
    await mine.open(wait=True)
    await other.open(wait=True)
    settings = Settings(data_dir=tmp_path, digest_day="OFF")
    deps = Deps(store=mine, directory=load_directory(None))
    try:
        async with other.locks.try_hold("scheduled-work") as ours:  # the other replica's pass under way
            assert ours
            task = asyncio.create_task(run_schedules(deps, settings, interval=0.05))
            await asyncio.sleep(0.5)  # several of this replica's passes come round meanwhile
            assert await purges(mine) == 0
        for _ in range(100):  # once the other's pass is over, this one runs its own
            if await purges(mine):
                break
            await asyncio.sleep(0.05)
        assert await purges(mine) == 1  # and the daily purge once, however many passes
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await mine.close()
        await other.close()
