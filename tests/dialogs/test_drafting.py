"""Board staff attach a Word briefing in their personal chat: a draft, the exact card teams will get
(whose buttons record nothing), the publish form; new versions, discarding, the drafts list."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from content import cards
from content.briefing import parse_briefing
from storage.models import BriefingStatus
from tests.dialogs.transcript import ANA, BRIEFING, STAFF, TENANT, URL, WORRY
from tests.fakes import teams as t

WORD = Path(__file__).parents[1] / "fixtures" / "word"
SEED = (WORD / "case-file-audit.docx").read_bytes()
DRAFT = "2019-01-regular-case-file-audit-summary-for-practitioners-and-managers"
FILE_URL = "https://contoso-my.sharepoint.com/personal/alex/_layouts/15/download.aspx?UniqueId=1"


def attach(chat, data: bytes = SEED, user=STAFF, name: str = "Case file audit.docx", file_type: str = "docx",
           url: str = FILE_URL) -> dict:
    chat.files[url] = data
    return t.personal_file(URL, user, TENANT, url, name, file_type)


def click(action: dict, user=STAFF, inputs: dict | None = None) -> dict:
    return t.personal_press(URL, user, TENANT, action, inputs)


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_a_word_briefing_becomes_a_draft_shown_as_teams_will_get_it(chat):
    intro, exact, form = await chat.send(attach(chat))
    assert intro.text == ("Here is the card teams will get. Its buttons work, but nothing you do on it is recorded "
                          "or sent to anyone.")
    stored = await chat.store.briefings.get(DRAFT)
    assert stored.status is BriefingStatus.draft
    doc = parse_briefing(stored.source)
    assert exact.card == cards.briefing_card(doc, f"test:{DRAFT}")  # the same builder, the same card
    assert form.view.heading == "Regular Case File Audit: Summary for Practitioners & Managers"
    assert form.view.own_buttons == ["Publish", "Send a test to me", "Discard draft"]
    assert form.view.text("Issued January 2019") == "Issued January 2019 \u00B7 8 sections \u00B7 4 discussion questions"
    assert form.view.input_ids == ["to", "orgs", "discuss_by", "follow_up_weeks", "send_on", "send_time"]  # no team yet
    assert form.view.input("follow_up_weeks")["value"] == 6  # the briefing's own (the default)


async def test_only_board_staff_may_attach_and_only_word(chat):
    [refused] = await chat.send(attach(chat, user=ANA))
    assert refused.text.startswith("Thanks, but I only take files from East Sussex Local Safeguarding Children "
                                   "Board staff")
    [pdf] = await chat.send(attach(chat, b"%PDF", name="briefing.pdf", file_type="pdf"))
    assert pdf.text.startswith("I can only read Word documents (.docx).")
    assert [b.id for b in await chat.store.briefings.list()] == [BRIEFING]


async def test_a_file_that_is_not_a_briefing_gets_each_problem_with_its_fix(chat):
    d = docx.Document()
    d.add_paragraph("Only a title", style="Title")
    d.add_paragraph("And a line of text.")
    [reply] = await chat.send(attach(chat, saved(d), name="notes.docx"))
    assert reply.text.startswith("I couldn't make a briefing from notes.docx:\n\n- I couldn't find any discussion "
                                 "questions. Add a heading \u201cPoints for discussion\u201d")
    assert "- I couldn't find the parts of the briefing." in reply.text
    assert "YAML" not in reply.text and "prompts." not in reply.text
    [damaged] = await chat.send(attach(chat, b"PK\x03\x04 broken", name="broken.docx"))
    assert damaged.text.startswith("I couldn't make a briefing from broken.docx. This isn't a Word document I can "
                                   "read.")


async def test_a_file_teams_will_not_give_is_said_plainly(chat):
    activity = attach(chat)
    chat.files.clear()
    [reply] = await chat.send(activity)
    assert reply.text == "Teams wouldn't let me download the file. Attach it again."


async def test_a_new_version_replaces_the_draft_only_when_asked(chat):
    await chat.send(attach(chat))
    first = (await chat.store.briefings.get(DRAFT)).source
    assert [r.text for r in await chat.send(attach(chat))][0].startswith("Here is the card")  # the same file: shown again
    changed = docx.Document(io.BytesIO(SEED))
    changed.add_paragraph("A line added in the new version.")
    [question] = await chat.send(attach(chat, saved(changed)))
    assert question.view.heading == ("Replace the draft of Regular Case File Audit: Summary for Practitioners & "
                                     "Managers?")
    assert (await chat.store.briefings.get(DRAFT)).source == first  # asking changes nothing
    await chat.send(click(question.view.button("Keep the current draft")))
    assert chat.last_settled().card_texts == ["Kept the current draft. The new version was not saved."]
    assert (await chat.store.briefings.get(DRAFT)).source == first
    await chat.send(click(question.view.button("Replace the draft")))  # the new version was let go
    assert "no new version waiting" in chat.last_settled().card_texts[0]

    [question] = await chat.send(attach(chat, saved(changed)))
    replies = await chat.send(click(question.view.button("Replace the draft")))
    assert [r.text for r in replies][0].startswith("Here is the card")
    assert "A line added in the new version." in (await chat.store.briefings.get(DRAFT)).source


async def test_a_published_briefing_is_never_replaced(chat):
    await chat.send(attach(chat))
    record = await chat.store.briefings.get(DRAFT)
    record.status = BriefingStatus.published
    await chat.store.briefings.put(record)
    changed = docx.Document(io.BytesIO(SEED))
    changed.add_paragraph("Changed after publishing.")
    [reply] = await chat.send(attach(chat, saved(changed)))
    assert reply.text.startswith("**Regular Case File Audit: Summary for Practitioners & Managers** has already "
                                 "been published, so it can't be changed.")
    assert (await chat.store.briefings.get(DRAFT)).source == record.source


async def test_discard_a_draft_and_list_the_drafts(chat):
    *_, form = await chat.send(attach(chat))
    listing = await chat.say(t.personal(URL, STAFF, TENANT, "drafts"))
    assert listing.view.heading == "Drafts"
    assert "**Regular Case File Audit: Summary for Practitioners & Managers**" in listing.view.texts
    assert listing.view.button_titles.count("Discard") == 2  # this one and the bundled briefing (a draft too)
    refused = await chat.say(t.personal(URL, ANA, TENANT, "drafts"))
    assert refused.text.startswith("Sorry, only")

    [answer] = await chat.send(click(form.view.button("Discard draft")))  # the answer, and the card itself
    assert answer.card_texts == chat.last_settled().card_texts
    assert chat.last_settled().card_texts == ["Discarded the draft of **Regular Case File Audit: Summary for "
                                              "Practitioners & Managers**. Nothing was sent to anyone."]
    assert await chat.store.briefings.get(DRAFT) is None
    [entry] = [e for e in await chat.store.meta.audit_log() if e.get("event") == "draft_discarded"]
    assert (entry["briefing"], entry["by"]) == (DRAFT, STAFF.aad)
    await chat.send(click(form.view.button("Discard draft")))
    assert chat.last_settled().card_texts[0].startswith("That draft no longer exists.")
    forged = await chat.say(click(form.view.button("Discard draft"), ANA))
    assert forged.text.startswith("Sorry, only")


async def test_preview_buttons_answer_as_for_a_team_and_record_nothing(chat):
    _, exact, form = await chat.send(attach(chat))
    submit = exact.view.shown_card("Record responses").button("Submit responses")
    [said] = await chat.send(click(submit, inputs={"answer:what-have-you-your-team-learnt-from": "A lesson"}))
    assert said.view.texts == ["Test only, nothing recorded. A team member would see: \u201cThanks, Alex: 1 response "
                               "recorded.\u201d"]
    [worry] = await chat.send(click(submit, inputs={"answer:how-might-you-your-team-apply-that": WORRY}))
    assert "reads like a live worry about a child" in worry.view.texts[0]
    assert "SPoA (Mon-Friday 8.30am-5pm): phone 01323 464222" in worry.view.texts[0]
    [ident] = await chat.send(click(submit, inputs={"answer:how-might-you-your-team-apply-that":
                                                    "Mum's mobile 07700 900123 was wrong"}))
    assert ident.view.texts[0].endswith("as it looks like it contains a phone number.")
    [mine] = await chat.send(click(exact.view.button("My responses")))
    assert mine.view.texts[0].startswith("Test only: a team member would see the responses they recorded")
    [close] = await chat.send(click(exact.view.button("Close and send minutes")))
    assert close.view.texts[0].startswith("Test only: the team would see its minutes to check")
    assert await chat.store.discussions.list_for_briefing(DRAFT) == []
    assert await chat.store.outbox.list_group(DRAFT) == []

    test = await chat.send(click(form.view.button("Send a test to me")))
    assert [r.text for r in test][0] == "A test, as a team gets it. Try its buttons: nothing is recorded or sent to anyone."
    assert test[1].card == exact.card
