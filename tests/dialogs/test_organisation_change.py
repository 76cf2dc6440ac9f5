"""A team that moves to another organisation: sent minutes stay with the organisation they went to.

Two organisations share one tenant. The team sends minutes to NHS Trust, then moves to Fire & Rescue
(after confirming); everything about the sent minutes stays with NHS Trust, the open discussion follows
the team."""

from __future__ import annotations

from datetime import timedelta

import pytest

from content.directory import parse_directory
from storage.models import Acknowledgement, ConversationRef, DeliveryKind, DeliveryStatus, Discussion, utcnow
from tests.fakes import teams as t
from tests.fakes.chat import Chat
from tests.dialogs.transcript import asked_on

URL = "http://connector.invalid"
TENANT = "11111111-1111-1111-1111-111111111111"
TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Hastings Team", TENANT)
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BEN = t.User("Ben Nurse", "aaaaaaaa-0000-0000-0000-000000000002")
PRIYA = t.User("Priya Lead", "00000000-0000-0000-0000-0000000000a1")  # NHS Trust's lead
MORGAN = t.User("Morgan Lead", "00000000-0000-0000-0000-0000000000b1")  # Fire & Rescue's lead
BRIEFING = "2019-01-case-file-audit"
SECOND = "2019-01-case-file-audit-copy"
LEARNT = "Invite the police formally, so the strategy discussion is quorate."
DIRECTORY = f"""
board:
  name: Board
  staff: [{{name: Alex Example, aad_object_id: 00000000-0000-0000-0000-000000000020}}]
organisations:
  - id: nhs-trust
    name: NHS Trust
    tenant_ids: [{TENANT}]
    safeguarding_leads: [{{name: Priya Lead, email: priya@nhs.example.org, aad_object_id: {PRIYA.aad}}}]
  - id: fire-rescue
    name: Fire & Rescue
    tenant_ids: [{TENANT}]
    safeguarding_leads: [{{name: Morgan Lead, email: morgan@fire.example.org, aad_object_id: {MORGAN.aad}}}]
"""


def new_chat(store=None) -> Chat:
    return Chat(parse_directory(DIRECTORY), store)


@pytest.fixture
async def chat():
    c = new_chat()
    await briefings(c)
    return c


async def briefings(chat: Chat) -> None:
    from content.briefing import bundled_briefings
    from dialogs.publishing import upload_briefing

    source = bundled_briefings()[0][1]
    await upload_briefing(source, chat.deps)
    await upload_briefing(source.replace(f"id: {BRIEFING}", f"id: {SECOND}"), chat.deps)


async def posted(chat: Chat, briefing_id: str) -> str:
    """Publish to the team and pretend the worker posted the card; returns the discussion id."""
    from dialogs.publishing import publish

    await publish(briefing_id, f"team:{TEAM.id}", chat.deps)
    discussion_id = Discussion.make_id(briefing_id, TEAM.id)
    d = await chat.store.discussions.get(discussion_id)
    d.thread = ConversationRef(service_url=URL, conversation_id=f"{TEAM.id};messageid={briefing_id}")
    d.card_activity_id = briefing_id
    await chat.store.discussions.put(d)
    return discussion_id


def click(value: dict, user: t.User = ANA) -> dict:
    activity = t.submit(URL, TEAM, user, value)
    activity["replyToId"] = "card-1"  # the card clicked, so the bot can settle it in place
    return activity


async def sent_and_open(chat: Chat) -> tuple[str, str]:
    """Linked to NHS Trust: one discussion's minutes sent there, another discussion still open."""
    await chat.send(t.installed(URL, TEAM, ANA))  # two organisations share the tenant: it asks
    await chat.send(click({"verb": "link_organisation", "organisation": "nhs-trust"}))
    sent = await posted(chat, BRIEFING)
    await chat.send(click({"verb": "record", "discussion": sent, "answer:learnt": LEARNT}))
    await chat.send(click({"verb": "close_confirm", "discussion": sent}))
    still_open = await posted(chat, SECOND)
    await chat.send(click({"verb": "record", "discussion": still_open, "answer:learnt": "Still talking it over"}))
    return sent, still_open


