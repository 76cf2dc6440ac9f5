"""The pending deliveries' index: what a claim takes, checked against a plain scan-and-sort of the
same deliveries over thousands of random changes (added, retried later, leased, sent). Deliveries
alike in both due and created times may come in either order."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from storage.models import Delivery, DeliveryKind, DeliveryStatus
from storage.pending import PendingIndex

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def delivery(n: int, due: int, created: int = 0) -> Delivery:
    return Delivery(id=f"x{n}", group="b1", kind=DeliveryKind.briefing_post,
                    next_attempt_at=T0 + timedelta(seconds=due), created_at=T0 + timedelta(seconds=created))


def reference(pending: dict[str, Delivery], now: datetime, limit: int) -> list[str]:
    ready = sorted((d for d in pending.values() if d.due_at <= now), key=lambda d: (d.due_at, d.created_at))
    return [d.id for d in ready[:limit]]


def test_the_earliest_due_first_then_the_oldest_and_reading_changes_nothing():
    index = PendingIndex()
    for d in (delivery(1, 30), delivery(2, 10, created=5), delivery(3, 10, created=1), delivery(4, 99)):
        index.track(d)
    now = T0 + timedelta(seconds=60)
    assert [d.id for d in index.due(now, 10)] == ["x3", "x2", "x1"]
    assert [d.id for d in index.due(now, 2)] == ["x3", "x2"]  # the same again
    assert index.next_due_at() == T0 + timedelta(seconds=10)
    [claimed] = index.claim(now, 1, timedelta(seconds=120))
    assert claimed.id == "x3" and claimed.attempts == 1
    index.track(claimed)  # stored with its lease: not due again until the lease ends
    assert [d.id for d in index.due(now, 10)] == ["x2", "x1"]
    index.track(claimed.model_copy(update={"status": DeliveryStatus.sent}))
    assert [d.id for d in index.due(T0 + timedelta(days=1), 10)] == ["x2", "x1", "x4"]
    assert index.due(T0, 10) == [] and PendingIndex().next_due_at() is None


def test_random_changes_agree_with_a_scan_of_every_pending_delivery():
    rng = random.Random(16)
    index, pending = PendingIndex(), {}
    for step in range(5_000):
        n = rng.randrange(300)
        roll = rng.random()
        if roll < 0.15 and f"x{n}" in pending:  # sent, or given up
            done = pending.pop(f"x{n}").model_copy(update={"status": DeliveryStatus.sent})
            index.track(done)
        elif roll < 0.3:  # claimed: leased for a while
            now = T0 + timedelta(seconds=rng.randrange(600))
            for d in index.claim(now, rng.randrange(1, 9), timedelta(seconds=rng.randrange(1, 120))):
                pending[d.id] = d
                index.track(d)
        else:  # added, or retried later
            d = delivery(n, rng.randrange(600), created=step)  # never two alike: the order is known
            pending[d.id] = d
            index.track(d)
        now = T0 + timedelta(seconds=rng.randrange(700))
        limit = rng.randrange(1, 20)
        assert [d.id for d in index.due(now, limit)] == reference(pending, now, limit), step
        assert index.next_due_at() == min((d.due_at for d in pending.values()), default=None), step
