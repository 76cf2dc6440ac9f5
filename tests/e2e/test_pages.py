"""The full pages behind the digest and outstanding cards, over real HTTP: signed for the organisations
the reader may see, expiring like every other link, escaped, and readable on a phone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage.models import utcnow
from tests.cards import read
from tests.fakes import teams as t
from tests.fakes.smtp import free_port
from tests.harness import eventually, start_bot

TENANT = "11111111-1111-1111-1111-111111111111"
HOSTILE = "<script>alert(1)</script> [x](http://evil.example) <at>Everyone</at> " + "Hastings" * 12
POLICE_TEAM = t.TeamSpec(id="19:hastings@thread.tacv2", name=HOSTILE, tenant=TENANT)
NHS_TEAM = t.TeamSpec(id="19:eastbourne@thread.tacv2", name="Eastbourne Health Visiting", tenant=TENANT)
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead
PRIYA = t.User("Priya Example", "00000000-0000-0000-0000-000000000022")  # NHS Sussex's lead
STAFF = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")
BRIEFING = "2019-01-case-file-audit"


@pytest.fixture
async def bot(tmp_path, connector, smtp):
    port = free_port()
    running = await start_bot(tmp_path / "data", connector, smtp, port=port, public_url=f"http://127.0.0.1:{port}")
    url = connector.url
    for team, org in ((POLICE_TEAM, "sussex-police"), (NHS_TEAM, "nhs-sussex")):
        await running.post_activity(t.installed(url, team, ANA))
        await running.post_activity(t.submit(url, team, ANA, {"verb": "link_organisation", "organisation": org}))
    await running.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})

    async def delivered() -> bool:  # the worker records each thread once its post is answered
        posted = await running.deps.store.discussions.list_for_briefing(BRIEFING)
        return len(posted) == 2 and all(d.thread for d in posted)

    assert await eventually(delivered)
    yield running
    await running.close()


async def ask(bot, user: t.User, text: str):
    """What the bot answered `user` in their personal chat, as sent to the connector."""
    before = len(bot.connector.in_conversation(f"a:personal-{user.aad}"))
    await bot.post_activity(t.personal(bot.connector.url, user, TENANT, text))
    sent = bot.connector.in_conversation(f"a:personal-{user.aad}")[before:]
    assert len(sent) == 1, sent
    [attachment] = sent[0].body["attachments"]
    assert len(json.dumps(attachment).encode()) <= 28 * 1024
    return attachment["content"]


async def get(bot, url: str, **kw):
    async with bot.session.get(url, **kw) as resp:
        return resp.status, await resp.text(), resp.headers


async def test_a_leads_digest_page_has_their_teams_only_escaped_and_bound_to_their_organisation(bot):
    card = await ask(bot, SAM, "digest")
    assert read(card).own_buttons == ["Open the full digest"]
    link = read(card).button("Open the full digest")
    assert "/pages/digest/sussex-police?expires=" in link["url"]
    status, page, headers = await get(bot, link["url"])
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "private, no-store" and headers["Content-Encoding"] in ("gzip", "deflate")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page and "<at>" not in page
    assert "Eastbourne" not in page and "Hastings" in page and "not started" in page
    assert "1 team received it, 0 discussed it, minutes from 0 teams, 1 outstanding" in page

    for other in ("nhs-sussex", "nhs-sussex,sussex-police", "sussex-police,nhs-sussex"):
        assert (await get(bot, link["url"].replace("/sussex-police?", f"/{other}?")))[0] == 403
    assert (await get(bot, link["url"].split("?")[0]))[0] == 403
    theirs = read(await ask(bot, PRIYA, "digest")).button("Open the full digest")["url"]
    status, page, _ = await get(bot, theirs)
    assert status == 200 and "Eastbourne Health Visiting" in page and "Hastings" not in page
    bot.deps.clock = lambda: utcnow() + timedelta(days=8)
    assert (await get(bot, link["url"]))[0] == 403  # expired, as every link does after 7 days


async def test_outstanding_pages_for_the_board_and_for_a_lead(bot):
    staff = read(await ask(bot, STAFF, "outstanding")).button("See all 2 outstanding teams")
    assert "/pages/outstanding/all?" in staff["url"]
    status, page, _ = await get(bot, staff["url"])
    assert status == 200 and "Eastbourne Health Visiting" in page and "&lt;script&gt;" in page
    lead = read(await ask(bot, SAM, "outstanding")).link
    assert "/pages/outstanding/sussex-police?" in lead
    status, page, _ = await get(bot, lead)
    assert status == 200 and "Eastbourne" not in page and "&lt;script&gt;" in page
    assert (await get(bot, lead.replace("/sussex-police?", "/all?")))[0] == 403
    narrowed = read(await ask(bot, SAM, f"outstanding {BRIEFING}")).link
    assert f"/pages/outstanding/sussex-police/{BRIEFING}?" in narrowed and (await get(bot, narrowed))[0] == 200


async def test_the_admin_token_opens_any_page_and_unknown_ones_are_not_found(bot):
    headers = {"Authorization": "Bearer test-admin-token-0123456789"}
    assert (await get(bot, f"{bot.url}/pages/digest/nhs-sussex", headers=headers))[0] == 200
    for path in ("/pages/digest/no-such-org", "/pages/digest/all", "/pages/digest/nhs-sussex,nhs-sussex",
                 "/pages/outstanding/no-such-org", "/pages/outstanding/all/no-such-briefing"):
        assert (await get(bot, f"{bot.url}{path}", headers=headers))[0] == 404, path
    assert (await get(bot, f"{bot.url}/pages/outstanding/all"))[0] == 403  # neither signed nor admin


async def test_the_pages_read_on_a_phone(bot, tmp_path):
    from playwright.async_api import async_playwright

    from tests.playground.conftest import CHROMIUM, CHROMIUM_ARGS, _require

    _require()
    links = [read(await ask(bot, SAM, "digest")).button("Open the full digest")["url"],
             read(await ask(bot, STAFF, "outstanding")).link]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        for i, link in enumerate(links):
            await page.goto(link)
            assert (await page.locator("h1").inner_text()).startswith(("Digest: Sussex Police", "Outstanding teams"))
            assert HOSTILE.split(" [")[0] in await page.locator("body").inner_text()  # shown as text, not run
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{link} scrolls sideways by {overflow}px on a phone"
            await page.screenshot(path=str(tmp_path / f"page-{i}-phone.png"), full_page=True)
        await browser.close()


async def test_a_lead_gets_the_report_for_their_own_organisations_teams(bot):
    from tests.cards import read

    card = read(await ask(bot, SAM, f"report {BRIEFING}"))
    assert card.texts[0] == "Report for Sussex Police"
    assert card.facts["Reach"] == "1 team in 1 organisation" and "NHS Sussex" not in card.facts
    link = card.link
    assert f"/reports/{BRIEFING}/sussex-police?" in link
    status, page, _ = await get(bot, link)
    assert status == 200 and "Sussex Police" in page and "NHS Sussex" not in page
    assert (await get(bot, link.replace("/sussex-police?", "/nhs-sussex?")))[0] == 403  # the path is signed
    staff = read(await ask(bot, STAFF, f"report {BRIEFING}"))
    assert staff.texts[0] == "Report for the board" and staff.facts["Reach"] == "2 teams in 2 organisations"
    status, page, _ = await get(bot, staff.link)
    assert "Sussex Police" in page and "NHS Sussex" in page
