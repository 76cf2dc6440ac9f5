"""One contract suite, run against every storage backend."""

from datetime import date, timedelta

import pytest

from storage.memory import MemoryStore
from storage.models import (
    Action, ActionStatus, Author, Briefing, BriefingStatus, ConversationRef, Delivery, DeliveryKind, DeliveryStatus, Discussion,
    DiscussionSummary, Minutes, Response, Team, TeamSummary, utcnow,
)
from storage.tinydb_store import TinyDBStore


@pytest.fixture(params=["memory", "tinydb", "postgresql"])
async def store(request, tmp_path):
    if request.param == "postgresql":
        from storage.postgres import PostgresStore

        s = PostgresStore(request.getfixturevalue("pg_url"))
        await s.open(wait=True)
    else:
        s = MemoryStore() if request.param == "memory" else TinyDBStore(tmp_path / "data")
        await s.open()
    yield s
    await s.close()


def team(n: int, org: str | None = None, active: bool = True) -> Team:
    return Team(
        id=f"19:team{n}@thread.tacv2", name=f"Team {n}", tenant_id="t1", organisation_id=org,
        general=ConversationRef(service_url="http://x", conversation_id=f"19:team{n}@thread.tacv2"),
        active=active,
    )


def briefing(bid: str = "b1") -> Briefing:
    return Briefing(id=bid, title="T", issued="2019-01", board="Board", source="---\nid: b1\n---\n")


def response(discussion_id: str, key: str, text: str = "an answer") -> Response:
    return Response(
        id=Response.make_id(discussion_id, key), discussion_id=discussion_id, question_id="q1",
        text=text, author=Author(aad_object_id="u1", name="Ana"), idempotency_key=key,
    )


def delivery(did: str, group: str = "b1", **kw) -> Delivery:
    return Delivery(id=did, group=group, kind=DeliveryKind.briefing_post, **kw)


async def test_teams_upsert_get_and_filter(store):
    await store.teams.upsert(team(1, "police"))
    await store.teams.upsert(team(2, "nhs"))
    await store.teams.upsert(team(3, "police", active=False))
    assert (await store.teams.get("19:team1@thread.tacv2")).name == "Team 1"
    assert await store.teams.get("missing") is None
    assert {t.name for t in await store.teams.list()} == {"Team 1", "Team 2"}
    assert {t.name for t in await store.teams.list(organisation_id="police")} == {"Team 1"}
    assert len(await store.teams.list(active_only=False)) == 3
    changed = team(2, "police")
    changed.name = "Renamed"
    await store.teams.upsert(changed)
    got = await store.teams.get(changed.id)
    assert (got.name, got.organisation_id) == ("Renamed", "police")
    assert len(await store.teams.list(active_only=False)) == 3


async def test_returned_records_are_copies(store):
    await store.teams.upsert(team(1))
    got = await store.teams.get("19:team1@thread.tacv2")
    got.name = "changed locally"
    assert (await store.teams.get("19:team1@thread.tacv2")).name == "Team 1"


async def test_briefings_put_get_list(store):
    await store.briefings.put(briefing("b1"))
    await store.briefings.put(briefing("b2"))
    b = await store.briefings.get("b1")
    assert (b.title, b.source) == ("T", "---\nid: b1\n---\n")
    assert [x.id for x in await store.briefings.list()] == ["b1", "b2"]
    assert await store.briefings.get("nope") is None


async def test_only_a_draft_is_deleted(store):
    await store.briefings.put(briefing("draft"))
    published = briefing("published")
    published.status = BriefingStatus.published
    await store.briefings.put(published)
    assert await store.briefings.delete_draft("published") is False
    assert await store.briefings.delete_draft("nope") is False
    assert await store.briefings.delete_draft("draft") is True
    assert [b.id for b in await store.briefings.list()] == ["published"]
    assert await store.briefings.delete_draft("draft") is False


async def test_discussions_by_team_and_briefing(store):
    d1 = Discussion(id=Discussion.make_id("b1", "t1"), briefing_id="b1", team_id="t1")
    d2 = Discussion(id=Discussion.make_id("b2", "t1"), briefing_id="b2", team_id="t1")
    d3 = Discussion(id=Discussion.make_id("b1", "t2"), briefing_id="b1", team_id="t2")
    for d in (d1, d2, d3):
        await store.discussions.put(d)
    assert {d.id for d in await store.discussions.list_for_team("t1")} == {d1.id, d2.id}
    assert {d.id for d in await store.discussions.list_for_briefing("b1")} == {d1.id, d3.id}
    assert await store.discussions.list_for_briefing("none") == []
    d1.closed_at = utcnow()
    d1.closed_by = "Ana"
    await store.discussions.put(d1)
    assert (await store.discussions.get(d1.id)).closed
    assert await store.discussions.get("d-missing") is None