async def move_to_fire(chat: Chat) -> None:
    question = await chat.say(click({"verb": "link_organisation", "organisation": "fire-rescue"}))
    await chat.send(click(question.view.data("Confirm")))
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "fire-rescue"


async def test_a_team_without_discussions_moves_without_a_question(chat):
    await chat.send(t.installed(URL, TEAM, ANA))
    await chat.send(click({"verb": "link_organisation", "organisation": "nhs-trust"}))
    moved = await chat.say(click({"verb": "link_organisation", "organisation": "fire-rescue"}))
    assert moved.text == "This team is now linked to **Fire & Rescue**. Minutes will go to Morgan Lead (Fire & Rescue)."
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "fire-rescue"


async def test_moving_a_team_with_discussions_asks_first_and_cancel_changes_nothing(chat):
    await sent_and_open(chat)
    question = await chat.say(click({"verb": "link_organisation", "organisation": "fire-rescue"}))
    assert question.card_texts == [
        "Move this team from NHS Trust to Fire & Rescue?",
        "Minutes already sent to NHS Trust (1 discussion) stay with NHS Trust: its safeguarding lead keeps them, "
        "and corrections to them go there too.",
        "The 1 open discussion will send its minutes to Morgan Lead (Fire & Rescue), as will every discussion "
        "from now on.",
    ]
    assert question.view.own_buttons == ["Confirm", "Cancel"]
    assert question.view.data("Confirm") == {"verb": "organisation_confirm", "organisation": "fire-rescue",
                                             "current": "nhs-trust"}
    assert question.view.data("Cancel") == {"verb": "organisation_cancel"}
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "nhs-trust"  # asking changes nothing

    assert await chat.send(click({"verb": "organisation_cancel"})) == []
    assert chat.last_settled().card_texts == ["Nothing changed: this team is still part of **NHS Trust**."]
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "nhs-trust"
    assert [e for e in await chat.store.meta.audit_log() if e.get("event") == "organisation_changed"] == []


async def test_confirming_moves_the_team_and_is_audited(chat):
    await sent_and_open(chat)
    question = await chat.say(click({"verb": "link_organisation", "organisation": "fire-rescue"}))
    replies = await chat.send(click(question.view.data("Confirm"), BEN))
    assert [r.text for r in replies] == [
        "This team is now linked to **Fire & Rescue**. Minutes will go to Morgan Lead (Fire & Rescue)."]
    assert chat.last_settled().card_texts == ["This team is part of **Fire & Rescue**."]
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "fire-rescue"
    [entry] = [e for e in await chat.store.meta.audit_log() if e.get("event") == "organisation_changed"]
    assert (entry["team"], entry["from"], entry["to"], entry["by"]) == (TEAM.id, "nhs-trust", "fire-rescue", BEN.aad)
    again = await chat.send(click(question.view.data("Confirm")))  # a second click: nothing more happens
    assert again == [] and chat.last_settled().card_texts == ["This team is part of **Fire & Rescue**."]


async def test_a_confirmation_is_checked_again_on_the_server(chat):
    await sent_and_open(chat)
    # An answer to a question asked while the team was elsewhere (someone moved it since): it moves
    # nothing, and the question is asked afresh.
    stale = {"verb": "organisation_confirm", "organisation": "fire-rescue", "current": "somewhere-else"}
    replies = await chat.send(click(stale))
    assert replies[0].text.startswith("Someone changed this team's organisation since that question was asked")
    assert replies[1].view.heading == "Move this team from NHS Trust to Fire & Rescue?"
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "nhs-trust"
    forged = await chat.say(click({"verb": "organisation_confirm", "organisation": "../fire-rescue",
                                   "current": "nhs-trust"}))
    assert forged.text.startswith("I don't know that organisation")
    personal = await chat.say(t.personal(URL, ANA, TENANT, value={"verb": "organisation_confirm",
                                                                  "organisation": "fire-rescue",
                                                                  "current": "nhs-trust"}))
    assert personal.text.startswith("That only works in a team channel")
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "nhs-trust"


