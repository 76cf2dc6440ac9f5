"""Help, the list of briefings and a team's status: what people ask to find their way."""

from __future__ import annotations

from content.cards import help_card
from content.list_cards import list_card
from content.text import escape_md, format_date, plural
from storage.models import Briefing, BriefingStatus, DeliveryKind, DeliveryStatus, PublishState

from .deps import Deps
from .inbound import Inbound
from .publish_requests import describe_state, load_request
from .publishing import delivery_id
from .send import show
from .turn import Turn

TEAM_COMMANDS = [
    ("help", "What I can do"),
    ("briefings", "The learning briefings, and which are in this team"),
    ("discuss ID", "Post a briefing here now, by its id (see briefings), e.g. discuss 2019-01-case-file-audit"),
    ("status", "This team's discussions: responses so far, minutes sent"),
    ("organisation", "Which organisation this team belongs to (its minutes go to that lead)"),
    ("attribution", "How minutes attribute responses: attribution names, or attribution team"),
]
PERSONAL_COMMANDS = [
    ("help", "What I can do"),
    ("briefings", "The learning briefings"),
]
STAFF_COMMANDS = [("publish ID", "Preview a briefing, by its id (see briefings), and send it to teams"),
                  ("drafts", "Briefings not published yet. To add one, attach a Word briefing (.docx) here")]
LEAD_COMMANDS = [("report ID", "Reach and engagement for a briefing (a lead's: their teams), with the full report"),
                 ("outstanding", "Teams that have not sent their minutes yet (add a briefing id to narrow it)"),
                 ("digest", "Your organisation's teams: briefings received, discussed, minutes sent (leads)"),
                 ("actions", "What your teams agreed to change: open and overdue actions, by team (leads)"),
                 ("minutes daily", "Every team's minutes in one card and one email each working day (leads; "
                                   "minutes each: as they come)")]


async def help_(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if inbound.scope == "team":
        await show(turn, help_card("In a channel, mention me with:", TEAM_COMMANDS,
                                   "To record, edit or withdraw responses, or close a discussion, use the buttons "
                                   "on the briefing's thread."),
                   "What I can do")
        return
    staff = deps.directory.is_board_staff(inbound.user_aad)
    lead = bool(deps.directory.lead_organisations(inbound.user_aad))
    commands = PERSONAL_COMMANDS + (STAFF_COMMANDS if staff else []) + (LEAD_COMMANDS if staff or lead else [])
    await show(turn, help_card("In this chat you can say:", commands,
                               f"I carry learning briefings from the {deps.directory.board.name} to practitioner "
                               "teams, and their minutes to safeguarding leads."), "What I can do")


async def briefings(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """The published briefings; board staff, in their own chat, see the drafts too."""
    staff = inbound.scope == "personal" and deps.directory.is_board_staff(inbound.user_aad)
    rows = []
    for b in reversed(await deps.store.briefings.list()):
        if b.status is not BriefingStatus.published and not staff:
            continue
        where = f" \u00B7 {await briefing_state(b, deps)}" if staff else ""
        if inbound.team_id:
            d = await deps.store.outbox.get(delivery_id(b.id, inbound.team_id))
            where = f" \u00B7 posted here {format_date(d.sent_at)}" if d and d.status is DeliveryStatus.sent else (
                " \u00B7 on its way here" if d and d.status is DeliveryStatus.pending else " \u00B7 not posted here")
        rows.append((b.id, f"{b.title} ({b.issued}){where}"))
    await show(turn, list_card("Learning briefings", rows, "No briefings yet.",
                               lambda n: f"\u2026and {plural(n, 'earlier briefing')}, not shown here."),
               "Learning briefings")


async def briefing_state(record: Briefing, deps: Deps) -> str:
    """Where a briefing is, for board staff: draft, awaiting approval, scheduled, publishing N of M,
    published to N teams (and how many failed)."""
    request = await load_request(record.id, deps)
    if request is not None and not request.state.final:
        return describe_state(request, deps)
    posts = [d for d in await deps.store.outbox.list_group(record.id) if d.kind is DeliveryKind.briefing_post]
    if record.status is BriefingStatus.draft or not posts:
        rejected = request is not None and request.state is PublishState.rejected
        return f"draft, rejected by {escape_md(request.decided_by_name or '')}" if rejected else "draft"
    sent = sum(d.status is DeliveryStatus.sent for d in posts)
    failed = sum(d.status is DeliveryStatus.failed for d in posts)
    state = (f"publishing: {sent:,} of {plural(len(posts), 'team')} so far" if sent + failed < len(posts)
             else f"published to {plural(sent, 'team')}")
    return state + (f", {failed:,} failed" if failed else "")


async def status(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    team = await deps.store.teams.get(inbound.team_id or "")
    rows = []
    if team is not None:
        org = deps.directory.organisation(team.organisation_id)
        rows.append(("Organisation", org.name if org else "Not linked yet: mention me with organisation"))
        # The latest first: a team that has had many briefings sees its current ones.
        discussions = sorted(await deps.store.discussions.list_for_team(team.id),
                             key=lambda d: (d.closed, -d.opened_at.timestamp()))
        for d in discussions:
            record = await deps.store.briefings.get(d.briefing_id)
            count = await deps.store.responses.count(d.id)
            if d.closed:
                state = f"minutes sent {format_date(d.closed_at)} by {escape_md(d.closed_by or '')}"
            elif d.thread is None:
                state = f"waiting to be posted, {plural(count, 'response')}"
            else:
                state = f"open since {format_date(d.opened_at)}, {plural(count, 'response')}"
            rows.append((record.title if record else d.briefing_id, state))
    await show(turn, list_card("This team's discussions", rows, "Nothing yet.",
                               lambda n: f"\u2026and {plural(n, 'earlier discussion')}, not shown here."),
               "This team's discussions")
