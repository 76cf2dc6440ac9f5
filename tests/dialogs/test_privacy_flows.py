"""The privacy gate in the flows: findings told by kind (never the value), edited or confirmed,
redacted in the minutes; live concerns pointed to the referral route before anything is stored."""

from __future__ import annotations

import logging

from tests.dialogs.transcript import ANA, BEN, STAFF, TEAM, TENANT, URL, posted, record
from tests.fakes import teams as t

TEAM_LINKED = True  # every transcript here starts with the team linked


NHS = "943 476 5919"  # a valid NHS number (modulus 11)
POSTCODE = "BN21 4UW"


def everything_said(replies) -> str:
    return " ".join(r.text + str(r.card or "") for r in replies)


async def close(chat, discussion):
    await chat.send(t.submit(URL, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}))
    return (await chat.store.minutes.get(discussion)).markdown


async def test_a_finding_is_told_by_kind_and_redacted_in_the_minutes(chat, caplog):
    discussion = await posted(chat)
    with caplog.at_level(logging.DEBUG):
        replies = await chat.send(record(discussion, learnt=f"Child with NHS no {NHS} lives at {POSTCODE}, we learnt a lot"))
    assert replies[0].text.startswith("Thanks, Ana: 1 response recorded")
    review = replies[1]
    assert review.view.heading == "Check before these go further"
    assert review.view.text("looks like an NHS number and a postcode")
    said = everything_said(replies)
    assert NHS not in said and POSTCODE not in said and "4UW" not in said
    assert NHS not in caplog.text and POSTCODE not in caplog.text
    [stored] = await chat.store.responses.list(discussion)
    assert sorted(f.kind for f in stored.findings) == ["nhs_number", "postcode"]
    minutes = await close(chat, discussion)
    assert "Child with NHS no [removed: NHS number] lives at [removed: postcode], we learnt a lot" in minutes
    assert NHS not in minutes


async def test_the_responder_confirms_it_identifies_nobody(chat):
    discussion = await posted(chat)
    replies = await chat.send(record(discussion, learnt="The fire station in BN21 area ran a session for us"))
    [response_id] = replies[1].view.data("It identifies nobody")["responses"]
    other = await chat.say(t.submit(URL, TEAM, BEN, {"verb": "confirm_findings", "discussion": discussion,
                                                     "responses": [response_id]}))
    assert other.text == "Thanks: 0 responses kept as written in the minutes."
    mine = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "confirm_findings", "discussion": discussion,
                                                    "responses": [response_id]}))
    assert mine.text == "Thanks: 1 response kept as written in the minutes."
    assert "The fire station in BN21 area ran a session for us" in await close(chat, discussion)


async def test_saving_the_masked_version_removes_the_identifier(chat):
    discussion = await posted(chat)
    replies = await chat.send(record(discussion, learnt="Mum's mobile 07700 900123 was wrong on the file"))
    [field_id] = replies[1].view.input_ids
    field = replies[1].view.input(field_id)
    assert field["value"] == "Mum's mobile [removed: phone number] was wrong on the file"
    saved = await chat.send(t.submit(URL, TEAM, ANA, {"verb": "edit_responses", "discussion": discussion,
                                                      field["id"]: "Mum's mobile number was wrong on the file"}))
    assert [r.text for r in saved] == ["1 response updated."]
    [stored] = await chat.store.responses.list(discussion)
    assert stored.findings == [] and "07700" not in stored.text
    again = await chat.send(t.submit(URL, TEAM, ANA, {"verb": "edit_responses", "discussion": discussion,
                                                      field["id"]: "Call 07700 900456 instead"}))
    assert again[1].view.heading == "Check before these go further"  # an edit is scanned again


async def test_a_live_concern_is_pointed_to_the_referral_route_before_anything_is_stored(chat):
    discussion = await posted(chat)
    text = "I'm worried about the boy we saw, he is not safe tonight"
    card = await chat.say(t.execute(URL, TEAM, ANA, "record", {"discussion": discussion, "answer:learnt": text}))
    assert card.view.heading == "Is this about a child at risk now?"
    assert "call 999" in card.view.text("SPoA (Monday to Friday, 8.30am to 5pm): phone 01323 464222")
    assert await chat.store.responses.count(discussion) == 0
    [dont] = await chat.send(t.press(URL, TEAM, ANA, card.view.button("Don't record it")))
    assert dont.card_texts == ["Not recorded. Thank you for acting on it."]
    assert await chat.store.responses.count(discussion) == 0
    learning = card.view.button("It's learning: record it")
    assert learning["data"]["answer:learnt"] == text and learning["data"]["learning_confirmed"] == "true"
    stored = await chat.send(t.press(URL, TEAM, ANA, learning))
    assert stored[-1].view.texts[0].startswith("\u2713 Thanks, Ana: 1 response recorded")  # in Ana's view
    assert await chat.store.responses.count(discussion) == 1


async def test_a_correction_with_an_identifier_is_not_sent(chat):
    discussion = await posted(chat)
    await chat.send(record(discussion, learnt="A lesson"))
    await close(chat, discussion)
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "correction", "discussion": discussion,
                                                     "correction": f"The child's NHS number is {NHS}"}))
    assert reply.text.startswith("The correction looks like it contains an NHS number.") and NHS not in reply.text
    assert (await chat.store.minutes.get(discussion)).addenda == []


async def test_published_contacts_in_the_briefing_are_not_findings(chat):
    discussion = await posted(chat)
    replies = await chat.send(record(discussion, apply="We now ring SPoA on 01323 464222 sooner"))
    assert len(replies) == 1


async def test_staff_see_identifiers_in_the_preview_and_must_confirm(chat):
    from dialogs.publishing import upload_briefing
    from tests.dialogs.transcript import STAFF, TENANT

    text = ("---\nid: 2026-05-ids\ntitle: With identifiers\nissued: 2026-05\nboard: Board\nprompts:\n"
            "  - theme: T\n    questions:\n      - {id: q1, text: 'Why?'}\n---\n\n## Background\n\n"
            "Call the family on 07700 900123.\n")
    await upload_briefing(text, chat.deps)
    preview = (await chat.send(t.personal(URL, STAFF, TENANT, "publish 2026-05-ids")))[-1]
    assert any("looks like a phone number (in Background)" in x for x in preview.card_texts)
    assert preview.view.own_buttons == ["Publish anyway: it identifies nobody", "Send a test to me", "Discard draft"]
    anyway = {"data": preview.view.data("Publish anyway: it identifies nobody")}
    assert anyway["data"]["allow_identifiers"] is True
    plain = dict(anyway["data"], allow_identifiers=False)
    refused = await chat.say(t.personal(URL, STAFF, TENANT, value=plain))
    assert refused.text == ("Not published: the briefing contains what looks like a phone number \\(in Background\\). If "
                            "none of it identifies a child or family, press \u201cPublish anyway: it identifies nobody\u201d.")
    await chat.send(t.personal(URL, STAFF, TENANT, value=anyway["data"]))
    assert chat.last_settled().view.text("Publishing").startswith("Publishing **With identifiers** to 1 team")
