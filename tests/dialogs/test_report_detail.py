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
