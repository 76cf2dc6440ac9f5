"""Note-takers, editing and withdrawing, the card kept current, attribution, and corrections."""

from __future__ import annotations

import pytest

from storage.models import DeliveryKind
from tests.cards import read
from tests.dialogs.transcript import ANA, BEN, STAFF, TEAM, URL, posted, record, scheduled_card
from tests.fakes import teams as t


TEAM_LINKED = True  # every transcript here starts with the team linked


async def test_the_thread_card_is_updated_in_place_with_counts(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="One", apply="Two"))
    await chat.send(record(discussion, BEN, learnt="Three"))
    updates = [d for d in await chat.store.outbox.list_group(discussion) if d.kind == DeliveryKind.card_update]
    assert len(updates) == 1  # both submissions within one window: one update, rendered when it is sent
    card = await scheduled_card(chat, discussion)
    assert "What have you/your team learnt from this audit? **(2 responses)**" in str(card)
    assert "How might you/your team apply that learning? **(1 response)**" in str(card)


async def test_a_note_taker_records_for_the_team(chat):
    discussion = await posted(chat)
    value = {"for_team": "true", "present": "7", "roles": "two social workers, a health visitor"}
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                     "answer:learnt": "Agreed answer", **value}))
    assert reply.text == ("Thanks, Ana: 1 response recorded as the team's agreed answers. "
                          "The team has 1 response so far.")
    d = await chat.store.discussions.get(discussion)
    assert (d.present, d.roles) == (7, "two social workers, a health visitor")
    [r] = await chat.store.responses.list(discussion)
    assert r.for_team and r.author_name == "The team" and r.author.aad_object_id == ANA.aad
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}))
    minutes = (await chat.store.minutes.get(discussion)).markdown
    assert "Agreed answer (The team)" in minutes and "**Present:** 7 (two social workers, a health visitor)" in minutes
    assert "Ana Practitioner" not in minutes.split("Closed by")[0]


@pytest.mark.parametrize("present", ["0", "-3", "lots", "501"])
async def test_a_bad_number_present_records_nothing(chat, present):
    discussion = await posted(chat)
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                     "answer:learnt": "x", "for_team": "true", "present": present}))
    assert reply.text.startswith("How many were present should be a whole number")
    assert await chat.store.responses.count(discussion) == 0


async def test_members_edit_and_withdraw_only_their_own(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="Ana's first", apply="Ana's second"))
    await chat.send(record(discussion, BEN, learnt="Ben's"))
    mine = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "my_responses", "discussion": discussion}))
    inputs = {i: mine.view.input(i).get("value") for i in mine.view.input_ids}
    edit_ids = [k for k in inputs if k.startswith("edit:")]
    assert sorted(inputs[k] for k in edit_ids) == ["Ana's first", "Ana's second"]
    [first, second] = sorted(edit_ids, key=lambda k: inputs[k])
    bens = next(r for r in await chat.store.responses.list(discussion) if r.author.name == "Ben Nurse")

    reply = await chat.say(t.submit(URL, TEAM, ANA, {
        "verb": "edit_responses", "discussion": discussion,
        first: "Ana's first, better", f"withdraw:{second.removeprefix('edit:')}": "true",
        f"edit:{bens.id}": "Ana rewrites Ben", f"withdraw:{bens.id}": "true"}))
    assert reply.text == "1 response updated and 1 response withdrawn."
    rows = {r.id: r for r in await chat.store.responses.list(discussion)}
    assert rows[first.removeprefix("edit:")].text == "Ana's first, better"
    assert not rows[second.removeprefix("edit:")].active
    assert rows[bens.id].text == "Ben's" and rows[bens.id].active
    assert await chat.store.responses.count(discussion) == 2
    none_left = await chat.say(t.submit(URL, TEAM, STAFF, {"verb": "my_responses", "discussion": discussion}))
    assert none_left.view.texts == ["You haven't recorded any responses to this briefing yet."]

    await chat.send(t.submit(URL, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}))
    minutes = (await chat.store.minutes.get(discussion)).markdown
    assert "Ana's first, better" in minutes and "Ana's second" not in minutes
    late = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "edit_responses", "discussion": discussion, first: "late"}))
    assert "it is closed" in late.text


async def test_attribution_team_leaves_names_out_of_the_minutes(chat):
    discussion = await posted(chat)
    assert "by name" in (await chat.say(t.mention(URL, TEAM, ANA, "attribution"))).text
    assert (await chat.say(t.mention(URL, TEAM, ANA, "attribution team"))).text == \
        "From now on this team's minutes attribute responses as the team's (no names in the minutes)."
    await chat.send(record(discussion, learnt="Named person's answer"))
    await chat.send(t.submit(URL, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}))
    minutes = (await chat.store.minutes.get(discussion)).markdown
    assert "Named person's answer (The team)" in minutes and "Ana Practitioner" not in minutes


async def test_closing_marks_the_card_and_a_correction_goes_to_the_same_leads(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    await chat.send(t.submit(URL, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}))
    closed_card = await scheduled_card(chat, discussion)
    assert read(closed_card).own_buttons == ["Send a correction"]
    assert "Ben Nurse" in read(closed_card).text("Minutes sent on")

    empty = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "correction", "discussion": discussion, "correction": " "}))
    assert empty.text.startswith("Write the correction")
    activity = t.submit(URL, TEAM, ANA, {"verb": "correction", "discussion": discussion,
                                         "correction": "The home safety visit was in March, not May."})
    sent = await chat.say(activity)
    assert sent.text == ("Correction recorded. Sending it to Sam Example (Sussex Police) as an addendum to the minutes.")
    assert await chat.send(activity) == []  # the same click resent: recorded once
    minutes = await chat.store.minutes.get(discussion)
    assert [a.text for a in minutes.addenda] == ["The home safety visit was in March, not May."]
    forwards = [d for d in await chat.store.outbox.list_group(discussion) if d.kind.startswith("addendum")]
    assert sorted(d.kind for d in forwards) == [DeliveryKind.addendum_email, DeliveryKind.addendum_teams]
    assert all(d.payload["addendum_id"] == minutes.addenda[0].id for d in forwards)


async def test_a_correction_needs_a_closed_discussion(chat):
    discussion = await posted(chat)
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "correction", "discussion": discussion, "correction": "x"}))
    assert reply.text == "That is for minutes already sent; this discussion is still open."