async def test_discussion_summaries_follow_every_write(store):
    thread = ConversationRef(service_url="http://x", conversation_id="19:t1;messageid=1")
    d1 = Discussion(id="d-1", briefing_id="b1", team_id="t1")
    d2 = Discussion(id="d-2", briefing_id="b1", team_id="t2", thread=thread)
    await store.discussions.create([d1, d2])
    await store.discussions.put(Discussion(id="d-3", briefing_id="b2", team_id="t1"))
    assert await store.discussions.summaries("none") == []
    got = {s.id: s for s in await store.discussions.summaries("b1")}
    assert got == {"d-1": DiscussionSummary.of(d1), "d-2": DiscussionSummary.of(d2)}
    assert (got["d-1"].posted, got["d-2"].posted, got["d-2"].closed) == (False, True, False)
    d2.closed_at, d2.sent_to, d2.acknowledgements, d2.discuss_by = utcnow(), "police", 2, date(2026, 3, 1)
    await store.discussions.put(d2)
    closed = {s.id: s for s in await store.discussions.summaries("b1")}["d-2"]
    assert closed == DiscussionSummary.of(d2)
    assert (closed.closed, closed.sent_to, closed.acknowledgements, closed.discuss_by) == (True, "police", 2,
                                                                                          date(2026, 3, 1))
    assert [s.id for s in await store.discussions.summaries("b2")] == ["d-3"]


async def test_team_summaries_include_teams_that_left(store):
    await store.teams.upsert(team(1, "police"))
    await store.teams.upsert(team(2, None, active=False))
    assert sorted(await store.teams.summaries()) == [
        TeamSummary("19:team1@thread.tacv2", "Team 1", "police", True),
        TeamSummary("19:team2@thread.tacv2", "Team 2", None, False)]
    moved = team(1, "nhs")
    await store.teams.upsert(moved)
    assert (await store.teams.summaries())[0].organisation_id == "nhs"


async def test_discussions_create_adds_only_missing(store):
    first = Discussion(id="d-1", briefing_id="b1", team_id="t1")
    assert [d.id for d in await store.discussions.create([first, first])] == ["d-1"]
    first.meeting_date = "1 March 2026"
    await store.discussions.put(first)
    again = await store.discussions.create([Discussion(id="d-1", briefing_id="b1", team_id="t1"),
                                            Discussion(id="d-2", briefing_id="b1", team_id="t2")])
    assert [d.id for d in again] == ["d-2"]
    assert (await store.discussions.get("d-1")).meeting_date == "1 March 2026"
    assert {d.id for d in await store.discussions.list_for_briefing("b1")} == {"d-1", "d-2"}


async def test_responses_are_idempotent_and_scoped(store):
    added = await store.responses.add([response("d1", "a1:q1"), response("d1", "a1:q2")])
    assert len(added) == 2
    again = await store.responses.add([response("d1", "a1:q1", "resent"), response("d1", "a2:q1")])
    assert [r.idempotency_key for r in again] == ["a2:q1"]
    await store.responses.add([response("d2", "a1:q1")])
    assert await store.responses.count("d1") == 3
    assert await store.responses.count("d2") == 1
    assert await store.responses.count("d3") == 0
    texts = [r.text for r in await store.responses.list("d1")]
    assert texts.count("an answer") == 3 and "resent" not in texts


async def test_minutes_put_get(store):
    assert await store.minutes.get("d1") is None
    await store.minutes.put(Minutes(discussion_id="d1", organisation_id="o", body={"k": 1}, markdown="# M"))
    m = await store.minutes.get("d1")
    assert (m.organisation_id, m.body, m.markdown) == ("o", {"k": 1}, "# M")


