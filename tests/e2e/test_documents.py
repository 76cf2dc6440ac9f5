"""Documents for people who file and act on them: the lead's Word minutes by signed link, the
Received button, the board's report (and its page as a reader sees it), exports, purging, digests."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import quote

import pytest

from storage.models import utcnow
from tests.cards import read
from tests.content.test_minutes import docx_text
from tests.fakes import teams as t
from tests.fakes.smtp import free_port
from tests.harness import start_bot

TEAM = t.TeamSpec(id="19:hastings-cp@thread.tacv2", name="Hastings Child Protection Team",
                  tenant="11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead
PRIYA = t.User("Priya Example", "00000000-0000-0000-0000-000000000022")  # NHS Sussex's lead
STAFF = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")
BRIEFING = "2019-01-case-file-audit"
LEARNT = "Invite the police formally, so the strategy discussion is quorate."


@pytest.fixture
async def bot(tmp_path, connector, smtp):
    port = free_port()
    running = await start_bot(tmp_path / "data", connector, smtp, port=port, public_url=f"http://127.0.0.1:{port}")
    yield running
    await running.close()


async def closed_discussion(bot) -> tuple[str, str]:
    """A team links, gets the briefing, records a response (with a postcode) and sends its minutes."""
    url, connector = bot.connector.url, bot.connector
    await bot.post_activity(t.installed(url, TEAM, ANA))
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "sussex-police"}))
    await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    thread, discussion = post.response["id"], post.view.discussion
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                       "answer:learnt": LEARNT,
                                                       "answer:apply": "We met the family at BN21 4UW."}, thread))
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}, thread))
    return thread, discussion


async def get(bot, url: str, **kw):
    async with bot.session.get(url, **kw) as resp:
        return resp.status, await resp.read(), resp.headers


async def test_the_leads_card_links_to_the_word_minutes_by_a_signed_link(bot):
    _, discussion = await closed_discussion(bot)
    [chat] = await bot.connector.wait_for(lambda: bot.connector.personal_chats(SAM.aad))
    link = chat.view.button("Open the minutes (Word)")
    assert link["type"] == "Action.OpenUrl" and "/documents/minutes/" in link["url"]
    status, body, headers = await get(bot, link["url"])  # no admin token: the signature is enough
    assert status == 200 and headers["Content-Disposition"].endswith('.docx"')
    text = docx_text(body)
    assert LEARNT in text and "[removed: postcode]" in text and "BN21" not in text
    import docx

    footer = " ".join(p.text for p in docx.Document(io.BytesIO(body)).sections[0].footer.paragraphs)
    assert "Forwarded to the safeguarding lead of Sussex Police at the request of the East Sussex" in footer

    tampered = link["url"].replace("sig=", "sig=0")
    assert (await get(bot, tampered))[0] == 403
    other = link["url"].replace(discussion, "d-00000000000000000000")
    assert (await get(bot, other))[0] == 403  # a signature is bound to one document
    bare = link["url"].split("?")[0]
    assert (await get(bot, bare))[0] == 403
    bot.deps.clock = lambda: utcnow() + timedelta(days=8)
    assert (await get(bot, link["url"]))[0] == 403  # expired after 7 days


async def test_received_is_shown_on_the_thread_and_only_leads_may_say_so(bot):
    thread, discussion = await closed_discussion(bot)
    [chat] = await bot.connector.wait_for(lambda: bot.connector.personal_chats(SAM.aad))
    received = chat.view.button("Received")
    assert (received["type"], received["verb"], received["data"]) == ("Action.Execute", "acknowledge",
                                                                      {"discussion": discussion})
    url = bot.connector.url
    await bot.post_activity(t.personal_press(url, PRIYA, TEAM.tenant, received))
    assert bot.connector.in_conversation(f"a:personal-{PRIYA.aad}")[-1].text.startswith(
        "Only a safeguarding lead of the team's organisation")
    pressed = await bot.post_activity(t.personal_press(url, SAM, TEAM.tenant, received))
    assert pressed.status == 200
    notice = await bot.connector.wait_for(
        lambda: [s for s in bot.connector.in_conversation(thread) if "received the minutes" in s.text])
    assert notice[0].text.startswith("Sam Example (safeguarding lead, Sussex Police) received the minutes on ")
    minutes = await bot.deps.store.minutes.get(discussion)
    assert [a.name for a in minutes.acknowledgements] == ["Sam Example"]
    await bot.post_activity(t.personal(url, SAM, TEAM.tenant, value=received["data"]))  # twice: recorded once
    assert len((await bot.deps.store.minutes.get(discussion)).acknowledgements) == 1


async def test_the_report_in_every_format_and_the_export(bot):
    _, discussion = await closed_discussion(bot)
    for fmt, expect in (("md", "Regular Case File Audit"), ("csv", "Sussex Police"), ("html", "<!DOCTYPE html>")):
        status, body = await bot.admin_raw("GET", f"/api/briefings/{BRIEFING}/report?format={fmt}")
        assert status == 200 and expect in body.decode()
    status, body = await bot.admin_raw("GET", f"/api/briefings/{BRIEFING}/report?format=docx")
    assert status == 200 and LEARNT in docx_text(body)
    assert (await bot.admin("GET", f"/api/briefings/{BRIEFING}/report?format=pdf"))[0] == 400
    assert (await bot.admin("GET", "/api/briefings/nope/report"))[0] == 404
    status, body = await bot.admin_raw("GET", f"/api/briefings/{BRIEFING}/export?format=csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert {r["team"] for r in rows} == {TEAM.name} and len(rows) == 2
    assert any(r["response"] == "We met the family at [removed: postcode]." for r in rows)
    async with bot.session.get(f"{bot.url}/api/briefings/{BRIEFING}/report") as resp:
        assert resp.status == 401


async def test_staff_get_a_report_card_with_a_working_link(bot):
    await closed_discussion(bot)
    await bot.post_activity(t.personal(bot.connector.url, STAFF, TEAM.tenant, f"report {BRIEFING}"))
    card = bot.connector.in_conversation(f"a:personal-{STAFF.aad}")[-1].view
    facts = card.facts
    assert facts["Reach"] == "1 team in 1 organisation" and facts["Minutes"] == "from 1 team"
    status, body, _ = await get(bot, card.link)
    assert status == 200 and b"Regular Case File Audit" in body
    await bot.post_activity(t.personal(bot.connector.url, ANA, TEAM.tenant, f"report {BRIEFING}"))
    assert bot.connector.in_conversation(f"a:personal-{ANA.aad}")[-1].text == ("Sorry, reports are for board staff and "
                                                                             "safeguarding leads.")


async def test_purge_deletes_what_is_older_than_the_retention_and_audits_it(bot):
    _, discussion = await closed_discussion(bot)
    status, dry = await bot.admin("POST", "/api/purge?dry_run=true")
    assert status == 200 and (dry["responses"], dry["minutes"], dry["dry_run"]) == (0, 0, True)
    bot.deps.clock = lambda: utcnow() + timedelta(days=731)
    status, dry = await bot.admin("POST", "/api/purge?dry_run=true")
    assert (dry["responses"], dry["minutes"]) == (2, 1)
    assert await bot.deps.store.responses.count(discussion) == 2
    status, done = await bot.admin("POST", "/api/purge")
    assert (done["responses"], done["minutes"], done["dry_run"]) == (2, 1, False)
    assert await bot.deps.store.responses.count(discussion) == 0 and await bot.deps.store.minutes.get(discussion) is None
    [entry] = [e for e in await bot.deps.store.meta.audit_log() if e["event"] == "purge" and e["responses"]]
    assert entry["minutes"] == 1 and LEARNT not in str(entry)


async def test_a_leads_digest_covers_only_their_organisation(bot):
    await closed_discussion(bot)
    await bot.post_activity(t.personal(bot.connector.url, SAM, TEAM.tenant, "digest"))
    card = bot.connector.in_conversation(f"a:personal-{SAM.aad}")[-1].card
    assert "Sussex Police" in read(card).texts
    assert "1 team received it, 1 discussed it, minutes from 1 team, 0 outstanding" in str(card)
    await bot.post_activity(t.personal(bot.connector.url, PRIYA, TEAM.tenant, "digest"))
    theirs = bot.connector.in_conversation(f"a:personal-{PRIYA.aad}")[-1].card
    assert "No briefings have reached your organisation's teams yet." in str(theirs)
    await bot.post_activity(t.personal(bot.connector.url, ANA, TEAM.tenant, "digest"))
    assert bot.connector.in_conversation(f"a:personal-{ANA.aad}")[-1].text.startswith("The digest is for safeguarding leads")


async def test_the_report_page_as_a_reader_sees_it_on_a_phone(bot, tmp_path):
    from playwright.async_api import async_playwright

    from tests.playground.conftest import CHROMIUM, CHROMIUM_ARGS, _require

    _require()
    await closed_discussion(bot)
    await bot.post_activity(t.personal(bot.connector.url, STAFF, TEAM.tenant, f"report {BRIEFING}"))
    link = bot.connector.in_conversation(f"a:personal-{STAFF.aad}")[-1].view.link
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.goto(link)
        assert "Regular Case File Audit" in await page.locator("h1").inner_text()
        body = await page.locator("body").inner_text()
        assert LEARNT in body and "[removed: postcode]" in body and "BN21" not in body
        assert "Sussex Police" in body
        chart = page.locator("img").first
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert (await chart.get_attribute("alt")).strip()
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
        await page.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
        await browser.close()


async def test_a_lead_opens_the_teams_thread_and_replies_to_the_team(bot):
    thread, discussion = await closed_discussion(bot)
    [chat] = await bot.connector.wait_for(lambda: bot.connector.personal_chats(SAM.aad))
    card = chat.view
    [post] = bot.connector.channel_posts()
    link = card.button("Open the team's thread")["url"]
    message = post.response["activityId"]
    assert link.startswith(f"https://teams.microsoft.com/l/message/{quote(TEAM.id, safe='')}/{message}?")
    assert f"groupId={t.group_id(TEAM)}" in link and f"tenantId={TEAM.tenant}" in link
    send = card.shown_card("Reply to the team").button("Send the reply")
    url = bot.connector.url

    await bot.post_activity(t.personal_press(url, SAM, TEAM.tenant, send, {"reply": "Call the family on 07700 900123"}))
    await bot.post_activity(t.personal_press(url, PRIYA, TEAM.tenant, send, {"reply": "Not my team"}))
    assert bot.connector.in_conversation(f"a:personal-{PRIYA.aad}")[-1].text.startswith("Only a safeguarding lead")
    answer = await bot.post_activity(t.personal_press(url, SAM, TEAM.tenant, send,
                                                      {"reply": "Thank you: please share the checklist with the panel."}))
    assert answer.status == 200
    replies = await bot.connector.wait_for(
        lambda: [s.text for s in bot.connector.in_conversation(thread) if "replied about the minutes" in s.text])
    assert replies == ["Sam Example (safeguarding lead, Sussex Police) replied about the minutes: Thank you: please "
                       "share the checklist with the panel."]  # the one with a phone number was not sent
    [entry] = [e for e in await bot.deps.store.meta.audit_log() if e.get("event") == "lead_replied"]
    assert entry["by"] == SAM.aad and "checklist" not in str(entry)
