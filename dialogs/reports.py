"""The board's report on a briefing, compiled from the store (responses redacted as in the minutes)."""

from __future__ import annotations

import logging
from typing import Iterable

from content import strings
from content.briefing import parse_cached
from content.list_cards import report_card
from content.report import BriefingReport, OrganisationReach, QuestionResponses, ReportResponse, ThemeResponses
from content.text import LONDON
from storage.models import BriefingStatus

from .deps import Deps
from .forwarding import discussion_organisation
from .inbound import Inbound
from .pages import page_link
from .privacy_gate import for_minutes
from .send import say, show
from .turn import Turn

log = logging.getLogger(__name__)
NO_ORGANISATION = "(no organisation yet)"


def report_path(briefing_id: str, organisation_ids: Iterable[str] | None = None) -> str:
    """The report's page; a lead's names their organisations in the signed path, so a link cannot be
    turned into another organisation's."""
    scope = "" if organisation_ids is None else "/" + ",".join(sorted(set(organisation_ids)))
    return f"/reports/{briefing_id}{scope}"


async def build_report(deps: Deps, briefing_id: str, organisations: set[str] | None = None) -> BriefingReport | None:
    """The report on a briefing: every organisation's teams, or (`organisations`) those only."""
    record = await deps.store.briefings.get(briefing_id)
    if record is None:
        return None
    doc = parse_cached(record.source)
    reach: dict[str, OrganisationReach] = {}
    by_question: dict[str, list[ReportResponse]] = {q.id: [] for q in doc.questions()}
    discuss_by = None
    for d in await deps.store.discussions.list_for_briefing(briefing_id):
        if d.thread is None:  # never delivered
            continue
        team = await deps.store.teams.get(d.team_id)
        # Sent minutes (and the responses in them) count for the organisation they were sent to,
        # even if the team has moved since; discussions not closed yet, for the team's current one.
        organisation_id = await discussion_organisation(deps, d, team)
        if organisations is not None and organisation_id not in organisations:
            continue
        org = deps.directory.organisation(organisation_id)
        key, name = (org.id, org.name) if org else (organisation_id or "", organisation_id or NO_ORGANISATION)
        row = reach.setdefault(key, OrganisationReach(organisation_id=key, organisation_name=name))
        row.teams_delivered += 1
        discuss_by = discuss_by or d.discuss_by
        responses = [r for r in for_minutes(await deps.store.responses.list(d.id)) if r.active]
        if responses:
            row.teams_discussed += 1
        minutes = await deps.store.minutes.get(d.id)
        if minutes is not None:
            row.minutes_sent += 1
            if d.discuss_by and d.closed_at and d.closed_at.astimezone(LONDON).date() <= d.discuss_by:
                row.on_time += 1
            if minutes.acknowledgements:
                row.acknowledged += 1
        for r in responses:
            question = doc.question(r.question_id)
            by_question.setdefault(r.question_id, []).append(ReportResponse(
                organisation_name=name, team_name=team.name if team else "", question_id=r.question_id,
                question=question.text if question else r.question_id, text=r.text,
                date=r.created_at.astimezone(LONDON).date()))
    themes = [ThemeResponses(theme=t.theme, questions=[
        QuestionResponses(id=q.id, text=q.text, responses=sorted(by_question.get(q.id, []),
                                                                  key=lambda x: (x.organisation_name, x.team_name, x.date)))
        for q in t.questions]) for t in doc.prompts]
    return BriefingReport(
        briefing_id=doc.id, title=doc.title, issued_label=doc.issued_label, board=doc.board, discuss_by=discuss_by,
        generated_at=deps.clock(), organisations=sorted(reach.values(), key=lambda o: o.organisation_name),
        themes=themes)


async def report_command(turn: Turn, inbound: Inbound, deps: Deps, briefing_id: str) -> None:
    """`report <id>`: a summary card with a link to the full report; every organisation for board
    staff, their own organisations' teams for a safeguarding lead."""
    staff = deps.directory.is_board_staff(inbound.user_aad)
    leads = {o.id: o.name for o in deps.directory.lead_organisations(inbound.user_aad)}
    if not staff and not leads:
        await say(turn, strings.REPORT_REFUSED)
        return
    if not briefing_id:
        await say(turn, strings.BRIEFING_ID_NEEDED.format(command="report", example="2019-01-case-file-audit"))
        return
    record = await deps.store.briefings.get(briefing_id)
    scope = None if staff else set(leads)
    report = await build_report(deps, briefing_id, scope) if record is not None and (
        staff or record.status is BriefingStatus.published) else None  # a draft is the board's alone
    if report is None:
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
        return
    whom = "the board" if staff else ", ".join(sorted(leads.values()))
    await show(turn, report_card(report, page_link(deps, report_path(briefing_id, scope)), whom),
               f"Report: {report.title}")
