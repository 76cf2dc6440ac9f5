"""Each person's own view of the thread's card, kept when the card is updated for everyone (Teams'
user-specific views), over HTTP with the presses and refreshes Teams sends.

Two members press on the same card: each sees only their own view (the privacy check, My
responses, the close review, the referral route), and when a colleague's response updates the
card, its `refresh` lists them and the refresh Teams then sends brings back their view, never
someone else's. Nothing of this is a new message in the channel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cards import read
from tests.fakes import teams as t
from tests.harness import briefing_in_channel

TEAM = t.TeamSpec("19:views@thread.tacv2", "Views Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000011")
BEN = t.User("Ben Colleague", "bbbbbbbb-0000-0000-0000-000000000012")
CAL = t.User("Cal Onlooker", "cccccccc-0000-0000-0000-000000000013")
NHS = "943 476 5919"  # a valid NHS number (modulus 11)
WORRY = "mum was drunk at pick-up just now and drove off with the twins"
CARD = "application/vnd.microsoft.card.adaptive"


async def post(running, activity: dict[str, Any]) -> dict[str, Any]:
    async with running.session.post(f"{running.url}/api/messages", json=activity) as resp:
        assert resp.status == 200
        return await resp.json()


async def press(running, user: t.User, verb: str, data: dict[str, Any], thread: str) -> dict[str, Any]:
    body = await post(running, t.execute(running.connector.url, TEAM, user, verb, data, conversation_id=thread))
    assert body["statusCode"] == 200, body
    return body


async def refresh(running, user: t.User, shared: dict[str, Any], thread: str) -> dict[str, Any]:
    """What `user`'s Teams client asks for when it shows the updated card: its refresh action, by itself."""
    action = shared["refresh"]["action"]
    value = {"action": {"type": action["type"], "verb": action["verb"], "data": action["data"]}, "trigger": "automatic"}
    body = await post(running, t.invoke(running.connector.url, TEAM, user, value, conversation_id=thread))
    assert body["statusCode"] == 200 and body["type"] == CARD, body
    return body["value"]


async def next_update(running, thread: str, after: int, listing: tuple[t.User, ...] = ()) -> dict[str, Any]:
    """The thread card as an update after the `after` already seen replaced it: the first that lists
    each of `listing` for their own view (updates are made at most every 3 s, from the state then)."""
    def wanted():
        return [s for s in updates_of(running, thread)[after:]
                if all(u.id in (s.card.get("refresh") or {}).get("userIds", []) for u in listing)]

    return (await running.connector.wait_for(wanted))[0].card


def updates_of(running, thread: str):
    return [s for s in running.connector.sent if s.method == "update" and s.conversation_id == thread]


@pytest.fixture
async def thread(running):
    posted = await briefing_in_channel(running, TEAM, ANA)
    assert "refresh" not in posted.card  # nobody has a view of it yet
    return posted.response["id"], posted.view.discussion