@pytest.fixture
async def moved(chat) -> tuple[Chat, str, str]:
    """Minutes sent to NHS Trust, another discussion open, then the team moved to Fire & Rescue."""
    sent, still_open = await sent_and_open(chat)
    await move_to_fire(chat)
    return chat, sent, still_open


async def digests_of(deps):
    """NHS Trust's digest and Fire & Rescue's, built together (as the weekly digests are)."""
    from dialogs.digest import build_digests

    both = await build_digests(deps, {"nhs-trust", "fire-rescue"})
    return both["nhs-trust"], both["fire-rescue"]


async def test_after_a_move_each_leads_digest_keeps_its_own_minutes(moved):
    from dialogs.digest import build_digests

    chat, sent, _ = moved
    nhs, fire = await digests_of(chat.deps)
    assert [(b.briefing_id, [m.team for m in b.minutes], len(b.outstanding)) for b in nhs.briefings] == [
        (BRIEFING, [TEAM.name], 0)]
    assert [(b.briefing_id, [m.team for m in b.minutes], [o.team for o in b.outstanding]) for b in fire.briefings] == [
        (SECOND, [], [TEAM.name])]  # the open discussion follows the team
    chat.deps.link = lambda path: f"https://bot.example.org{path}?sig=x"
    [minutes] = (await build_digests(chat.deps, {"nhs-trust"}))["nhs-trust"].briefings[0].minutes
    assert minutes.url == f"https://bot.example.org/documents/minutes/nhs-trust/{sent}.docx?sig=x"
    lead_card = await chat.say(t.personal(URL, MORGAN, TENANT, "digest"))
    assert sent not in str(lead_card.card)


async def test_after_a_move_a_correction_goes_to_the_organisation_the_minutes_went_to(moved):
    from dialogs.forwarding import forward_notice

    chat, sent, _ = moved
    reply = await chat.say(click({"verb": "correction", "discussion": sent,
                                  "correction": "The visit was in March, not May."}))
    assert reply.text == "Correction recorded. Sending it to Priya Lead (NHS Trust) as an addendum to the minutes."
    rows = [d for d in await chat.store.outbox.list_group(sent)
            if d.kind in (DeliveryKind.addendum_teams, DeliveryKind.addendum_email)]
    assert sorted((d.kind, d.recipient) for d in rows) == [
        (DeliveryKind.addendum_email, "priya@nhs.example.org"), (DeliveryKind.addendum_teams, PRIYA.aad)]
    for row in rows:  # as the worker settles them
        row.status, row.sent_at = DeliveryStatus.sent, chat.deps.clock()
    notice = forward_notice(await chat.store.discussions.get(sent), rows, rows[-1])
    assert notice.payload["text"].startswith("Correction sent to Priya Lead (Teams chat and email) at ")


async def test_after_a_move_only_the_first_organisations_lead_can_say_received(moved):
    chat, sent, _ = moved
    refused = await chat.say(t.personal(URL, MORGAN, TENANT, value={"verb": "acknowledge", "discussion": sent}))
    assert refused.text.startswith("Only a safeguarding lead")
    assert (await chat.store.minutes.get(sent)).acknowledgements == []
    await chat.send(t.personal(URL, PRIYA, TENANT, value={"verb": "acknowledge", "discussion": sent}))
    assert [a.name for a in (await chat.store.minutes.get(sent)).acknowledgements] == ["Priya Lead"]


