"""The discussion lock: members recording side by side, a close alone and first, and cancellations
that never leave it held."""

from __future__ import annotations

import asyncio

from dialogs.locks import ReadWriteLock


async def test_shared_holders_go_together_and_an_exclusive_one_waits_for_them():
    lock, order = ReadWriteLock(), []
    release = asyncio.Event()

    async def shared(name):
        async with lock.shared():
            order.append(f"{name} in")
            await release.wait()
            order.append(f"{name} out")

    async def exclusive():
        async with lock.exclusive():
            order.append("close")

    tasks = [asyncio.create_task(shared("a")), asyncio.create_task(shared("b"))]
    await asyncio.sleep(0)
    closing = asyncio.create_task(exclusive())
    await asyncio.sleep(0)
    assert order == ["a in", "b in"] and lock.locked()
    release.set()
    await asyncio.gather(*tasks, closing)
    assert order[-1] == "close" and not lock.locked()


async def test_a_waiting_close_goes_before_submissions_that_come_after_it():
    lock, order = ReadWriteLock(), []
    first = asyncio.Event()

    async def shared(name, wait=None):
        async with lock.shared():
            order.append(name)
            if wait:
                await wait.wait()

    async def exclusive():
        async with lock.exclusive():
            order.append("close")

    holder = asyncio.create_task(shared("first", first))
    await asyncio.sleep(0)
    closing = asyncio.create_task(exclusive())
    await asyncio.sleep(0)
    later = asyncio.create_task(shared("later"))
    await asyncio.sleep(0)
    assert order == ["first"]  # "later" waits behind the close
    first.set()
    await asyncio.gather(holder, closing, later)
    assert order == ["first", "close", "later"]


async def test_a_cancelled_waiter_neither_holds_the_lock_nor_blocks_those_behind_it():
    lock = ReadWriteLock()
    hold = asyncio.Event()

    async def shared_holding():
        async with lock.shared():
            await hold.wait()

    holder = asyncio.create_task(shared_holding())
    await asyncio.sleep(0)
    waiting_close = asyncio.create_task(lock.exclusive().__aenter__())
    await asyncio.sleep(0)
    blocked = asyncio.create_task(shared_holding())  # behind the waiting close
    await asyncio.sleep(0)
    waiting_close.cancel()
    await asyncio.gather(waiting_close, return_exceptions=True)
    await asyncio.sleep(0)
    assert lock._shared == 2  # the one behind it went in at once
    hold.set()
    await asyncio.gather(holder, blocked)
    assert not lock.locked()


async def test_a_holder_cancelled_as_it_releases_still_releases():
    lock = ReadWriteLock()
    inside = asyncio.Event()

    async def held():
        async with lock.shared():
            inside.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(held())
    await inside.wait()
    task.cancel()
    task.cancel()  # twice, as a shutdown may
    await asyncio.gather(task, return_exceptions=True)
    assert not lock.locked()
    async with lock.exclusive():
        assert lock.locked()
