"""Over HTTP, as board staff would in Teams: attach a Word briefing, look at the exact card, send a
test, ask to publish to a chosen team, a second staff member approves in their own chat, and the
team gets it; the admin API will not go round the approver."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cards import read
from tests.fakes import teams as t
from tests.harness import start_bot

ROOT = Path(__file__).resolve().parents[2]
WORD = ROOT / "tests" / "fixtures" / "word"
TENANT = "11111111-1111-1111-1111-111111111111"
ALEX = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")
BLAKE = t.User("Blake Reviewer", "00000000-0000-0000-0000-000000000030")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Team A", TENANT)
OTHER = t.TeamSpec("19:team-b@thread.tacv2", "Team B", TENANT)
DRAFT = "2019-01-regular-case-file-audit-summary-for-practitioners-and-managers"


@pytest.fixture
async def bot(tmp_path, connector, smtp):
    example = (ROOT / "content" / "directory" / "east-sussex.example.yaml").read_text()
    people = (f"    - name: {ALEX.name}\n      aad_object_id: {ALEX.aad}\n"
              f"    - name: {BLAKE.name}\n      aad_object_id: {BLAKE.aad}\n")
    directory = tmp_path / "directory.yaml"
    directory.write_text(example.replace(
        f"  staff:                          # may publish briefings\n    - name: Alex Example\n"
        f"      aad_object_id: {ALEX.aad}\n",
        "  staff:\n" + people + "  approval_required: true\n  approvers:\n" + people))
    running = await start_bot(tmp_path / "data", connector, smtp, directory=directory)
    url = connector.url
    for team, org in ((TEAM, "sussex-police"), (OTHER, "nhs-sussex")):
        await running.post_activity(t.installed(url, team, ANA))
        await running.post_activity(t.submit(url, team, ANA, {"verb": "link_organisation", "organisation": org}))
    yield running
    await running.close()


def chat_with(connector, user):
    return connector.in_conversation(f"a:personal-{user.aad}")


async def test_from_a_word_document_to_the_chosen_team_with_a_second_pair_of_eyes(bot):
    connector, url = bot.connector, bot.connector.url
    download = connector.serve_file("audit.docx", (WORD / "case-file-audit.docx").read_bytes())
    await bot.post_activity(t.personal_file(url, ALEX, TENANT, download, "Case file audit.docx"))
    intro, exact, form = [s for s in chat_with(connector, ALEX) if s.activity.get("type") == "message"]
    assert exact.view.discussion == f"test:{DRAFT}"
    assert form.view.own_buttons == ["Publish", "Send a test to me", "Discard draft"]

    # A test send: the card as a team gets it, its buttons answering and recording nothing.
    await bot.post_activity(t.personal(url, ALEX, TENANT, value=form.view.data("Send a test to me")))
    test = chat_with(connector, ALEX)[-1]
    assert test.card == exact.card

    # Publish to one chosen team: sent to Blake for approval, nothing to teams yet.
    asked = form.view.data("Publish") | {"to": "teams", "teams": OTHER.id}
    assert (await bot.post_activity(t.personal(url, ALEX, TENANT, value=asked))).status == 200
    waiting = await connector.wait_for(lambda: [s for s in connector.sent if s.method == "update"
                                                and "to approve" in str(s.card)])
    assert read(waiting[-1].card).facts["Send to"] == "Chosen teams: 1 team"
    preview, decision = await connector.wait_for(lambda: len(chat_with(connector, BLAKE)) == 2
                                                 and chat_with(connector, BLAKE))
    assert preview.card == exact.card
    assert decision.view.heading.startswith("Approve publishing Regular Case File Audit")
    assert connector.channel_posts() == []
    status, body = await bot.admin("POST", f"/api/briefings/{DRAFT}/publish", json={"to": "all"})
    assert status == 403 and "requires an approver's approval" in body["error"]

    # Blake approves in their own chat: the chosen team gets the briefing, and Alex is told.
    await bot.post_activity(t.personal(url, BLAKE, TENANT, value=decision.view.data("Approve")))
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    assert post.body["channelData"]["channel"]["id"] == OTHER.id
    assert post.view.heading == "Regular Case File Audit: Summary for Practitioners & Managers"
    told = await connector.wait_for(lambda: [s for s in chat_with(connector, ALEX) if "approved publishing" in s.text])
    assert told[-1].text.startswith("Blake Reviewer approved publishing")
    events = [e["event"] for e in await bot.deps.store.meta.audit_log() if e.get("briefing") == DRAFT]
    assert events == ["publish_requested", "publish_approved"]


async def test_the_publishers_card_shows_progress_failures_and_retry(running):
    connector, url = running.connector, running.connector.url
    for team, org in ((TEAM, "sussex-police"), (OTHER, "nhs-sussex")):
        await running.post_activity(t.installed(url, team, ANA))
        await running.post_activity(t.submit(url, team, ANA, {"verb": "link_organisation", "organisation": org}))
    await running.post_activity(t.personal(url, ALEX, TENANT, "publish 2019-01-case-file-audit"))
    form = chat_with(connector, ALEX)[-1]
    connector.fail_in(TEAM.id, 1, 403)  # Team A's post is refused for good
    await running.post_activity(t.personal(url, ALEX, TENANT, value=form.view.data("Publish") | {"to": "all"}))

    def card_says(words):
        return lambda: [s for s in connector.sent if s.method == "update" and s.conversation_id == f"a:personal-{ALEX.aad}"
                        and words in str(s.card)]

    done = (await connector.wait_for(card_says("It reached 1 of 2 teams.")))[-1].view
    assert done.facts["Progress"] == "1 sent, 0 waiting, 1 failed"
    assert "- Team A: the bot was removed from this team, or Teams no longer lets it post there" in done.texts
    assert done.own_buttons == ["Try the failed ones again", "Send a correction"]

    await running.post_activity(t.personal(url, ALEX, TENANT, value=done.data("Try the failed ones again")))
    assert chat_with(connector, ALEX)[-1].text == "Trying the failed ones again: 1 team."
    final = (await connector.wait_for(card_says("It reached every team it was sent to: 2 teams.")))[-1].view
    assert final.facts["Progress"] == "2 sent, 0 waiting, 0 failed" and final.own_buttons == ["Send a correction"]
    assert len(connector.channel_posts()) == 2

    # A correction: the card on every team's thread shows it, updated in place.
    note = "The training dates in Resources have moved to June."
    correct = final.shown_card("Send a correction").data("Send the correction") | {"note": note}
    await running.post_activity(t.personal(url, ALEX, TENANT, value=correct))
    assert chat_with(connector, ALEX)[-1].text == "Correction sent: the briefing's card shows it in 2 teams' threads."
    threads = {p.response["id"] for p in connector.channel_posts()}
    banners = await connector.wait_for(lambda: {s.conversation_id for s in connector.sent if s.method == "update"
                                                and s.conversation_id in threads and note in str(s.card)} == threads)
    assert banners