async def test_after_a_move_outstanding_follows_the_team_for_open_discussions_only(moved):
    from dialogs.outstanding import outstanding

    chat, _, _ = moved
    assert [(r.briefing_id, r.organisation_id) for r in await outstanding(chat.deps, organisation_ids={"fire-rescue"})] \
        == [(SECOND, "fire-rescue")]
    assert await outstanding(chat.deps, organisation_ids={"nhs-trust"}) == []


async def test_after_a_move_the_report_and_export_attribute_sent_minutes_to_where_they_went(moved):
    from dialogs.reports import build_report

    chat, _, _ = moved
    report = await build_report(chat.deps, BRIEFING)
    assert [(o.organisation_id, o.teams_delivered, o.teams_discussed, o.minutes_sent) for o in report.organisations] \
        == [("nhs-trust", 1, 1, 1)]
    assert {r.organisation_name for r in report.all_responses()} == {"NHS Trust"}  # the export's rows
    second = await build_report(chat.deps, SECOND)
    assert [(o.organisation_id, o.minutes_sent) for o in second.organisations] == [("fire-rescue", 0)]


async def test_minutes_sent_after_the_move_go_to_the_new_organisation(chat):
    _, still_open = await sent_and_open(chat)
    await move_to_fire(chat)
    done = await chat.say(click({"verb": "close_confirm", "discussion": still_open}))
    assert done.text == ("Discussion closed by Ana Practitioner. Sending the minutes to Morgan Lead (Fire & Rescue)."
                         + asked_on(chat))
    assert (await chat.store.minutes.get(still_open)).organisation_id == "fire-rescue"
    rows = await chat.store.outbox.list_group(still_open)
    assert sorted(d.recipient for d in rows if d.kind in (DeliveryKind.minutes_teams, DeliveryKind.minutes_email)) \
        == [MORGAN.aad, "morgan@fire.example.org"]


@pytest.fixture(params=["memory", "tinydb"])
async def any_store(request, tmp_path):
    if request.param == "memory":
        from storage.memory import MemoryStore

        yield MemoryStore()
        return
    from storage.tinydb_store import TinyDBStore

    store = TinyDBStore(tmp_path / "data")
    await store.open()
    yield store
    await store.close()


async def test_data_of_the_earlier_release_stays_with_the_organisation_it_was_sent_to(any_store):
    """The earlier release recorded the team's organisation on the minutes when it sent them (the field was
    always required), moved teams without asking, and wrote outbox rows without the organisation. Such data
    keeps its minutes with the organisation they went to, and once retention has deleted the minutes, the
    recipients of the delivery records still say which organisation that was."""
    from dialogs.publishing import delivery_id, publish
    from dialogs.reports import build_report
    from dialogs.retention import purge

    chat = new_chat(any_store)
    await briefings(chat)
    sent, _ = await sent_and_open(chat)
    for row in await chat.store.outbox.list_group(sent):  # rows as the earlier release wrote them
        row.payload.pop("organisation_id", None)
        row.status = DeliveryStatus.sent  # and sent, long ago
        await chat.store.outbox.update(row)
    closed = await chat.store.discussions.get(sent)
    closed.sent_to = None  # nor did it record on the discussion where its minutes went
    await chat.store.discussions.put(closed)
    team = await chat.store.teams.get(TEAM.id)
    team.organisation_id = "fire-rescue"  # moved by the earlier release: no question, nothing else changed
    await chat.store.teams.upsert(team)

    async def where() -> tuple[list[str], list[str], list[str]]:
        nhs, fire = await digests_of(chat.deps)
        report = await build_report(chat.deps, BRIEFING)
        return ([b.briefing_id for b in nhs.briefings if b.minutes],
                [b.briefing_id for b in fire.briefings if b.minutes], [o.organisation_id for o in report.organisations])

    assert await where() == ([BRIEFING], [], ["nhs-trust"])
    later = utcnow() + timedelta(days=3 * 365)
    chat.deps.clock = lambda: later
    purged = await purge(chat.deps, 730)
    assert purged["minutes"] == 1  # retention: the minutes themselves are gone
    assert await chat.store.minutes.get(sent) is None
    # and so are the records of sending them (leads' names and addresses), once the discussion says where
    assert purged["deliveries"] >= 2 and not {d.kind for d in await chat.store.outbox.list_group(sent)} & {
        DeliveryKind.minutes_teams, DeliveryKind.minutes_email, DeliveryKind.thread_notice}
    assert (await chat.store.discussions.get(sent)).sent_to == "nhs-trust"
    assert await where() == ([BRIEFING], [], ["nhs-trust"])
    # The briefing's post stays: the team has it, and publishing again does not post it twice.
    assert await chat.store.outbox.get(delivery_id(BRIEFING, TEAM.id)) is not None
    assert (await publish(BRIEFING, "all", chat.deps)).queued == 0


