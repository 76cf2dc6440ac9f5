"""Over HTTP, with the worker, SMTP and signed links: a team sends minutes to NHS Trust, is moved (with
confirmation) to Fire & Rescue, an organisation in the same tenant, and the minutes stay NHS Trust's."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from bot.app_keys import SIGNER
from tests.dialogs.test_organisation_change import ANA, BRIEFING, DIRECTORY, LEARNT, MORGAN, PRIYA, TEAM
from tests.fakes import teams as t
from tests.fakes.smtp import free_port
from tests.harness import start_bot

CORRECTION = "The home safety visit was in March, not May."


@pytest.fixture
async def bot(tmp_path, connector, smtp):
    directory = tmp_path / "directory.yaml"
    directory.write_text(DIRECTORY)
    port = free_port()
    running = await start_bot(tmp_path / "data", connector, smtp, port=port, directory=directory,
                              public_url=f"http://127.0.0.1:{port}")
    yield running
    await running.close()


def links(text: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(r"https?://[^\s\"'<>]+", text)]


def minutes_links(card: dict | None, discussion: str) -> list[str]:
    return [u for u in links(json.dumps(card or {})) if discussion in u]


async def get(bot, url: str, **kw) -> int:
    async with bot.session.get(url, **kw) as resp:
        await resp.read()
        return resp.status


async def digest_links(bot, lead: t.User, discussion: str) -> list[str]:
    """Links to the discussion's minutes in the lead's digest: on its card, and on the full digest page
    the card links to."""
    await bot.post_activity(t.personal(bot.connector.url, lead, TEAM.tenant, "digest"))
    card = bot.connector.in_conversation(f"a:personal-{lead.aad}")[-1].card
    found = minutes_links(card, discussion)
    for page in (u for u in links(json.dumps(card or {})) if "/pages/digest/" in u):
        async with bot.session.get(page) as resp:
            assert resp.status == 200
            found += [u for u in links(await resp.text()) if discussion in u]
    return found


async def sent_then_moved(bot) -> tuple[str, str]:
    """Minutes sent to NHS Trust's lead; then the team is moved to Fire & Rescue, confirming when asked."""
    url, connector = bot.connector.url, bot.connector
    await bot.post_activity(t.installed(url, TEAM, ANA))
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "nhs-trust"}))
    await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    thread, discussion = post.response["id"], post.view.discussion
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                       "answer:learnt": LEARNT}, thread))
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}, thread))
    await connector.wait_for(lambda: connector.personal_chats(PRIYA.aad))
    await connector.wait_for(lambda: bot.smtp.to("priya@nhs.example.org"))

    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "fire-rescue"}))
    question = connector.in_conversation(TEAM.id)[-1].view
    assert question.heading == "Move this team from NHS Trust to Fire & Rescue?"
    await bot.post_activity(t.submit(url, TEAM, ANA, question.data("Confirm")))
    assert connector.in_conversation(TEAM.id)[-1].text.startswith("This team is now linked to **Fire & Rescue**")
    return thread, discussion


async def test_the_signed_minutes_link_is_for_the_organisation_they_were_sent_to(bot):
    _, discussion = await sent_then_moved(bot)
    url = bot.connector.url
    [chat] = bot.connector.personal_chats(PRIYA.aad)
    [sent_link] = minutes_links(chat.card, discussion)  # on the card NHS Trust's lead got with the minutes
    assert f"/documents/minutes/nhs-trust/{discussion}.docx?" in sent_link and await get(bot, sent_link) == 200

    theirs = await digest_links(bot, PRIYA, discussion)
    assert theirs and all([await get(bot, link) == 200 for link in theirs])
    assert await digest_links(bot, MORGAN, discussion) == []

    # A link signed for Fire & Rescue, or one in the earlier form that named no organisation (as the
    # earlier release put in Fire & Rescue's digest), does not open NHS Trust's minutes.
    signer, now = bot.server.app[SIGNER], bot.deps.clock()
    assert await get(bot, signer.sign(f"/documents/minutes/fire-rescue/{discussion}.docx", now)) == 403
    earlier = signer.sign(f"/documents/minutes/{discussion}.docx", now)
    assert await get(bot, earlier) == 403
    admin = {"Authorization": "Bearer test-admin-token-0123456789"}
    assert await get(bot, earlier.split("?")[0], headers=admin) == 200  # the board's administrator still can

    # Nor can Fire & Rescue's lead mark them as received.
    await bot.post_activity(t.personal(url, MORGAN, TEAM.tenant, value={"verb": "acknowledge", "discussion": discussion}))
    assert bot.connector.in_conversation(f"a:personal-{MORGAN.aad}")[-1].text.startswith("Only a safeguarding lead")
    assert (await bot.deps.store.minutes.get(discussion)).acknowledgements == []


async def test_a_correction_after_the_move_goes_to_the_first_organisations_lead(bot):
    thread, discussion = await sent_then_moved(bot)
    connector = bot.connector
    await bot.post_activity(t.submit(connector.url, TEAM, ANA, {"verb": "correction", "discussion": discussion,
                                                                 "correction": CORRECTION}, thread))
    assert connector.in_conversation(thread)[-1].text.startswith("Correction recorded. Sending it to Priya Lead (NHS Trust)")
    chats = await connector.wait_for(lambda: len(connector.personal_chats(PRIYA.aad)) == 2 and connector.personal_chats(PRIYA.aad))
    assert CORRECTION in json.dumps(chats[1].card)
    mails = await connector.wait_for(lambda: len(bot.smtp.to("priya@nhs.example.org")) == 2 and bot.smtp.to("priya@nhs.example.org"))
    assert mails[1]["Subject"].startswith("Correction to team minutes")
    notice = await connector.wait_for(
        lambda: [s for s in connector.in_conversation(thread) if s.text.startswith("Correction sent to")])
    assert notice[0].text.startswith("Correction sent to Priya Lead (Teams chat and email) at ")
    assert connector.personal_chats(MORGAN.aad) == [] and bot.smtp.to("morgan@fire.example.org") == []


async def test_report_export_and_deliveries_after_the_move_name_the_first_organisation(bot):
    await sent_then_moved(bot)
    status, body = await bot.admin_raw("GET", f"/api/briefings/{BRIEFING}/report?format=csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and [(r["organisation_id"], r["organisation"]) for r in rows] == [("nhs-trust", "NHS Trust")]
    status, body = await bot.admin_raw("GET", f"/api/briefings/{BRIEFING}/export?format=csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert status == 200 and [(r["organisation"], r["team"], r["response"]) for r in rows] == [
        ("NHS Trust", TEAM.name, LEARNT)]
    status, deliveries = await bot.admin("GET", f"/api/briefings/{BRIEFING}/deliveries")
    assert status == 200 and [d["organisation"] for d in deliveries] == ["nhs-trust"]
