"""5,000 teams in one organisation, as the flows see them: every card a lead, the board or a team asks
for stays within what Teams accepts (28 KB), and links to a page with everything, for their
organisations only. Measured before: the digest card was 506 KB and outstanding 391 KB."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio

from content import strings
from content.briefing import bundled_briefings
from dialogs import pages
from dialogs.digest import digest_page_html
from dialogs.outstanding import outstanding_page_html
from dialogs.publishing import publish, upload_briefing
from storage.models import ConversationRef, Minutes, Team
from tests.content.large_cards import team_name
from tests.content.test_cards_at_scale import sent_bytes
from tests.fakes import teams as t
from tests.fakes.chat import Chat

TEAMS = 5_000
URL = "http://connector.invalid"
TENANT = "11111111-1111-1111-1111-111111111111"
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead
PRIYA = t.User("Priya Example", "00000000-0000-0000-0000-000000000022")  # NHS Sussex's lead
STAFF = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")
FIRST = t.TeamSpec("19:t0000@thread.tacv2", team_name(0), TENANT)
MAX_BYTES = 28 * 1024
# Building 15,000 discussions takes seconds: once for the module (the tests only read them).
pytestmark = pytest.mark.asyncio(loop_scope="module")


def _briefing_source(n: int) -> str:
    source = bundled_briefings()[0][1]
    return source.replace("id: 2019-01-case-file-audit", f"id: 2026-{n:02d}-case-file-audit", 1).replace(
        'title: "Regular Case File Audit', f'title: "Number {n}: Regular Case File Audit', 1)


async def crowded(briefings: int = 3) -> Chat:
    """5,000 teams of Sussex Police with 100-character names; each briefing posted to all of them some
    weeks ago; two in five have sent their minutes."""
    chat = Chat()
    chat.deps.clock = lambda: NOW
    for i in range(TEAMS):
        team_id = f"19:t{i:04d}@thread.tacv2"
        await chat.store.teams.upsert(Team(
            id=team_id, name=team_name(i), tenant_id=TENANT, organisation_id="sussex-police",
            general=ConversationRef(service_url=URL, conversation_id=team_id, tenant_id=TENANT)))
    for n in range(briefings):
        record, _ = await upload_briefing(_briefing_source(n), chat.deps)
        await publish(record.id, "all", chat.deps)
        for i, d in enumerate(await chat.store.discussions.list_for_briefing(record.id)):
            d.thread = ConversationRef(service_url=URL, conversation_id=f"{d.team_id};messageid={i}")
            d.opened_at = NOW - timedelta(days=20 + i % 60)
            if i % 5 < 2:
                d.closed_at, d.closed_by = NOW - timedelta(days=i % 10), "Ana"
                await chat.store.minutes.put(Minutes(discussion_id=d.id, organisation_id="sussex-police",
                                                     body={}, markdown=""))
            await chat.store.discussions.put(d)
    return chat


def signed(path: str) -> str:
    return f"https://bot.example.org{path}?expires=1&sig=x"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def chat():
    c = await crowded()
    c.deps.link = signed
    return c


async def test_the_leads_digest_fits_and_links_to_every_team(chat):
    reply = await chat.say(t.personal(URL, SAM, TENANT, "digest"))
    assert sent_bytes(reply.card) <= MAX_BYTES, sent_bytes(reply.card)
    assert "5,000 teams received it, 0 discussed it, minutes from 2,000 teams, 3,000 outstanding" in reply.card_texts
    assert reply.view.own_buttons == ["Open the full digest"]
    assert reply.view.button("Open the full digest")["url"] == signed("/pages/digest/sussex-police")


async def test_outstanding_fits_for_the_board_and_the_lead(chat):
    for user, path in ((STAFF, "/pages/outstanding/all"), (SAM, "/pages/outstanding/sussex-police")):
        reply = await chat.say(t.personal(URL, user, TENANT, "outstanding"))
        assert sent_bytes(reply.card) <= MAX_BYTES, sent_bytes(reply.card)
        assert "9,000 teams have not sent their minutes yet." in reply.view.texts
        assert reply.view.own_buttons == ["See all 9,000 outstanding teams"]
        assert reply.view.button("See all 9,000 outstanding teams") == {
            "type": "Action.OpenUrl", "title": "See all 9,000 outstanding teams", "url": signed(path)}
    narrowed = await chat.say(t.personal(URL, SAM, TENANT, "outstanding 2026-01-case-file-audit"))
    assert narrowed.view.button("See all 3,000 outstanding teams")["url"] == signed(
        "/pages/outstanding/sussex-police/2026-01-case-file-audit")
    assert "3,000 teams have not sent their minutes yet." in narrowed.view.texts
    theirs = await chat.say(t.personal(URL, PRIYA, TENANT, "outstanding"))
    assert "Every team has sent its minutes." in theirs.view.texts and theirs.view.buttons == []


async def test_every_other_card_fits(chat):
    replies = [
        await chat.say(t.personal(URL, STAFF, TENANT, "report 2026-00-case-file-audit")),
        (await chat.send(t.personal(URL, STAFF, TENANT, "publish 2026-01-case-file-audit")))[-1],
        await chat.say(t.personal(URL, STAFF, TENANT, "briefings")),
        await chat.say(t.mention(URL, FIRST, STAFF, "briefings")),
        await chat.say(t.mention(URL, FIRST, STAFF, "status")),
    ]
    for reply in replies:
        assert reply.card and sent_bytes(reply.card) <= MAX_BYTES, (reply, sent_bytes(reply.card))
    assert replies[1].view.input("to")["choices"][0]["title"].startswith("All registered teams (5,000 teams")


async def test_the_pages_list_every_team_escaped_and_only_the_organisations_asked_for(chat):
    page = await digest_page_html(chat.deps, {"sussex-police"})  # a line of counts, then every team, per briefing
    assert page.count("Children&#x27;s Social Care") == 3 * TEAMS and "<at>" not in page and "&lt;at&gt;" in page
    assert page.count("<li>") == 3 * (TEAMS + 1)
    assert page.count("https://bot.example.org/documents/minutes/sussex-police/") == 3 * 2_000
    board = await outstanding_page_html(chat.deps, None, None)
    assert board.count("<li>") == 3 * 3_000 + 1 and "[click here](http://evil.example/login)" in board
    narrowed = await outstanding_page_html(chat.deps, {"sussex-police"}, "2026-02-case-file-audit")
    assert narrowed.count("<li>") == 3_000 + 1 and "Number 0:" not in narrowed
    assert (await outstanding_page_html(chat.deps, {"nhs-sussex"}, None)).count("<li>") == 0


async def test_without_a_public_address_the_lead_is_told_what_to_do_and_the_operator_once(monkeypatch, caplog):
    c = await crowded(briefings=1)
    monkeypatch.setattr(pages._Once, "told", False)
    with caplog.at_level(logging.WARNING, logger="dialogs.pages"):
        digest = await c.say(t.personal(URL, SAM, TENANT, "digest"))
        outstanding = await c.say(t.personal(URL, STAFF, TENANT, "outstanding"))
    for reply in (digest, outstanding):
        assert strings.NO_LINK_LIST in reply.card_texts and "actions" not in reply.card
        assert "LEARNING_BOT" not in str(reply.card)
    assert [r.getMessage() for r in caplog.records] == [
        "cards cannot link to documents or pages: LEARNING_BOT_PUBLIC_URL is not set"]