async def test_outbox_enqueue_is_idempotent_and_due_respects_time(store):
    now = utcnow()
    added = await store.outbox.enqueue(
        [delivery("x1", next_attempt_at=now), delivery("x2", next_attempt_at=now + timedelta(minutes=5))]
    )
    assert [d.id for d in added] == ["x1", "x2"]
    assert await store.outbox.enqueue([delivery("x1")]) == []
    assert [d.id for d in await store.outbox.due(now)] == ["x1"]
    assert {d.id for d in await store.outbox.due(now + timedelta(minutes=6))} == {"x1", "x2"}
    assert await store.outbox.next_due_at() <= now


async def test_outbox_update_finalises(store):
    await store.outbox.enqueue([delivery("x1"), delivery("m1", group="d9")])
    d = await store.outbox.get("x1")
    d.status, d.attempts, d.result = DeliveryStatus.sent, 1, {"activity_id": "a"}
    await store.outbox.update(d)
    got = await store.outbox.get("x1")
    assert (got.status, got.result) == (DeliveryStatus.sent, {"activity_id": "a"})
    assert [x.id for x in await store.outbox.due(utcnow())] == ["m1"]
    assert [x.id for x in await store.outbox.list_group("b1")] == ["x1"]
    assert await store.outbox.list_group("nothing") == []
    assert [x.id for x in await store.outbox.list_status("sent")] == ["x1"]
    assert [x.id for x in await store.outbox.list_status("pending")] == ["m1"]
    with pytest.raises(KeyError):
        await store.outbox.update(delivery("unknown"))


async def test_outbox_claim_counts_the_attempt_and_leases_the_row(store):
    now = utcnow()
    await store.outbox.enqueue([delivery("c1", next_attempt_at=now - timedelta(seconds=2)),
                                delivery("c2", next_attempt_at=now - timedelta(seconds=1)),
                                delivery("c3", next_attempt_at=now + timedelta(minutes=5))])
    [first] = await store.outbox.claim(now, 1, timedelta(minutes=2))
    assert (first.id, first.attempts, first.leased_until) == ("c1", 1, now + timedelta(minutes=2))
    stored = await store.outbox.get("c1")
    assert (stored.attempts, stored.leased_until) == (1, now + timedelta(minutes=2))  # written before it is sent
    assert [d.id for d in await store.outbox.claim(now, 10, timedelta(minutes=2))] == ["c2"]
    assert await store.outbox.claim(now, 10, timedelta(minutes=2)) == []  # leased, or not due yet
    assert await store.outbox.next_due_at() == now + timedelta(minutes=2)
    again = await store.outbox.claim(now + timedelta(minutes=3), 10, timedelta(minutes=2))
    assert [(d.id, d.attempts) for d in again] == [("c1", 2), ("c2", 2)]  # a lease that ran out
    settled = again[0]
    settled.status, settled.leased_until = DeliveryStatus.sent, None
    await store.outbox.update(settled)
    later = await store.outbox.claim(now + timedelta(minutes=6), 10, timedelta(minutes=2))
    assert {(d.id, d.attempts) for d in later} == {("c2", 3), ("c3", 1)}  # c1 was sent


async def test_wait_for_work_wakes_on_enqueue(store):
    import asyncio

    waiter = asyncio.create_task(store.outbox.wait_for_work(5))
    await asyncio.sleep(0.01)
    await store.outbox.enqueue([delivery("w1")])
    await asyncio.wait_for(waiter, 1)


async def test_responses_replace_and_count_active(store):
    [r1, r2] = await store.responses.add([response("d1", "k1", "first"), response("d1", "k2", "second")])
    r1.text, r1.edited_at = "first, edited", utcnow()
    await store.responses.replace(r1)
    r2.withdrawn_at = utcnow()
    await store.responses.replace(r2)
    rows = {r.idempotency_key: r for r in await store.responses.list("d1")}
    assert rows["k1"].text == "first, edited" and rows["k1"].edited_at is not None
    assert not rows["k2"].active
    assert await store.responses.count("d1") == 1
    assert await store.responses.count_by_question("d1") == {"q1": 1}
    assert await store.responses.count_by_question("nothing") == {}
    await store.responses.add([response("d2", "k1")])
    assert await store.responses.counts(["d1", "d2", "nothing"]) == {"d1": 1, "d2": 1, "nothing": 0}
    assert await store.responses.counts_by_question(["d1", "nothing"]) == {"d1": {"q1": 1}, "nothing": {}}
    with pytest.raises(KeyError):
        await store.responses.replace(response("d1", "never-added"))


