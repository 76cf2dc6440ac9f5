"""The report's figures count every response; its page and Word document show at most so many for each
question (the CSV export has them all), reading only as many discussions as that takes."""

from __future__ import annotations

from content.briefing import bundled_briefings
from content.report_render import report_markdown, responses_csv
from dialogs.publishing import publish, upload_briefing
from dialogs.reports import build_report
from storage.models import Author, ConversationRef, Response, Team
from tests.fakes.chat import Chat

URL = "http://connector.invalid"
TENANT = "11111111-1111-1111-1111-111111111111"
BRIEFING = "2019-01-case-file-audit"


async def a_briefing_with_responses(teams: int = 12, each: int = 5) -> Chat:
    chat = Chat()
    for i in range(teams):
        team_id = f"19:r{i:03d}@thread.tacv2"
        await chat.store.teams.upsert(Team(id=team_id, name=f"Team {i:03d}", tenant_id=TENANT,
                                           organisation_id="sussex-police",
                                           general=ConversationRef(service_url=URL, conversation_id=team_id)))
    await upload_briefing(bundled_briefings()[0][1], chat.deps)
    await publish(BRIEFING, "all", chat.deps)
    for i, d in enumerate(await chat.store.discussions.list_for_briefing(BRIEFING)):
        d.thread = ConversationRef(service_url=URL, conversation_id=f"{d.team_id};messageid={i}")
        await chat.store.discussions.put(d)
        await chat.store.responses.add([Response(
            id=Response.make_id(d.id, f"k{j}"), discussion_id=d.id, question_id="learnt", text=f"{i}-{j}",
            author=Author(name="Ana"), idempotency_key=f"k{j}") for j in range(each)])
    return chat


async def test_the_figures_count_every_response_and_the_page_shows_some(monkeypatch):
    chat = await a_briefing_with_responses()
    read = []
    listed = chat.store.responses.list

    async def counting(discussion_id: str):
        read.append(discussion_id)
        return await listed(discussion_id)

    monkeypatch.setattr(chat.store.responses, "list", counting)
    everything = await build_report(chat.deps, BRIEFING)
    assert everything.responses == 60 and everything.detail_note is None and len(read) == 12

    read.clear()
    card = await build_report(chat.deps, BRIEFING, detail=0)
    assert (card.responses, card.teams_delivered, card.teams_discussed) == (60, 12, 12) and read == []

    read.clear()
    page = await build_report(chat.deps, BRIEFING, detail=7)
    [learnt] = [q for t in page.themes for q in t.questions if q.id == "learnt"]
    assert len(learnt.responses) == 7 and page.responses == 60
    assert len(read) < 12  # reading stopped once each question had what it shows
    assert page.detail_note.startswith("Showing 7 of the 60 responses: at most 7 for each question.")
    assert "Showing 7 of the 60 responses" in report_markdown(page)
    assert responses_csv(everything).count("\n") == 61  # the export: a header and every response


async def test_a_purge_is_audited_even_if_pruning_the_outbox_fails(monkeypatch):
    from datetime import timedelta

    from dialogs.retention import purge
    from storage.protocols import StoreError
    from storage.models import utcnow

    chat = await a_briefing_with_responses(teams=1, each=1)
    [old] = await chat.store.responses.list((await chat.store.discussions.list_for_briefing(BRIEFING))[0].id)
    old.created_at = utcnow() - timedelta(days=800)
    await chat.store.responses.replace(old)

    async def broken(*args, **kwargs):
        raise StoreError("cannot write outbox/x.jsonl: No space left on device")

    monkeypatch.setattr(chat.store.outbox, "prune", broken)
    try:
        await purge(chat.deps, 730)
    except StoreError:
        pass
    [entry] = [e for e in await chat.store.meta.audit_log() if e.get("event") == "purge"]
    assert entry["responses"] == 1  # what retention deleted is on record


async def test_a_second_received_repairs_a_count_a_crash_left_behind():
    from dialogs.acknowledge import mark_received
    from storage.models import Minutes

    chat = await a_briefing_with_responses(teams=1, each=1)
    [d] = await chat.store.discussions.list_for_briefing(BRIEFING)
    d.closed_at, d.closed_by, d.sent_to = d.opened_at, "Ana", "sussex-police"
    await chat.store.discussions.put(d)
    await chat.store.minutes.put(Minutes(discussion_id=d.id, organisation_id="sussex-police", body={}, markdown=""))
    org = chat.deps.directory.organisation("sussex-police")
    team = await chat.store.teams.get(d.team_id)
    lead = next(l for l in org.safeguarding_leads if l.aad_object_id)
    await mark_received(chat.deps, d, team, org, lead)
    lost = await chat.store.discussions.get(d.id)
    lost.acknowledgements = 0  # the discussion's write lost in a crash after the minutes'
    await chat.store.discussions.put(lost)
    assert (await build_report(chat.deps, BRIEFING, detail=0)).acknowledged == 1  # the minutes still say so
    await mark_received(chat.deps, d, team, org, lead)  # pressed again
    assert (await chat.store.discussions.get(d.id)).acknowledgements == 1
