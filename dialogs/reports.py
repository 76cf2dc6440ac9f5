"""The board's report on a briefing, compiled from the store (responses redacted as in the minutes)."""

from __future__ import annotations

import logging
from typing import Iterable

from content import strings
from content.briefing import parse_cached
from content.list_cards import report_card
from content.impact import answer_label, labels
from content.report import (BriefingReport, ImpactStatement, OrganisationReach, QuestionResponses, ReportResponse,
                            ThemeResponses)
from content.text import LONDON
from storage.models import ActionStatus, BriefingStatus

from .deps import Deps
from .follow_ups import overdue
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


SHOWN_PER_QUESTION = 200  # responses on the report's page and in its Word document; the CSV export has all


async def _minutes_state(deps: Deps, d) -> tuple[bool, bool]:
    """(minutes sent, a lead received them), from the discussion; from its minutes if it was closed by
    a release that did not keep that on it."""
    if not d.closed:
        return False, False
    if d.sent_to and d.acknowledgements:
        return True, True
    minutes = await deps.store.minutes.get(d.id)  # closed before the discussion kept these, or none received yet
    if d.sent_to and minutes is None:
        return True, False  # sent; its minutes since deleted by retention
    return minutes is not None, bool(minutes and minutes.acknowledgements)


async def build_report(deps: Deps, briefing_id: str, organisations: set[str] | None = None, *,
                       detail: int | None = None) -> BriefingReport | None:
    """The report on a briefing: every organisation's teams, or (`organisations`) those only.
    `detail`: at most that many responses shown for each question (0 for the figures alone: the
    card); None for every response (the CSV export). The figures always count every response, from
    what the store knows, without reading every discussion's responses."""
    record = await deps.store.briefings.get(briefing_id)
    if record is None:
        return None
    doc = parse_cached(record.source)
    reach: dict[str, OrganisationReach] = {}
    teams = {t.id: t for t in await deps.store.teams.summaries()}
    included = []
    discuss_by = None
    for d in await deps.store.discussions.summaries(briefing_id):  # what the store keeps of each, not the records
        if not d.posted:  # never delivered
            continue
        team = teams.get(d.team_id)
        # Sent minutes (and the responses in them) count for the organisation they were sent to,
        # even if the team has moved since; discussions not closed yet, for the team's current one.
        organisation_id = await discussion_organisation(deps, d, team)
        if organisations is not None and organisation_id not in organisations:
            continue
        org = deps.directory.organisation(organisation_id)
        key, name = (org.id, org.name) if org else (organisation_id or "", organisation_id or NO_ORGANISATION)
        included.append((d, team, key, name))
        discuss_by = discuss_by or d.discuss_by
    by_discussion = await deps.store.responses.counts_by_question([d.id for d, *_ in included])
    counts = {d: sum(c.values()) for d, c in by_discussion.items()}
    per_question: dict[str, int] = {}
    for c in by_discussion.values():
        for q, n in c.items():
            per_question[q] = per_question.get(q, 0) + n
    for d, team, key, name in included:
        row = reach.setdefault(key, OrganisationReach(organisation_id=key, organisation_name=name))
        row.teams_delivered += 1
        row.teams_discussed += 1 if counts[d.id] else 0
        sent, received = await _minutes_state(deps, d)
        if sent:
            row.minutes_sent += 1
            if d.discuss_by and d.closed_at and d.closed_at.astimezone(LONDON).date() <= d.discuss_by:
                row.on_time += 1
            row.acknowledged += 1 if received else 0
    impact = await _actions(deps, briefing_id, organisations, reach, teams, detail)
    by_question: dict[str, list[ReportResponse]] = {q.id: [] for q in doc.questions()}
    full = detail is None
    for d, team, key, name in sorted(included, key=lambda x: (x[3], x[1].name if x[1] else "")):
        if not full and all(len(by_question.get(q, [])) >= min(detail, n) for q, n in per_question.items()):
            break  # each question has as many as are shown (or all it has): no more logs are read
        if not counts[d.id]:
            continue
        for r in for_minutes(await deps.store.responses.list(d.id)):
            shown = by_question.setdefault(r.question_id, [])
            if not r.active or (not full and len(shown) >= detail):
                continue
            question = doc.question(r.question_id)
            shown.append(ReportResponse(
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
        themes=themes, impact=impact, response_total=sum(counts.values()), shown_per_question=detail)


async def actions_export(deps: Deps, briefing_id: str) -> list[list[object]]:
    """Every action agreed for a briefing, one a row (content.report_render.ACTIONS_EXPORT_COLUMNS)."""
    teams = {t.id: t.name for t in await deps.store.teams.summaries()}
    rows = []
    for a in await deps.store.actions.list(briefing_id=briefing_id):
        org = deps.directory.organisation(a.organisation_id)
        answered = a.updated_at.astimezone(LONDON).date().isoformat() if a.updated_at else ""
        rows.append([a.briefing_id, org.name if org else a.organisation_id, teams.get(a.team_id, ""), a.what, a.owner,
                     a.due.isoformat(), a.embedded, a.status.value, "yes" if overdue(a) else "no", a.update, answered,
                     "impact question" if a.impact_question else "action",
                     answer_label(a.status.value, a.impact_question)])
    return sorted(rows, key=lambda r: (str(r[1]), str(r[2]), str(r[5])))


# The report's counts that each status adds to, for an action and for the impact question (a status
# not listed adds to none: never a field that does not exist).
ACTION_FIELDS = {"counted": "actions_agreed", "done": "actions_done", "partly": "actions_partly",
                 "not_yet": "actions_not_yet", "no_longer_relevant": "actions_no_longer_relevant",
                 "overdue": "actions_overdue"}
QUESTION_FIELDS = {"counted": "impact_asked", "done": "impact_done", "partly": "impact_partly",
                   "not_yet": "impact_not_yet", "no_longer_relevant": "impact_no", "overdue": "impact_overdue"}


async def _actions(deps: Deps, briefing_id: str, organisations: set[str] | None, reach: dict[str, OrganisationReach],
                   teams: dict, detail: int | None) -> list[ImpactStatement]:
    """The briefing's agreed actions (and impact questions) counted into each organisation's row (the
    one its minutes went to; a question once it has been asked), and what changed in practice as
    teams said it (up to `detail` of each kind; None: all)."""
    found = await deps.store.actions.list(organisation_ids=organisations, briefing_id=briefing_id)
    said = []
    for a in found:
        if a.impact_question and a.follow_up_sent_at is None and a.status is ActionStatus.open:
            continue  # not asked yet (or never: the bot left the team): not counted as asked
        org = deps.directory.organisation(a.organisation_id)
        row = reach.setdefault(a.organisation_id, OrganisationReach(
            organisation_id=a.organisation_id, organisation_name=org.name if org else a.organisation_id))
        fields = QUESTION_FIELDS if a.impact_question else ACTION_FIELDS
        counted = [fields["counted"], fields.get(a.status.value)] + ([fields["overdue"]] if overdue(a) else [])
        for field in filter(None, counted):
            setattr(row, field, getattr(row, field) + 1)
        if a.update and a.updated_at:
            team = teams.get(a.team_id)
            said.append(ImpactStatement(organisation_name=row.organisation_name, team_name=team.name if team else "",
                                        action=a.what, status=labels(a.impact_question).get(a.status.value, a.status.value),
                                        change=a.update, date=a.updated_at.astimezone(LONDON).date(),
                                        question=a.impact_question))
    said.sort(key=lambda s: (s.organisation_name, s.team_name, s.date))
    if detail is None:
        return said
    # Each kind keeps its share when the page shows only some of them.
    return [s for s in said if s.question][:detail] + [s for s in said if not s.question][:detail]


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
    report = await build_report(deps, briefing_id, scope, detail=0) if record is not None and (
        staff or record.status is BriefingStatus.published) else None  # a draft is the board's alone
    if report is None:
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
        return
    whom = "the board" if staff else ", ".join(sorted(leads.values()))
    await show(turn, report_card(report, page_link(deps, report_path(briefing_id, scope)), whom),
               f"Report: {report.title}")
