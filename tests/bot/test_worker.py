"""The delivery worker on a store whose disk fills: claims written before sending, outcomes kept
until they can be written, at most one resend after a crash."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from email.message import EmailMessage
from typing import Any

from bot.worker import DeliveryWorker
from content.directory import load_directory
from dialogs.deps import Deps
from storage.models import Delivery, DeliveryKind, DeliveryStatus
from storage.tinydb_store import TinyDBStore
from tests.fakes.disk import files_cannot_grow_past
from tests.harness import eventually


class Inbox:
    """A mailer that keeps what it is asked to send; `on_send` runs inside the send."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.on_send = lambda: None

    async def send(self, message: EmailMessage) -> dict[str, Any]:
        self.sent.append(message["Subject"])
        self.on_send()
        return {"message_id": message["Message-ID"]}


def digest(n: int) -> Delivery:
    return Delivery(id=f"digest-{n}", group="digests", kind=DeliveryKind.digest_email, recipient=f"lead{n}@example.org",
                    payload={"lead_name": "Lead", "subject": f"Digest {n}", "text": "Nothing new."})


@contextlib.asynccontextmanager
async def worker_on(store: TinyDBStore, inbox: Inbox):
    deps = Deps(store=store, directory=load_directory(None))
    worker = DeliveryWorker(deps, teams=None, mailer=inbox, store_backoff=(0.01, 0.05))  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.stop()


async def _sent(store: TinyDBStore, *ids: str) -> bool:
    rows = [await store.outbox.get(i) for i in ids]
    return all(r is not None and r.status is DeliveryStatus.sent for r in rows)


async def test_nothing_is_sent_while_a_claim_cannot_be_written(tmp_path, caplog):
    store = TinyDBStore(tmp_path / "data")
    await store.open()
    inbox = Inbox()
    try:
        await store.outbox.enqueue([digest(1), digest(2)])
        with caplog.at_level(logging.WARNING), files_cannot_grow_past(64):  # full: no claim can be written
            async with worker_on(store, inbox):
                refused = lambda: [r for r in caplog.records if "the store cannot be written" in r.getMessage()]  # noqa: E731
                assert await eventually(lambda: _value(len(refused()) >= 5))
                assert inbox.sent == []
                assert (await store.outbox.get("digest-1")).attempts == 0  # nothing claimed, nothing counted
                assert (await store.status())["ok"] is False
        async with worker_on(store, inbox):
            assert await eventually(lambda: _sent(store, "digest-1", "digest-2"))
        assert sorted(inbox.sent) == ["Digest 1", "Digest 2"]
        assert (await store.outbox.get("digest-1")).attempts == 1
        assert (await store.status())["ok"] is True
    finally:
        await store.close()


async def test_an_outcome_the_store_refuses_is_kept_not_resent(tmp_path, caplog):
    store = TinyDBStore(tmp_path / "data")
    await store.open()
    inbox = Inbox()
    full = files_cannot_grow_past(64)
    inbox.on_send = full.__enter__  # the disk fills while the message is on its way
    try:
        await store.outbox.enqueue([digest(1)])
        async with worker_on(store, inbox) as worker:
            assert await eventually(lambda: _value(bool(worker._unrecorded)))
            refused = lambda: [r for r in caplog.records if "the store cannot be written" in r.getMessage()]  # noqa: E731
            with caplog.at_level(logging.WARNING):
                assert await eventually(lambda: _value(len(refused()) >= 5))  # it tries to record it, again and again
            assert inbox.sent == ["Digest 1"]  # and never sends it again meanwhile
            inbox.on_send = lambda: None
            full.__exit__(None, None, None)
            assert await eventually(lambda: _sent(store, "digest-1"))
        assert inbox.sent == ["Digest 1"]
    finally:
        full.__exit__(None, None, None)
        await store.close()


async def test_after_a_crash_an_unrecorded_send_goes_at_most_once_more(tmp_path):
    data = tmp_path / "data"
    store = TinyDBStore(data)
    await store.open()
    inbox = Inbox()
    full = files_cannot_grow_past(64)
    inbox.on_send = full.__enter__
    try:
        await store.outbox.enqueue([digest(1)])
        async with worker_on(store, inbox) as worker:
            assert await eventually(lambda: _value(bool(worker._unrecorded)))
        # The process ends here with the outcome unwritten; its claim is on disk.
    finally:
        full.__exit__(None, None, None)
        await store.close()
    inbox.on_send = lambda: None
    again = TinyDBStore(data)
    await again.open()
    try:
        claimed = await again.outbox.get("digest-1")
        assert (claimed.status, claimed.attempts) == (DeliveryStatus.pending, 1)
        async with worker_on(again, inbox):
            assert await eventually(lambda: _sent(again, "digest-1"))
        assert inbox.sent == ["Digest 1", "Digest 1"]  # at least once; once more at most
        assert (await again.outbox.get("digest-1")).attempts == 2
    finally:
        await again.close()


async def _value(value: bool) -> bool:
    return value


class Replies:
    """A Teams transport that keeps the conversations it replied in."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def reply(self, thread, activity) -> dict[str, Any]:
        self.sent.append(thread.conversation_id)
        return {"activity_id": str(len(self.sent))}


async def test_a_send_to_a_busy_conversation_gives_its_place_to_others():
    from storage.memory import MemoryStore
    from storage.models import ConversationRef, Discussion
    from bot.ratelimit import RateLimiter

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    limiter = RateLimiter(30, clock=clock)
    for second in range(9):  # "busy" reaches its 60-in-30-seconds window
        clock.now = float(second)
        for _ in range(7 if second < 8 else 4):
            await limiter.acquire("busy")
    store = MemoryStore()
    for name in ("busy", "idle"):
        await store.discussions.put(Discussion(id=f"d-{name}", briefing_id="b", team_id=name, thread=ConversationRef(
            service_url="http://127.0.0.1:9/", conversation_id=name)))
    teams = Replies()
    worker = DeliveryWorker(Deps(store=store, directory=load_directory(None)), teams, Inbox(),  # type: ignore[arg-type]
                            limiter=limiter)
    notice = lambda name: Delivery(id=f"n-{name}", group=f"d-{name}", kind=DeliveryKind.thread_notice,  # noqa: E731
                                   discussion_id=f"d-{name}", payload={"text": "Minutes sent."}, attempts=1)
    deferred = await worker.attempt(notice("busy"))
    assert deferred.status is DeliveryStatus.pending and deferred.attempts == 0  # not an attempt: it comes back
    assert (deferred.next_attempt_at - deferred.created_at).total_seconds() > 20  # when "busy" has room again
    sent = await worker.attempt(notice("idle"))
    assert sent.status is DeliveryStatus.sent and teams.sent == ["idle"]