async def test_purge_before_a_cutoff(store):
    from datetime import timedelta

    old_time = utcnow() - timedelta(days=800)
    old = response("d1", "old")
    old.created_at = old_time
    await store.responses.add([old, response("d1", "new"), response("d2", "new2")])
    await store.minutes.put(Minutes(discussion_id="d1", organisation_id="o", body={}, markdown="m", compiled_at=old_time))
    await store.minutes.put(Minutes(discussion_id="d2", organisation_id="o", body={}, markdown="m"))
    cutoff = utcnow() - timedelta(days=730)
    assert await store.responses.purge_before(cutoff, dry_run=True) == 1
    assert await store.minutes.purge_before(cutoff, dry_run=True) == 1
    assert await store.responses.count("d1") == 2
    assert await store.responses.purge_before(cutoff) == 1
    assert await store.minutes.purge_before(cutoff) == 1
    assert [r.idempotency_key for r in await store.responses.list("d1")] == ["new"]
    assert await store.minutes.get("d1") is None and await store.minutes.get("d2") is not None
    assert await store.responses.purge_before(cutoff) == 0


async def test_meta_values_and_audit_log(store):
    assert await store.meta.get("digest:sam") is None
    await store.meta.put("digest:sam", {"fingerprint": "abc"})
    await store.meta.put("digest:sam", {"fingerprint": "def"})
    assert await store.meta.get("digest:sam") == {"fingerprint": "def"}
    await store.meta.audit({"event": "purge", "responses": 3})
    await store.meta.audit({"event": "purge", "responses": 0})
    assert [e["responses"] for e in await store.meta.audit_log()] == [3, 0]


async def test_outbox_prune_deletes_only_final_deliveries_of_the_kinds_asked_for(store):
    from datetime import timedelta

    old = utcnow() - timedelta(days=3)
    def update(did: str, **kw) -> Delivery:
        return Delivery(id=did, group="g", kind=DeliveryKind.card_update, **kw)

    rows = [update("sent-update", created_at=old), update("waiting-update", created_at=old), update("new-update"),
            delivery("sent-post", group="g", created_at=old)]
    await store.outbox.enqueue(rows)
    for d in (rows[0], rows[2], rows[3]):
        await store.outbox.update(d.model_copy(update={"status": DeliveryStatus.sent}))
    cutoff = utcnow() - timedelta(days=1)
    assert await store.outbox.prune({"card_update"}, cutoff, keep_groups={"g"}) == 0  # that group's stay
    assert await store.outbox.prune({"card_update"}, cutoff, dry_run=True) == 1
    assert await store.outbox.get("sent-update") is not None
    assert await store.outbox.prune({"card_update"}, cutoff) == 1
    assert await store.outbox.get("sent-update") is None
    assert {d.id for d in await store.outbox.list_group("g")} == {"waiting-update", "new-update", "sent-post"}
    assert await store.outbox.prune({"card_update"}, cutoff) == 0


def action(discussion_id: str, n: int, org: str = "police", briefing_id: str = "b1", **kw) -> Action:
    return Action(id=Action.make_id(discussion_id, n), discussion_id=discussion_id, briefing_id=briefing_id,
                  team_id="t1", organisation_id=org, what=f"Action {n}", owner="Team manager",
                  **{"due": date(2026, 3, 2), **kw})


async def test_actions_are_added_once_changed_and_listed(store):
    await store.discussions.put(Discussion(id="d-1", briefing_id="b1", team_id="t1"))
    await store.discussions.put(Discussion(id="d-2", briefing_id="b2", team_id="t2"))
    first, second = action("d-1", 1), action("d-1", 2, embedded="An audit in June")
    assert [a.id for a in await store.actions.add([first, second, first])] == [first.id, second.id]
    assert await store.actions.add([first]) == []  # a resent close stores nothing twice
    await store.actions.add([action("d-2", 1, org="nhs", briefing_id="b2")])
    assert [a.what for a in await store.actions.list_for_discussion("d-1")] == ["Action 1", "Action 2"]
    assert await store.actions.list_for_discussion("d-missing") == []
    assert {a.discussion_id for a in await store.actions.list(organisation_ids={"nhs"})} == {"d-2"}
    assert len(await store.actions.list(briefing_id="b1")) == 2 and len(await store.actions.list()) == 3
    second.status, second.update, second.updated_at = ActionStatus.done, "Checklist in use", utcnow()
    await store.actions.put(second)
    got = await store.actions.get(second.id)
    assert (got.status, got.update, got.embedded) == (ActionStatus.done, "Checklist in use", "An audit in June")
    assert await store.actions.get("action-missing") is None
    with pytest.raises(KeyError):
        await store.actions.put(action("d-9", 1))


