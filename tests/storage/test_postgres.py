"""The PostgreSQL backend shared by several replicas: claims, resends, locks, heartbeats, and a
database that is away at the start or restarts under way."""

import asyncio
from datetime import timedelta

import pytest

from storage.models import Delivery, DeliveryKind, DeliveryStatus, utcnow
from storage.postgres import PostgresStore, redact
from storage.protocols import StoreError, Superseded
from tests.pgserver import PgServer
from tests.storage.test_contract import briefing, response


@pytest.fixture
async def replicas(pg_url):
    """Two stores on one database, as two replicas have."""
    stores = [PostgresStore(pg_url), PostgresStore(pg_url)]
    for s in stores:
        await s.open(wait=True)
    yield stores
    for s in stores:
        await s.close()


def deliveries(n: int) -> list[Delivery]:
    now = utcnow()
    return [Delivery(id=f"x{i:04d}", group="b1", kind=DeliveryKind.briefing_post, team_id=f"t{i}",
                     created_at=now + timedelta(microseconds=i), next_attempt_at=now) for i in range(n)]


async def test_two_replicas_claiming_at_once_never_take_the_same_delivery(replicas):
    a, b = replicas
    await a.outbox.enqueue(deliveries(200))
    now = utcnow() + timedelta(seconds=1)
    taken: list[str] = []

    async def drain(store):
        while batch := await store.outbox.claim(now, 7, timedelta(minutes=5)):
            taken.extend(d.id for d in batch)

    await asyncio.gather(drain(a), drain(b), drain(a), drain(b))
    assert sorted(taken) == [f"x{i:04d}" for i in range(200)]  # each once, none left
    assert await a.outbox.claim(now, 10, timedelta(minutes=5)) == []


async def test_a_claim_left_by_a_replica_that_died_is_taken_by_another_once_its_lease_ends(replicas):
    a, b = replicas
    await a.outbox.enqueue(deliveries(3))
    now = utcnow() + timedelta(seconds=1)
    claimed = await a.outbox.claim(now, 10, timedelta(seconds=60))
    assert len(claimed) == 3
    # a dies: nothing is recorded; within the lease, the other replica takes nothing
    assert await b.outbox.claim(now + timedelta(seconds=59), 10, timedelta(seconds=60)) == []
    again = await b.outbox.claim(now + timedelta(seconds=61), 10, timedelta(seconds=60))
    assert [(d.id, d.attempts) for d in again] == [("x0000", 2), ("x0001", 2), ("x0002", 2)]
    for d in again:
        d.status, d.leased_until = DeliveryStatus.sent, None
        await b.outbox.update(d)
    assert await a.outbox.next_due_at() is None


async def test_an_activity_resent_to_both_replicas_is_stored_once(replicas):
    a, b = replicas
    same = [response("d-1", f"activity-{i}") for i in range(20)]
    added = await asyncio.gather(a.responses.add(same), b.responses.add(same), a.responses.add(same[:5]))
    assert sum(len(x) for x in added) == 20
    assert await b.responses.count("d-1") == 20


async def test_an_enqueue_on_one_replica_wakes_the_other(replicas):
    a, b = replicas
    await asyncio.sleep(0.3)  # b listens
    waiting = asyncio.create_task(b.outbox.wait_for_work(10))
    await asyncio.sleep(0.1)
    started = asyncio.get_running_loop().time()
    await a.outbox.enqueue(deliveries(1))
    await asyncio.wait_for(waiting, 5)
    assert asyncio.get_running_loop().time() - started < 5


async def test_locks_hold_across_replicas(replicas):
    a, b = replicas
    order = []

    async def hold(store, name, shared=False, seconds=0.2):
        async with store.locks.hold("discussion:d-1", shared=shared):
            order.append(f"{name} in")
            await asyncio.sleep(seconds)
            order.append(f"{name} out")

    await asyncio.gather(hold(a, "a"), hold_after(0.05, hold(b, "b")))
    assert order == ["a in", "a out", "b in", "b out"]
    order.clear()
    await asyncio.gather(hold(a, "a", shared=True), hold_after(0.05, hold(b, "b", shared=True, seconds=0.05)))
    assert order == ["a in", "b in", "b out", "a out"]  # shared beside shared
    async with a.locks.try_hold("scheduled-work") as ours_a:
        async with b.locks.try_hold("scheduled-work") as ours_b:
            assert (ours_a, ours_b) == (True, False)
    async with b.locks.try_hold("scheduled-work") as ours_b:
        assert ours_b


async def hold_after(seconds, coro):
    await asyncio.sleep(seconds)
    await coro


async def test_heartbeats_count_the_replicas_alive(replicas):
    a, b = replicas
    assert await a.heartbeat("one") == 1
    assert await b.heartbeat("two") == 2
    await asyncio.sleep(0.3)
    assert await a.heartbeat("one", alive_within=0.2) == 1  # "two" has been silent longer than that


@pytest.fixture
def own_server():
    """A server of the test's own, to stop and start."""
    server = PgServer()
    yield server
    server.destroy()


