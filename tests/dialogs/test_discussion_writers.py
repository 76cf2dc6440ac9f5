"""Writers outside a card's turn (a channel meeting's start, a reminder, a post sent) change a
discussion as it is when they write, under its lock: none writes back a copy read before a close."""

from __future__ import annotations

import asyncio

from dialogs.thread import change_discussion
from storage.models import Discussion, utcnow
from tests.fakes.chat import Chat


async def test_a_change_is_made_to_the_discussion_as_it_is_then_and_can_decline():
    chat = Chat()
    await chat.store.discussions.create([Discussion(id="d1", briefing_id="b1", team_id="t1")])
    stale = await chat.store.discussions.get("d1")  # read before the close below

    closed = await chat.store.discussions.get("d1")
    closed.closed_at, closed.closed_by, closed.sent_to = utcnow(), "Ana", "sussex-police"
    await chat.store.discussions.put(closed)

    def meeting(d: Discussion) -> bool:
        if d.closed:
            return False
        d.meeting_id = "m-1"
        return True

    assert await change_discussion(chat.deps, "d1", meeting) is None  # closed: left as it is
    after = await chat.store.discussions.get("d1")
    assert after.closed and after.sent_to == "sussex-police" and after.meeting_id is None
    assert stale.closed_at is None  # the copy read before: never written back


async def test_changes_wait_for_the_discussions_lock():
    chat = Chat()
    await chat.store.discussions.create([Discussion(id="d1", briefing_id="b1", team_id="t1")])
    order = []

    async def closing():
        async with chat.deps.lock("discussion:d1"):
            order.append("close starts")
            await asyncio.sleep(0.05)
            d = await chat.store.discussions.get("d1")
            d.closed_at = utcnow()
            await chat.store.discussions.put(d)
            order.append("close ends")

    def remind(d: Discussion) -> bool:
        order.append("reminder sees " + ("closed" if d.closed else "open"))
        return not d.closed

    task = asyncio.create_task(closing())
    await asyncio.sleep(0)
    await change_discussion(chat.deps, "d1", remind)
    await task
    assert order == ["close starts", "close ends", "reminder sees closed"]