async def test_the_actions_to_follow_up_are_those_due_unanswered_and_not_reminded_in_order(store):
    await store.discussions.put(Discussion(id="d-1", briefing_id="b1", team_id="t1"))
    await store.discussions.put(Discussion(id="d-2", briefing_id="b2", team_id="t2"))
    day = date(2026, 3, 2)
    await store.actions.set_for_discussion("d-1", [action("d-1", n) for n in range(1, 6)])
    await store.actions.add([action("d-2", 1, briefing_id="b2", status=ActionStatus.done),
                             action("d-2", 2, briefing_id="b2", due=day + timedelta(days=1))])
    assert [a.what for a in await store.actions.to_follow_up(day)] == [f"Action {n}" for n in range(1, 6)]
    assert len(await store.actions.to_follow_up(day + timedelta(days=1))) == 6  # d-2's second is due then
    assert await store.actions.to_follow_up(day - timedelta(days=1)) == []
    await store.actions.put(action("d-1", 2, status=ActionStatus.partly))  # answered
    await store.actions.put(action("d-1", 4, follow_up_sent_at=utcnow()))  # asked, not answered: still
    await store.actions.put(action("d-1", 5, follow_up_sent_at=utcnow(), reminded_at=utcnow()))  # overdue
    await store.actions.set_for_discussion("d-1", [action("d-1", n) for n in (1, 3)] + [
        await store.actions.get(action("d-1", n).id) for n in (2, 4, 5)])
    assert [a.what for a in await store.actions.to_follow_up(day)] == ["Action 1", "Action 3", "Action 4"]


async def test_actions_are_purged_with_what_they_concern(store):
    await store.discussions.put(Discussion(id="d-1", briefing_id="b1", team_id="t1"))
    long_ago = utcnow() - timedelta(days=800)
    old = action("d-1", 1, agreed_at=long_ago, due=long_ago.date() + timedelta(days=42))
    await store.actions.add([old, action("d-1", 2)])
    # Agreed as long ago, but due within the period: still to be followed up, so kept.
    await store.actions.add([action("d-1", 3, agreed_at=long_ago, due=utcnow().date() - timedelta(days=700))])
    cutoff = utcnow() - timedelta(days=730)
    assert await store.actions.purge_before(cutoff, dry_run=True) == 1
    assert len(await store.actions.list()) == 3
    assert await store.actions.purge_before(cutoff) == 1
    assert [a.what for a in await store.actions.list_for_discussion("d-1")] == ["Action 2", "Action 3"]
    assert [a.what for a in await store.actions.to_follow_up(date(2030, 1, 1))] == ["Action 2", "Action 3"]
    assert await store.actions.get(old.id) is None


async def test_a_close_sets_exactly_its_actions(store):
    """A close that failed part way, tried again with other actions: only the second's are kept."""
    await store.discussions.put(Discussion(id="d-1", briefing_id="b1", team_id="t1"))
    await store.discussions.put(Discussion(id="d-2", briefing_id="b1", team_id="t2"))
    await store.actions.set_for_discussion("d-1", [action("d-1", 1), action("d-1", 2)])
    await store.actions.add([action("d-2", 1)])
    changed = action("d-1", 1)
    changed.what = "Run a case audit"
    await store.actions.set_for_discussion("d-1", [changed])
    assert [a.what for a in await store.actions.list_for_discussion("d-1")] == ["Run a case audit"]
    assert await store.actions.get(action("d-1", 2).id) is None
    assert [a.discussion_id for a in await store.actions.list_for_discussion("d-2")] == ["d-2"]


async def test_a_nul_character_from_a_client_is_never_an_error(store):
    assert await store.briefings.get("a\x00b") is None
    assert await store.discussions.get("d-\x00") is None
    added = await store.responses.add([response("d-1", "k\x001", text="x\x00y")])
    assert len(added) == 1
    [stored] = await store.responses.list("d-1")
    assert stored.text.replace("\x00", "") == "xy"
    await store.meta.audit({"event": "odd\x00"})
    assert len(await store.meta.audit_log()) == 1