async def test_a_database_away_at_the_start_is_waited_for_then_used(own_server):
    store = PostgresStore(own_server.url(), connect_backoff=(0.1, 0.5))
    await store.open()  # nothing listening yet
    try:
        await asyncio.sleep(0.5)
        assert not store.available
        status = await store.status()
        assert status["ok"] is False and "not reachable" in status["error"]
        with pytest.raises(StoreError):
            await store.briefings.get("b1")
        own_server.start()
        assert await store.wait_ready(15)
        await store.briefings.put(briefing("b1"))
        assert (await store.status())["ok"] is True
    finally:
        await store.close()


async def test_a_database_restart_under_way_loses_nothing_written(own_server):
    own_server.start()
    store = PostgresStore(own_server.url())
    await store.open(wait=True)
    try:
        await store.responses.add([response("d-1", f"before-{i}") for i in range(10)])
        own_server.stop()
        with pytest.raises(StoreError):
            await store.responses.add([response("d-1", "during")])
        assert (await store.status())["ok"] is False
        own_server.start()
        for _ in range(50):  # the pool replaces its broken connections
            try:
                await store.responses.add([response("d-1", "after")])
                break
            except StoreError:
                await asyncio.sleep(0.1)
        assert await store.responses.count("d-1") == 11
        assert (await store.status())["ok"] is True
    finally:
        await store.close()


async def beat(store, name: str, seconds: float, alive_within: float = 0.2) -> int:
    """Heartbeats every 50 ms for `seconds`; the last count of replicas alive."""
    count = 0
    for _ in range(int(seconds / 0.05)):
        count = await store.heartbeat(name, alive_within=alive_within)
        await asyncio.sleep(0.05)
    return count


async def test_the_claims_of_a_replica_that_stopped_are_voided_by_the_others(replicas):
    a, b = replicas
    await a.heartbeat("a", alive_within=0.2)
    await a.outbox.enqueue(deliveries(3))
    now = utcnow() + timedelta(seconds=1)
    assert len(await a.outbox.claim(now, 2, timedelta(minutes=5))) == 2
    await b.heartbeat("b", alive_within=0.2)  # a is still alive: its claims stand
    assert [d.id for d in await b.outbox.claim(now, 10, timedelta(minutes=5))] == ["x0002"]
    assert await beat(b, "b", 0.4) == 1  # a has gone quiet for longer than b has been speaking
    again = await b.outbox.claim(now, 10, timedelta(minutes=5))
    assert [(d.id, d.attempts) for d in again] == [("x0000", 2), ("x0001", 2)]  # b's own claim stands

    # a comes back with its outcomes: they are dropped (b has the deliveries), never written over b's
    late = claimed_by_a = [d for d in again if d.id == "x0000"][0].model_copy(update={"attempts": 1})
    late.status, late.leased_until = DeliveryStatus.sent, None
    with pytest.raises(Superseded):
        await a.outbox.update(late)
    mine = again[0].model_copy(update={"status": DeliveryStatus.sent, "leased_until": None})
    await b.outbox.update(mine)
    claimed_by_a.status, claimed_by_a.next_attempt_at = DeliveryStatus.pending, utcnow()
    with pytest.raises(Superseded):  # a sent delivery is never put back
        await a.outbox.update(claimed_by_a)
    assert (await a.outbox.get("x0000")).status is DeliveryStatus.sent
    with pytest.raises(KeyError):
        await a.outbox.update(deliveries(5)[4])


async def test_after_the_database_was_away_no_replica_is_taken_for_gone(replicas):
    a, b = replicas
    await beat(a, "a", 0.3)
    await beat(b, "b", 0.3)
    await a.outbox.enqueue(deliveries(2))
    now = utcnow() + timedelta(seconds=1)
    assert len(await a.outbox.claim(now, 2, timedelta(minutes=5))) == 2
    await asyncio.sleep(0.4)  # neither could say it is alive (as when the database is away)
    assert await b.heartbeat("b", alive_within=0.2) == 1  # b's own run starts again: it voids nothing
    counts = await asyncio.gather(beat(a, "a", 0.3), beat(b, "b", 0.3))  # both speak again
    assert counts == [2, 2]
    assert await b.outbox.claim(now, 10, timedelta(minutes=5)) == []  # a's claims stand


async def test_a_lock_lost_with_its_connection_never_lets_go_of_another_holders(replicas):
    a, b = replicas
    first = a.locks.hold("discussion:d-1", shared=True)
    await first.__aenter__()
    await a.locks._conn.close()  # the lock connection drops: a's first lock is gone with it
    async with a.locks.hold("discussion:d-1", shared=True):  # a second holder, on a new connection
        await first.__aexit__(None, None, None)  # the first lets go: not the second's lock
        async with b.locks.try_hold("discussion:d-1") as ours:
            assert not ours
    async with b.locks.try_hold("discussion:d-1") as ours:
        assert ours


def test_the_database_is_named_without_its_password():
    assert redact("postgresql://bot:s3cret@db.example.org:5432/learning?sslmode=require") == \
        "postgresql://bot@db.example.org:5432/learning"
    assert "s3cret" not in redact("postgresql://bot@h1:5432,h2:5433/learning?password=s3cret")
    assert "s3cret" not in redact("postgresql://bot:s3cret@[::1")