async def test_two_members_each_keep_their_own_view_when_the_card_is_updated(running, thread):
    conversation, discussion = thread
    messages = len(running.connector.in_conversation(conversation)) + len(running.connector.channel_posts())

    # Ana's response names a child's NHS number: her privacy check is her view of the card.
    checked = await press(running, ANA, "record", {"discussion": discussion,
                                                   "answer:learnt": f"NHS {NHS}: we learnt to check records"}, conversation)
    assert read(checked["value"]).heading == "Check before these go further"
    # Ben records too: the card is updated for everyone, and lists both of them for their own views.
    await press(running, BEN, "record", {"discussion": discussion, "answer:apply": "Invite the police"}, conversation)
    shared = await next_update(running, conversation, 0, (ANA, BEN))
    assert "(1 response)" in read(shared).text("How might you/your team apply")
    assert set(shared["refresh"]["userIds"]) == {ANA.id, BEN.id}
    assert shared["refresh"]["action"]["verb"] == "my_view"

    # Teams asks again for each of them: Ana gets her check back, Ben his own acknowledgement.
    ana = read(await refresh(running, ANA, shared, conversation))
    assert ana.heading == "Check before these go further" and NHS not in str(ana.card)
    assert "[removed: NHS number]" in str(ana.card)
    ben = read(await refresh(running, BEN, shared, conversation))
    assert ben.texts[0].startswith("\u2713 Thanks, Ben: 1 response recorded")
    assert "Check before these go further" not in ben.all_text and NHS not in str(ben.card)
    # Someone with no view of their own (a small team's clients all ask) gets the card as it is now.
    cal = read(await refresh(running, CAL, shared, conversation))
    assert cal.heading == "Regular Case File Audit: Summary for Practitioners & Managers"
    assert "Thanks" not in cal.all_text and "refresh" not in cal.card

    # Ana confirms: her view is over; the card as it is now is what she gets.
    await press(running, ANA, ana.button("It identifies nobody")["verb"], ana.data("It identifies nobody"), conversation)
    after_check = read(await refresh(running, ANA, shared, conversation))
    assert after_check.heading == "Regular Case File Audit: Summary for Practitioners & Managers"

    # Ana opens My responses, Ben opens the close review; Cal records, and the card is updated again.
    seen = len(updates_of(running, conversation))
    mine = read((await press(running, ANA, "my_responses", {"discussion": discussion}, conversation))["value"])
    assert mine.heading == "Your responses"
    review = read((await press(running, BEN, "close", {"discussion": discussion}, conversation))["value"])
    assert review.texts[0].startswith("**You are about to close")
    await press(running, CAL, "record", {"discussion": discussion, "answer:learnt": "Ask about the home"}, conversation)
    shared = await next_update(running, conversation, seen, (ANA, BEN))
    assert ANA.id in shared["refresh"]["userIds"] and BEN.id in shared["refresh"]["userIds"]
    ana = read(await refresh(running, ANA, shared, conversation))
    ben = read(await refresh(running, BEN, shared, conversation))
    assert ana.heading == "Your responses" and ana.input_ids == [f"edit:{ana.input_ids[0][5:]}",
                                                                  f"withdraw:{ana.input_ids[0][5:]}"]
    assert "Ask about the home" not in ana.all_text and "Invite the police" not in ana.all_text
    assert ben.texts[0].startswith("**You are about to close") and "Ask about the home" in ben.all_text
    assert "Your responses" not in ben.all_text

    # Ben changes his mind: "Not yet" ends his view; Ana's stays hers.
    await press(running, BEN, "close_cancel", {"discussion": discussion}, conversation)
    assert read(await refresh(running, BEN, shared, conversation)).heading.startswith("Regular Case File Audit")
    assert read(await refresh(running, ANA, shared, conversation)).heading == "Your responses"

    # None of it was a message in the channel.
    assert len(running.connector.in_conversation(conversation)) + len(running.connector.channel_posts()) == messages


async def test_a_held_worry_keeps_its_route_but_never_its_text(running, thread):
    conversation, discussion = thread
    held = await press(running, ANA, "record", {"discussion": discussion, "answer:learnt": WORRY}, conversation)
    assert "Is this about a child at risk now?" in str(held["value"])
    await press(running, BEN, "record", {"discussion": discussion, "answer:apply": "Invite the police"}, conversation)
    shared = await next_update(running, conversation, 0, (ANA,))
    assert ANA.id in shared["refresh"]["userIds"]
    again = read(await refresh(running, ANA, shared, conversation))
    assert again.heading == "Is this about a child at risk now?"
    assert "not been recorded or kept" in again.all_text and "999" in again.all_text
    assert "drunk" not in str(again.card) and "twins" not in str(again.card)
    assert await running.deps.store.responses.count(discussion) == 1  # Ben's only


async def test_a_refresh_never_acts_and_a_closed_card_lists_nobody(running, thread):
    conversation, discussion = thread
    # A refresh that names another verb is refused: a client's own request may only ask for a view.
    sneaky = {"action": {"type": "Action.Execute", "verb": "record",
                         "data": {"discussion": discussion, "answer:learnt": "x"}}, "trigger": "automatic"}
    refused = await post(running, t.invoke(running.connector.url, TEAM, ANA, sneaky, conversation_id=conversation))
    assert refused["statusCode"] == 400
    assert await running.deps.store.responses.count(discussion) == 0

    await press(running, ANA, "record", {"discussion": discussion, "answer:learnt": "We learnt"}, conversation)
    await press(running, BEN, "my_responses", {"discussion": discussion}, conversation)
    review = read((await press(running, ANA, "close", {"discussion": discussion}, conversation))["value"])
    await press(running, ANA, "close_confirm", review.data("Confirm and send"), conversation)
    closed = await running.connector.wait_for(
        lambda: [s for s in updates_of(running, conversation) if "Minutes sent on" in str(s.card)])
    assert "refresh" not in closed[-1].card  # closed: everyone sees the same card
    # A refresh Teams sends for the card as it was (Ben's My responses) now gets the closed card.
    stale = {"refresh": {"action": {"type": "Action.Execute", "verb": "my_view", "data": {"discussion": discussion}}}}
    ben = read(await refresh(running, BEN, stale, conversation))
    assert "Minutes sent on" in ben.all_text and ben.input_ids == ["correction"]  # the closed card's own form
