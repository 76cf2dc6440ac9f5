"""A lead with many teams chooses one bundle of minutes a working day: over HTTP, with the local Bot
Connector fake and an SMTP server. Three teams close their discussions; the lead gets nothing until
the bundle time, then one card and one email with every team's minutes and Word documents; one
Received tells every team; the choice can be undone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dialogs.bundles import due_bundles, next_bundle_at
from tests.cards import read
from tests.fakes import teams as t
from tests.fakes.smtp import free_port
from tests.harness import start_bot

TENANT = "11111111-1111-1111-1111-111111111111"
TEAMS = [t.TeamSpec(f"19:bundle-{i}@thread.tacv2", f"Bundle Team {i}", TENANT) for i in range(4)]
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000031")
SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead
SAM_EMAIL = "sam@police.example.org"


@pytest.fixture
async def running(tmp_path, connector, smtp):
    """The bot with a public address: its cards carry signed links to the Word documents."""
    port = free_port()
    bot = await start_bot(tmp_path / "data", connector, smtp, port=port, public_url=f"http://127.0.0.1:{port}")
    yield bot
    await bot.close()


async def post(running, activity) -> dict:
    async with running.session.post(f"{running.url}/api/messages", json=activity) as resp:
        assert resp.status == 200
        return await resp.json() if resp.content_length else {}


async def close_a_discussion(running, team: t.TeamSpec, post_card) -> str:
    """One response, then Close and Confirm: the team's minutes are sent."""
    url, thread = running.connector.url, post_card.response["id"]
    card = post_card.view
    submit = card.shown_card("Record responses").button("Submit responses")
    await post(running, t.press(url, team, ANA, submit, {"answer:learnt": f"{team.name} learnt to ask"}, thread))
    review = read((await post(running, t.press(url, team, ANA, card.button("Close and send minutes"), None, thread)))["value"])
    await post(running, t.press(url, team, ANA, review.button("Confirm and send"), None, thread))
    return thread


def notices(running, thread: str) -> list[str]:
    return [s.text for s in running.connector.in_conversation(thread) if s.text]


async def test_a_lead_gets_one_bundle_a_working_day_and_one_received_tells_every_team(running):
    connector, url = running.connector, running.connector.url
    await post(running, t.personal(url, SAM, TENANT, text="minutes daily"))
    [said] = await connector.wait_for(lambda: connector.personal_chats(SAM.aad))
    assert "one bundle of minutes each working day at 8am" in said.text

    for team in TEAMS:
        await running.post_activity(t.installed(url, team, ANA))
        await running.post_activity(t.submit(url, team, ANA, {"verb": "link_organisation", "organisation": "sussex-police"}))
    await running.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    posts = await connector.wait_for(lambda: [p for p in connector.channel_posts()] if len(connector.channel_posts()) == 4
                                     else [])
    cards = {team.id: next(p for p in posts if p.response["id"].startswith(team.id)) for team in TEAMS}
    due = next_bundle_at(datetime.now(timezone.utc))
    threads = [await close_a_discussion(running, team, cards[team.id]) for team in TEAMS[:3]]

    # Each team is told when its minutes go; the lead gets nothing yet, by chat or email.
    for thread in threads:
        [notice] = await connector.wait_for(lambda thread=thread: [n for n in notices(running, thread) if "bundle" in n])
        assert notice in (f"The minutes will reach Sam Example in their daily bundle of minutes on "
                          f"{when:%-d %B %Y} at 08:00." for when in (due, next_bundle_at(datetime.now(timezone.utc))))
    assert len(connector.personal_chats(SAM.aad)) == 1 and smtp_to(running) == []
    # A correction before the bundle goes waits for it, and goes in it.
    correction = {"verb": "correction", "discussion": cards[TEAMS[0].id].view.discussion,
                  "correction": "We met on the 3rd, not the 2nd."}
    await post(running, t.execute(url, TEAMS[0], ANA, "correction", correction, threads[0]))
    addenda = [d for d in await running.deps.store.outbox.list_group(cards[TEAMS[0].id].view.discussion)
               if d.kind.startswith("addendum")]
    assert addenda == []

    # The bundle time: one card and one email, with every team's minutes.
    queued = await due_bundles(running.deps, due + timedelta(days=5))
    assert sorted(d.kind for d in queued) == ["bundle_email", "bundle_teams"]
    assert await due_bundles(running.deps, due + timedelta(days=5)) == []  # once
    [bundle] = await connector.wait_for(lambda: connector.personal_chats(SAM.aad)[1:])
    card = bundle.view
    assert card.heading == "Minutes from 3 teams"
    assert [n for n in card.texts if n.startswith("**Bundle Team")] == [f"**Bundle Team {i}**: Regular Case File Audit: "
                                                                         "Summary for Practitioners & Managers"
                                                                         for i in range(3)]
    documents = [b["url"] for b in card.buttons if b["title"] == "Word document"]
    assert len(documents) == 3 and len([b for b in card.buttons if b["title"] == "Open the thread"]) == 3
    async with running.session.get(documents[0]) as resp:
        assert resp.status == 200 and (await resp.read())[:2] == b"PK"  # the team's Word document
    [email] = await wait_for_mail(running)
    assert email["Subject"] == f"Team minutes from 3 teams: {due:%-d %B %Y}"
    attached = [part.get_filename() for part in email.iter_attachments()]
    assert len(attached) == 3 and all(name.endswith(".docx") for name in attached)
    body = email.get_body(("plain",)).get_content()
    assert all(f"Bundle Team {i} learnt to ask" in body for i in range(3))
    assert "We met on the 3rd, not the 2nd." in body  # the correction, with the minutes it corrects
    assert "1 correction since" in card.text("Bundle Team 0") or "1 correction since" in card.all_text

    # One Received: every team's thread says so, and the card keeps its links.
    received = await post(running, t.personal_press(url, SAM, TENANT, card.button("Received")))
    assert received["type"] == "application/vnd.microsoft.card.adaptive"
    kept = read(received["value"])
    assert kept.heading == "Minutes from 3 teams" and "Received by you on" in kept.all_text
    assert len([b for b in kept.buttons if b["title"] == "Word document"]) == 3 and not kept.has_button("Received")
    for thread in threads:
        await connector.wait_for(lambda thread=thread: [n for n in notices(running, thread) if "received the minutes" in n])

    # Back to each as it comes: the next team's minutes go straight away.
    back = await post(running, t.personal_press(url, SAM, TENANT, card.button("Send minutes as they come instead")))
    assert "as soon as it sends them" in str(back)
    assert await running.deps.store.meta.get("lead-preferences") == {"daily": []}
    await close_a_discussion(running, TEAMS[3], cards[TEAMS[3].id])
    straight = await connector.wait_for(lambda: [s for s in connector.personal_chats(SAM.aad)
                                                 if s.card and "has discussed a learning briefing" in s.view.all_text])
    assert "Bundle Team 3" in straight[0].view.all_text


def smtp_to(running) -> list:
    return running.smtp.to(SAM_EMAIL)


async def wait_for_mail(running):
    from tests.harness import eventually

    async def arrived():
        return smtp_to(running)

    return await eventually(arrived)
