"""Publishing from the form: the audience by organisation or team, with counts; a time to send at,
cancellable until then; a second pair of eyes when the board asks for one; who asked, approved,
rejected, what and to whom, in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from content.directory import Person, load_directory, parse_directory
from dialogs.delivery import PersonalMessage, ThreadReply, prepare
from dialogs.publish_requests import send_scheduled
from storage.models import DeliveryKind, DeliveryStatus, PublishState
from tests.dialogs.transcript import ANA, BRIEFING, OTHER, STAFF, TEAM, TENANT, URL, linked_team, new_chat
from tests.fakes import teams as t

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)  # a Monday, 09:30 in London
BLAKE = t.User("Blake Reviewer", "00000000-0000-0000-0000-000000000030")


def approving(directory):
    """The bundled directory, with a second pair of eyes: Alex (staff) and Blake approve."""
    people = [Person(name=STAFF.name, aad_object_id=STAFF.aad), Person(name=BLAKE.name, aad_object_id=BLAKE.aad)]
    board = directory.board.model_copy(update={"staff": people, "approval_required": True, "approvers": people})
    return directory.model_copy(update={"board": board})


@pytest.fixture
async def chat():
    c = await new_chat()
    c.deps.clock = lambda: NOW
    await linked_team(c, TEAM, "sussex-police")
    await linked_team(c, OTHER, "nhs-sussex")
    return c


def press(data: dict, user=STAFF) -> dict:
    return t.personal(URL, user, TENANT, value=data)


async def form(chat, user=STAFF):
    return (await chat.send(t.personal(URL, user, TENANT, f"publish {BRIEFING}")))[-1]


async def posts(chat) -> list[str]:
    return sorted(d.team_id for d in await chat.store.outbox.list_group(BRIEFING) if d.kind is DeliveryKind.briefing_post)


async def events(chat, name: str) -> list[dict]:
    return [e for e in await chat.store.meta.audit_log() if e.get("event") == name]


# --- the audience ---------------------------------------------------------------------------------

async def test_the_choices_say_how_many_teams_each_reaches_and_how_many_have_it(chat):
    view = (await form(chat)).view
    assert view.input("to")["choices"][0]["title"] == "All registered teams (2 teams)"
    orgs = {c["value"]: c["title"] for c in view.input("orgs")["choices"]}
    assert orgs["sussex-police"] == "Sussex Police (1 team)" and orgs["esfrs"].endswith("(0 teams)")
    assert view.input("orgs")["isMultiSelect"] is True and view.input("orgs")["style"] == "filtered"
    assert {c["value"]: c["title"] for c in view.input("teams")["choices"]} == {
        TEAM.id: "Team A (Sussex Police)", OTHER.id: "Team B (NHS Sussex)"}

    await chat.send(press(view.data("Publish") | {"to": "teams", "teams": TEAM.id}))
    view = (await form(chat)).view
    assert view.input("to")["choices"][0]["title"] == "All registered teams (2 teams, 1 already has it)"
    assert {c["value"]: c["title"] for c in view.input("orgs")["choices"]}["sussex-police"] == \
        "Sussex Police (1 team, 1 already has it)"
    assert {c["value"]: c["title"] for c in view.input("teams")["choices"]}[TEAM.id] == "Team A (Sussex Police) \u00B7 has it"


async def test_to_chosen_organisations_or_chosen_teams_only(chat):
    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "orgs", "orgs": "nhs-sussex,esfrs"}))
    assert await posts(chat) == [OTHER.id]
    assert chat.last_settled().view.facts["Send to"] == "NHS Sussex, East Sussex Fire & Rescue Service: 1 team"
    await chat.send(press(publish | {"to": "teams", "teams": f"{TEAM.id},{OTHER.id}"}))
    assert await posts(chat) == sorted([TEAM.id, OTHER.id])
    assert "1 team already had it" in chat.last_settled().view.text("Publishing")


@pytest.mark.parametrize("value, said", [
    ({"to": "all", "orgs": "nhs-sussex"}, "Not published: you chose organisations or teams, but \u201cSend to\u201d says"),
    ({"to": "orgs", "orgs": ""}, "Not published: choose at least one organisation, or send it to all registered teams."),
    ({"to": "teams"}, "Not published: choose at least one team"),
    ({"to": "orgs", "orgs": "nowhere"}, "Not published: unknown organisation 'nowhere'."),
    ({"to": "all", "send_on": "2026-03-01", "send_time": "09:00"}, "Not published: 1 March 2026, 09:00 has passed."),
    ({"to": "all", "send_on": "2028-03-01"}, "Not published: that is more than a year away."),
    ({"to": "all", "send_on": "soon"}, "Not published: I couldn't read the date and time to send it at."),
    ({"to": "all", "follow_up_weeks": "60"}, "Not published: the weeks before teams are asked whether it changed "
                                             "their practice \\(follow\\_up\\_weeks\\) must be a whole number from 0"),
    ({"to": "all", "follow_up_weeks": "2.5"}, "Not published: the weeks before teams are asked"),
])
async def test_what_cannot_be_sent_is_said_and_nothing_is_sent(chat, value, said):
    publish = (await form(chat)).view.data("Publish")
    [reply] = await chat.send(press(publish | value))
    assert reply.text.startswith(said)
    assert await posts(chat) == [] and await chat.store.meta.get(f"publish-request:{BRIEFING}") is None


async def test_the_impact_question_waits_the_weeks_the_form_says_or_is_not_asked(chat):
    from storage.models import Discussion

    view = (await form(chat)).view
    assert view.input("follow_up_weeks")["value"] == 6  # the briefing's own
    await chat.send(press(view.data("Publish") | {"to": "teams", "teams": TEAM.id, "follow_up_weeks": "0"}))
    assert chat.last_settled().view.facts["Impact question"] == "Not asked"
    assert (await chat.store.discussions.get(Discussion.make_id(BRIEFING, TEAM.id))).follow_up_weeks == 0
    await chat.send(press(view.data("Publish") | {"to": "teams", "teams": OTHER.id, "follow_up_weeks": 3}))
    assert chat.last_settled().view.facts["Impact question"] == "3 weeks after a team sends minutes without actions"
    assert (await chat.store.discussions.get(Discussion.make_id(BRIEFING, OTHER.id))).follow_up_weeks == 3


# --- at a time ------------------------------------------------------------------------------------

async def test_a_scheduled_send_waits_for_its_time_and_can_be_cancelled_until_then(chat):
    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "all", "send_on": "2026-03-03", "send_time": "08:00"}))
    card = chat.last_settled().view
    assert card.text("will be sent") == ("**Regular Case File Audit: Summary for Practitioners & Managers** will be "
                                         "sent on 3 March 2026, 08:00 (UK time). Until then you can cancel it here.")
    assert card.facts["When"] == "3 March 2026, 08:00 (UK time)" and card.own_buttons == ["Cancel it"]
    assert await send_scheduled(chat.deps) == 0 and await posts(chat) == []
    [again] = await chat.send(press(publish | {"to": "all"}))  # one request at a time
    assert "already has a request to publish it (scheduled for 3 March 2026, 08:00)" in again.text

    chat.deps.clock = lambda: datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)  # 08:00 in London in March
    assert await send_scheduled(chat.deps) == 1
    assert await posts(chat) == sorted([TEAM.id, OTHER.id])
    [notice] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.kind is DeliveryKind.staff_notice]
    told = await prepare(notice, chat.deps)
    assert isinstance(told, ThreadReply) and told.thread.conversation_id == f"a:personal-{STAFF.aad}"
    assert told.message.text == ("It's time: **Regular Case File Audit: Summary for Practitioners & Managers** is on its "
                                 "way to 2 teams.")
    assert await send_scheduled(chat.deps) == 0  # once


async def test_cancelled_before_its_time_nothing_is_sent(chat):
    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "all", "send_on": "2026-03-03"}))
    await chat.send(press(chat.last_settled().view.data("Cancel it")))
    assert chat.last_settled().card_texts == ["Cancelled. Nothing was sent."]
    chat.deps.clock = lambda: NOW + timedelta(days=2)
    assert await send_scheduled(chat.deps) == 0 and await posts(chat) == []
    [entry] = await events(chat, "publish_cancelled")
    assert (entry["by"], entry["briefing"]) == (STAFF.aad, BRIEFING)
    await chat.send(press({"verb": "publish_withdraw", "briefing": BRIEFING}))
    assert chat.last_settled().card_texts[0].startswith("There is nothing waiting to be cancelled")


# --- a second pair of eyes ------------------------------------------------------------------------

@pytest.fixture
async def approvals():
    c = await new_chat()
    c.deps.directory = approving(load_directory(None))
    c.deps.clock = lambda: NOW
    await linked_team(c, TEAM, "sussex-police")
    return c


async def requested(chat) -> dict:
    """Alex asks; returns the decision card Blake gets."""
    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "orgs", "orgs": "sussex-police", "discuss_by": "2026-03-31"}))
    rows = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}")
            if d.kind is DeliveryKind.approval_request and d.created_at == chat.deps.clock()]  # this request's
    assert sorted((d.recipient, d.payload["part"]) for d in rows) == [(BLAKE.aad, "decision"), (BLAKE.aad, "preview")]
    sent = {d.payload["part"]: await prepare(d, chat.deps) for d in rows}
    assert all(isinstance(s, PersonalMessage) and s.user_aad == BLAKE.aad for s in sent.values())
    assert sent["preview"].message.card["body"][1]["text"] == "Regular Case File Audit: Summary for Practitioners & Managers"
    return sent["decision"].message.card


async def test_a_request_waits_for_another_approver(approvals):
    chat = approvals
    card = await requested(chat)
    waiting = chat.last_settled().view
    assert waiting.text("Sent to") == "Sent to Blake Reviewer to approve. You'll hear here when it is approved or rejected."
    assert await posts(chat) == []
    from tests.cards import read

    decision = read(card)
    assert decision.heading == "Approve publishing Regular Case File Audit: Summary for Practitioners & Managers?"
    assert decision.facts["Send to"] == "Sussex Police: 1 team" and decision.facts["Discuss by"] == "31 March 2026"
    assert decision.facts["Asked by"] == "Alex Example, 2 March 2026, 09:30"
    assert decision.own_buttons == ["Approve", "Reject"] and decision.input_ids == ["reason"]

    [own] = await chat.send(press(decision.data("Approve"), STAFF))  # Alex is an approver, but asked
    assert own.text == "You asked for this one, so another approver must approve or reject it."
    [nobody] = await chat.send(press(decision.data("Approve"), ANA))
    assert nobody.text.startswith("Sorry, only the East Sussex Local Safeguarding Children Board's approvers")
    assert await posts(chat) == []

    chat.deps.clock = lambda: NOW + timedelta(minutes=5)
    await chat.send(press(decision.data("Approve"), BLAKE))
    assert chat.last_settled().card_texts == ["You approved publishing **Regular Case File Audit: Summary for "
                                              "Practitioners & Managers** on 2 March 2026, 09:35."]
    assert await posts(chat) == [TEAM.id]
    [notice] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.kind is DeliveryKind.staff_notice]
    assert (await prepare(notice, chat.deps)).message.text == (
        "Blake Reviewer approved publishing **Regular Case File Audit: Summary for Practitioners & Managers**. It is on "
        "its way to 1 team.")
    [asked], [approved] = await events(chat, "publish_requested"), await events(chat, "publish_approved")
    assert (asked["by"], asked["audience"], asked["audience_ids"]) == (STAFF.aad, "orgs", ["sussex-police"])
    assert (approved["by"], approved["requested_by"]) == (BLAKE.aad, STAFF.aad)
    await chat.send(press(decision.data("Approve"), BLAKE))  # pressed again
    assert chat.last_settled().card_texts == ["This request has already been approved by Blake Reviewer."]
    assert await posts(chat) == [TEAM.id]


async def test_rejected_with_a_reason_that_goes_back_to_the_requester(approvals):
    from tests.cards import read

    chat = approvals
    decision = read(await requested(chat))
    [why] = await chat.send(press(decision.data("Reject"), BLAKE))
    assert why.text.startswith("Say why you're rejecting it")
    await chat.send(press(decision.data("Reject") | {"reason": "The date on page 1 is wrong."}, BLAKE))
    assert chat.last_settled().card_texts[0].startswith("You rejected publishing")
    assert await posts(chat) == []
    [notice] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.kind is DeliveryKind.staff_notice]
    assert (await prepare(notice, chat.deps)).message.text == (
        "Blake Reviewer rejected publishing **Regular Case File Audit: Summary for Practitioners & Managers**, so "
        "nothing was sent. Their reason: \u201cThe date on page 1 is wrong.\u201d")
    [entry] = await events(chat, "publish_rejected")
    assert (entry["by"], entry["reason"]) == (BLAKE.aad, "The date on page 1 is wrong.")
    # Asked again (fixed): a new request, and the old card's buttons no longer decide anything.
    chat.deps.clock = lambda: NOW + timedelta(hours=1)
    new = read(await requested(chat))
    await chat.send(press(decision.data("Approve"), BLAKE))  # the first request's card: it stays rejected
    assert chat.last_settled().card_texts == ["This request has already been rejected by Blake Reviewer."]
    await chat.send(press(decision.data("Approve") | {"requested_at": "2026-01-01T00:00:00+00:00"}, BLAKE))
    assert chat.last_settled().card_texts[0].startswith("This request has been withdrawn or replaced")
    await chat.send(press(new.data("Approve"), BLAKE))
    assert await posts(chat) == [TEAM.id]


async def test_approved_for_a_time_waits_for_it(approvals):
    from tests.cards import read

    chat = approvals
    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "all", "send_on": "2026-03-04", "send_time": "10:00"}))
    [row] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.payload.get("part") == "decision"]
    decision = read((await prepare(row, chat.deps)).message.card)
    assert decision.facts["When"] == "4 March 2026, 10:00 (UK time)"
    await chat.send(press(decision.data("Approve"), BLAKE))
    assert await posts(chat) == []
    request = await chat.store.meta.get(f"publish-request:{BRIEFING}")
    assert request["state"] == PublishState.scheduled
    chat.deps.clock = lambda: datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    assert await send_scheduled(chat.deps) == 1 and await posts(chat) == [TEAM.id]


async def test_the_only_approver_cannot_approve_their_own(approvals):
    chat = approvals
    alone = [Person(name=STAFF.name, aad_object_id=STAFF.aad)]
    board = chat.deps.directory.board.model_copy(update={"approvers": alone})
    chat.deps.directory = chat.deps.directory.model_copy(update={"board": board})
    publish = (await form(chat)).view.data("Publish")
    [reply] = await chat.send(press(publish | {"to": "all"}))
    assert reply.text.startswith("Publishing needs a second person's approval, and the directory lists no approver but you.")
    assert await chat.store.meta.get(f"publish-request:{BRIEFING}") is None


def test_approval_needs_approvers_in_the_directory():
    from content.yamlfile import ContentError

    with pytest.raises(ContentError) as caught:
        parse_directory("board: {name: B, approval_required: true}\norganisations:\n  - id: a\n    name: A\n"
                        "    safeguarding_leads: [{name: L, email: l@example.org}]\n")
    assert "approval_required needs approvers" in str(caught.value)


async def test_the_team_picker_searches_as_a_name_is_typed(chat):
    query = {"queryText": "team b", "queryOptions": {"skip": 0, "top": 15}, "dataset": "teams"}
    search = t.personal(URL, STAFF, TENANT) | {"type": "invoke", "name": "application/search", "value": query}
    await chat.send(search)
    assert chat.answer == {"type": "application/vnd.microsoft.search.searchResponse",
                           "value": {"results": [{"title": "Team B (NHS Sussex)", "value": OTHER.id}]}}
    await chat.send(t.personal(URL, ANA, TENANT) | {"type": "invoke", "name": "application/search", "value": query})
    assert chat.answer["value"]["results"] == []  # board staff only


async def test_staff_see_where_each_briefing_is(approvals):
    chat = approvals

    async def state() -> str:
        listing = await chat.say(t.personal(URL, STAFF, TENANT, "briefings"))
        return listing.view.facts[BRIEFING]

    assert (await state()).endswith("\u00B7 draft")
    await requested(chat)
    assert (await state()).endswith("\u00B7 waiting for approval since 2 March 2026, 09:30")
    [row] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.payload.get("part") == "decision"]
    from tests.cards import read

    await chat.send(press(read((await prepare(row, chat.deps)).message.card).data("Approve"), BLAKE))
    assert (await state()).endswith("\u00B7 publishing: 0 of 1 team so far")
    [post] = [d for d in await chat.store.outbox.list_group(BRIEFING)]
    post.status, post.sent_at = DeliveryStatus.sent, NOW
    await chat.store.outbox.update(post)
    assert (await state()).endswith("\u00B7 published to 1 team")
    practitioner = await chat.say(t.personal(URL, ANA, TENANT, "briefings"))
    assert practitioner.view.facts[BRIEFING].endswith("(2019-01)")  # no state: that is for the board


async def test_a_correction_reaches_every_thread_and_the_teams_that_sent_minutes(chat):
    from dialogs.delivery import CardUpdate
    from storage.models import ConversationRef, Discussion
    from tests.cards import read
    from tests.dialogs.transcript import record

    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "all"}))
    status = chat.last_settled().view
    note_form = status.shown_card("Send a correction")
    assert note_form.input_ids == ["note"]
    for team in (TEAM, OTHER):  # both posted; Team A then sends its minutes
        d = await chat.store.discussions.get(Discussion.make_id(BRIEFING, team.id))
        d.thread, d.card_activity_id = ConversationRef(service_url=URL, conversation_id=f"{team.id};messageid=7"), "7"
        await chat.store.discussions.put(d)
    closed = Discussion.make_id(BRIEFING, TEAM.id)
    await chat.send(record(closed, learnt="A lesson") | {"conversation": {"id": f"{TEAM.id};messageid=7",
                                                                          "conversationType": "channel"}})
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": closed}))

    correct = note_form.data("Send the correction")
    [empty] = await chat.send(press(correct | {"note": "  "}))
    assert empty.text.startswith("Write the correction")
    [ident] = await chat.send(press(correct | {"note": "Call the family on 07700 900123"}))
    assert ident.text.startswith("The correction looks like it contains a phone number.")
    [done] = await chat.send(press(correct | {"note": "The date of the training in Resources is 12 June, not 12 July."}))
    assert done.text == ("Correction sent: the briefing's card shows it in 2 teams' threads; 1 team that had already "
                         "sent its minutes also gets it as a reply.")
    for team in (TEAM, OTHER):
        group = await chat.store.outbox.list_group(Discussion.make_id(BRIEFING, team.id))
        update = [d for d in group if d.kind is DeliveryKind.card_update][-1]
        sent = await prepare(update, chat.deps)
        assert isinstance(sent, CardUpdate)
        assert read(sent.message.card).texts[0] == ("**Correction from the board, 2 March 2026:** The date of the "
                                                    "training in Resources is 12 June, not 12 July.")
    replies = [d for d in await chat.store.outbox.list_group(closed) if d.kind is DeliveryKind.thread_notice
               and d.id.startswith("briefing-correction") or "corrected this briefing" in d.payload.get("text", "")]
    assert [r.payload["text"] for r in replies] == ["The board has corrected this briefing since your team sent its "
                                                    "minutes: The date of the training in Resources is 12 June, not 12 "
                                                    "July."]
    [entry] = await events(chat, "briefing_corrected")
    assert (entry["by"], entry["threads"]) == (STAFF.aad, 2)


# --- what is approved is what is sent -------------------------------------------------------------

async def test_a_briefing_changed_after_the_request_is_never_sent_on_it(approvals):
    from dialogs.publishing import upload_briefing
    from tests.cards import read

    chat = approvals
    decision = read(await requested(chat))
    # Its draft cannot be replaced or discarded from Teams while the request waits ...
    [refused] = await chat.send(press({"verb": "draft_discard", "briefing": BRIEFING}))
    assert refused.text.startswith("**Regular Case File Audit: Summary for Practitioners & Managers** has a request "
                                   "to publish it (waiting for approval since 2 March 2026, 09:30)")
    assert await chat.store.briefings.get(BRIEFING) is not None
    # ... and if it changes another way (the admin API), the approval sends nothing.
    record = await chat.store.briefings.get(BRIEFING)
    await upload_briefing(record.source.replace("## Method", "Call 07700 900123.\n\n## Method"), chat.deps)
    await chat.send(press(decision.data("Approve"), BLAKE))
    assert chat.last_settled().card_texts[0].startswith("**Regular Case File Audit: Summary for Practitioners & "
                                                         "Managers** changed after it was asked to be published")
    assert await posts(chat) == []
    request = await chat.store.meta.get(f"publish-request:{BRIEFING}")
    assert request["state"] == "cancelled"


async def test_the_requesters_card_can_cancel_while_waiting_and_shows_approval_for_later(approvals):
    from tests.cards import read

    chat = approvals
    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "all", "send_on": "2026-03-04", "send_time": "10:00"}))
    waiting = chat.last_settled().view
    assert waiting.own_buttons == ["Cancel it"]
    [row] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.payload.get("part") == "decision"]
    await chat.send(press(read((await prepare(row, chat.deps)).message.card).data("Approve"), BLAKE))
    [update] = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}")
                if d.kind is DeliveryKind.publish_status]
    card = read((await prepare(update, chat.deps)).message.card)
    assert card.texts[1] == ("Blake Reviewer approved publishing **Regular Case File Audit: Summary for Practitioners & "
                             "Managers**. It will be sent on 4 March 2026, 10:00 (UK time). Until then you can cancel "
                             "it here.")
    assert card.own_buttons == ["Cancel it"]
    await chat.send(press(card.data("Cancel it")))
    chat.deps.clock = lambda: datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    assert await send_scheduled(chat.deps) == 0 and await posts(chat) == []


async def test_each_request_keeps_its_own_card_and_retry_requeues_once(chat):
    from dialogs.delivery import after_final
    from dialogs.publish_requests import load_request, status_card
    from tests.cards import read

    publish = (await form(chat)).view.data("Publish")
    await chat.send(press(publish | {"to": "orgs", "orgs": "sussex-police"}))
    first = await load_request(BRIEFING, chat.deps)
    chat.deps.clock = lambda: NOW + timedelta(minutes=1)
    await chat.send(press(publish | {"to": "orgs", "orgs": "nhs-sussex"}))
    [a_post] = [d for d in await chat.store.outbox.list_group(BRIEFING) if d.team_id == TEAM.id]
    a_post.status, a_post.last_error, a_post.attempts = DeliveryStatus.failed, "HTTP 403", 1
    await chat.store.outbox.update(a_post)
    await after_final(a_post, chat.deps)
    record = await chat.store.briefings.get(BRIEFING)
    a_card = read(await status_card(await load_request(BRIEFING, chat.deps, first.requested_at.isoformat()), record,
                                    chat.deps))
    assert a_card.text("It reached") == "Sent. It reached 0 of 1 team." and a_card.facts["Send to"].startswith("Sussex")
    b_card = read(await status_card(await load_request(BRIEFING, chat.deps), record, chat.deps))
    assert b_card.facts["Send to"].startswith("NHS Sussex") and "Not reached" not in b_card.all_text
    queued = [d for d in await chat.store.outbox.list_group(f"publish:{BRIEFING}") if d.kind is DeliveryKind.publish_status]
    assert {d.payload["request"] for d in queued} == {first.requested_at.isoformat()}  # A's card is the one told

    [again] = await chat.send(press(a_card.data("Try the failed ones again")))
    assert again.text == "Trying the failed ones again: 1 team."
    [nothing] = await chat.send(press(a_card.data("Try the failed ones again")))  # pressed twice
    assert nothing.text == "Nothing failed, so there is nothing to try again."
    assert (await chat.store.outbox.get(a_post.id)).status is DeliveryStatus.pending


async def test_preview_buttons_are_for_board_staff_only(chat):
    [refused] = await chat.send(press({"verb": "record", "discussion": f"test:{BRIEFING}", "answer:learnt": "x"}, ANA))
    assert "older version of this card" in refused.text