async def test_where_delivery_records_cannot_tell_nobody_gets_the_minutes(chat):
    """Minutes no longer kept, whose rows name leads of both organisations or of none: no organisation's
    lead sees them, rather than the team's current organisation."""
    from dialogs.forwarding import organisation_from_deliveries
    from storage.models import Delivery

    def row(recipient: str) -> Delivery:
        return Delivery(id=f"x-{recipient}", group="d-1", kind=DeliveryKind.minutes_email, recipient=recipient)

    await chat.store.outbox.enqueue([row("priya@nhs.example.org"), row("MORGAN@fire.example.org")])
    assert await organisation_from_deliveries(chat.deps, "d-1") is None
    await chat.store.outbox.enqueue([Delivery(id="y", group="d-2", kind=DeliveryKind.minutes_email,
                                              recipient="someone@else.example.org")])
    assert await organisation_from_deliveries(chat.deps, "d-2") is None
    await chat.store.outbox.enqueue([Delivery(id="z", group="d-3", kind=DeliveryKind.minutes_teams,
                                              recipient=MORGAN.aad.upper())])
    assert await organisation_from_deliveries(chat.deps, "d-3") == "fire-rescue"


async def test_minutes_waiting_for_a_bundle_stay_with_the_organisation_they_were_sent_to(chat):
    from dialogs.bundles import bundle_contents, due_bundles, next_bundle_at

    await chat.send(t.personal(URL, PRIYA, TENANT, text="minutes daily"))
    sent, _ = await sent_and_open(chat)
    assert {d.kind for d in await chat.store.outbox.list_group(sent)} == {DeliveryKind.card_update, DeliveryKind.thread_notice}
    await move_to_fire(chat)  # before the bundle goes
    queued = await due_bundles(chat.deps, next_bundle_at(utcnow()) + timedelta(seconds=1))
    [teams] = [d for d in queued if d.kind is DeliveryKind.bundle_teams]
    assert teams.recipient == PRIYA.aad and teams.payload["organisation_id"] == "nhs-trust"
    items, _ = await bundle_contents(teams, chat.deps)
    assert [(i.discussion_id, i.m.organisation_name) for i in items] == [(sent, "NHS Trust")]
    # Morgan (Fire & Rescue's lead) can't mark it received: the bundle isn't theirs.
    refused = await chat.say(t.personal(URL, MORGAN, TENANT, value={"verb": "acknowledge_bundle", "bundle": teams.id}))
    assert refused.text.startswith("Only a safeguarding lead of the team's organisation")
    assert (await chat.store.minutes.get(sent)).acknowledgements == []


async def test_minutes_waiting_for_a_lead_who_has_left_go_to_the_organisations_leads_now(chat):
    from dialogs.bundles import bundle_contents, due_bundles, failed_notices, next_bundle_at

    await chat.send(t.personal(URL, PRIYA, TENANT, text="minutes daily"))
    sent, _ = await sent_and_open(chat)
    replaced = parse_directory(DIRECTORY.replace(
        f"{{name: Priya Lead, email: priya@nhs.example.org, aad_object_id: {PRIYA.aad}}}",
        "{name: Pat Newlead, email: pat@nhs.example.org}"))
    # Left before the bundle time: the minutes go to the organisation's lead now, one by one.
    chat.deps.directory = replaced
    queued = await due_bundles(chat.deps, next_bundle_at(utcnow()) + timedelta(seconds=1))
    assert [(d.kind, d.recipient, d.discussion_id) for d in queued] == [(DeliveryKind.minutes_email,
                                                                          "pat@nhs.example.org", sent)]


async def test_a_bundle_that_cannot_reach_its_lead_tells_each_team(chat):
    from dialogs.bundles import bundle_contents, due_bundles, failed_notices, next_bundle_at

    await chat.send(t.personal(URL, PRIYA, TENANT, text="minutes daily"))
    sent, _ = await sent_and_open(chat)
    queued = await due_bundles(chat.deps, next_bundle_at(utcnow()) + timedelta(seconds=1))
    [teams] = [d for d in queued if d.kind is DeliveryKind.bundle_teams]
    # Left after it was queued: nothing in it to send to them, and it fails for good...
    chat.deps.directory = parse_directory(DIRECTORY.replace(
        f"{{name: Priya Lead, email: priya@nhs.example.org, aad_object_id: {PRIYA.aad}}}",
        "{name: Pat Newlead, email: pat@nhs.example.org}"))
    assert await bundle_contents(teams, chat.deps) == ([], None)
    # ...and each team's thread is told, as for minutes that could not be sent.
    [notice] = failed_notices(teams.model_copy(update={"status": DeliveryStatus.failed}))
    assert (notice.kind, notice.discussion_id) == (DeliveryKind.thread_notice, sent)
    assert notice.payload["text"].startswith("Could not send the minutes to Priya Lead (daily bundle, Teams chat)")


async def test_the_purge_learns_from_minutes_about_to_go_and_keeps_rows_that_alone_could_tell(any_store):
    """Minutes closed by a release that kept neither where they went nor who received them on the
    discussion, their rows naming nobody the directory knows (the lead has left): the purge reads
    the minutes before deleting them. Rows that are then all there is stay."""
    from dialogs.reports import build_report
    from dialogs.retention import purge

    chat = new_chat(any_store)
    await briefings(chat)
    sent, _ = await sent_and_open(chat)
    minutes = await chat.store.minutes.get(sent)
    minutes.acknowledgements = [Acknowledgement(aad_object_id=PRIYA.aad, name="Priya Lead", at=utcnow())]
    await chat.store.minutes.put(minutes)
    for row in await chat.store.outbox.list_group(sent):  # to a lead who has left, as an earlier release wrote
        row.payload.pop("organisation_id", None)
        row.recipient, row.status = "former.lead@nhs.example.org", DeliveryStatus.sent
        await chat.store.outbox.update(row)
    closed = await chat.store.discussions.get(sent)
    closed.sent_to, closed.acknowledgements = None, 0
    await chat.store.discussions.put(closed)
    later = utcnow() + timedelta(days=3 * 365)
    chat.deps.clock = lambda: later
    assert (await purge(chat.deps, 730))["minutes"] == 1
    after = await chat.store.discussions.get(sent)
    assert (after.sent_to, after.acknowledgements) == ("nhs-trust", 1)
    [reach] = (await build_report(chat.deps, BRIEFING)).organisations
    assert (reach.organisation_id, reach.minutes_sent, reach.acknowledged) == ("nhs-trust", 1, 1)

    # A discussion nothing can place any more (no minutes, rows naming nobody): its rows stay.
    after.sent_to = None
    await chat.store.discussions.put(after)
    rows = len(await chat.store.outbox.list_group(sent))
    await purge(chat.deps, 730)
    assert len(await chat.store.outbox.list_group(sent)) == rows
