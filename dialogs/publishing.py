"""Board staff publish briefings: upload, choose an audience, queue one delivery per team."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from content import strings
from content.briefing import parse_briefing, parse_cached
from content.cards import check_fits
from content.text import LONDON, format_date, quote
from storage.models import Briefing, BriefingStatus, Delivery, DeliveryKind, Discussion, stable_id

from .deps import Deps
from .inbound import Inbound
from .privacy_gate import briefing_findings
from .send import say, settle
from .turn import Turn

log = logging.getLogger(__name__)


class PublishError(Exception):
    """A publish request that cannot be carried out; the message is for the user."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Published:
    briefing: Briefing
    queued: int
    skipped: int


def delivery_id(briefing_id: str, team_id: str) -> str:
    return stable_id("post", briefing_id, team_id)


async def upload_briefing(source: str, deps: Deps) -> tuple[Briefing, bool]:
    """Validate and store a briefing. Returns (record, created). Raises ContentError or PublishError."""
    doc = parse_briefing(source)
    check_fits(doc)
    existing = await deps.store.briefings.get(doc.id)
    if existing is not None:
        if existing.source == source:
            return existing, False
        if existing.status is BriefingStatus.published:
            raise PublishError(
                f"briefing '{doc.id}' has already been published and cannot be changed; "
                "give the revised briefing a new id", status=409)
    record = Briefing(id=doc.id, title=doc.title, issued=doc.issued, board=doc.board, source=source)
    await deps.store.briefings.put(record)
    log.info("briefing stored id=%s", doc.id)
    return record, existing is None


def audiences(deps: Deps) -> list[tuple[str, str]]:
    """(value, title) choices for the publish card."""
    return [("all", "All registered teams")] + [
        (f"org:{o.id}", f"Teams of {o.name}") for o in deps.directory.organisations
    ]


def parse_discuss_by(raw: object, today: date) -> date | None:
    """The publisher's optional 'discuss by' date (YYYY-MM-DD), not in the past."""
    if raw in (None, ""):
        return None
    try:
        when = date.fromisoformat(str(raw))
    except ValueError:
        raise PublishError("'discuss_by' must be a date, YYYY-MM-DD", status=400) from None
    if when < today:
        raise PublishError(f"'discuss_by' ({when.isoformat()}) is in the past")
    return when


def identifier_findings(record: Briefing, deps: Deps) -> list[str]:
    """What in the briefing looks like an identifier: "a phone number (line 80)"."""
    found = briefing_findings(record.source, parse_cached(record.source), deps.directory.case_reference_patterns)
    return [str(f) for f in found]


async def publish(briefing_id: str, to: str, deps: Deps, discuss_by: date | None = None,
                  allow_identifiers: bool = False) -> Published:
    """Queue the briefing for every active team in the audience `to` (all, org:ID or team:ID).
    A briefing with what looks like an identifier needs `allow_identifiers` (the publisher's word)."""
    record = await deps.store.briefings.get(briefing_id)
    if record is None:
        raise PublishError(f"no briefing with id '{briefing_id}'", status=404)
    found = identifier_findings(record, deps)
    if found and not allow_identifiers:
        raise PublishError(
            "the briefing contains what looks like " + "; ".join(found) + ". If none of it identifies anyone, "
            "list published contacts under public_contacts in the briefing, or confirm with allow_identifiers")
    kind, _, target = (to or "").partition(":")
    if kind == "all" and not target:
        teams = await deps.store.teams.list()
    elif kind == "org" and target:
        if deps.directory.organisation(target) is None:
            raise PublishError(f"unknown organisation '{target}'")
        teams = await deps.store.teams.list(organisation_id=target)
    elif kind == "team" and target:
        team = await deps.store.teams.get(target)
        if team is None or not team.active:
            raise PublishError(f"unknown or inactive team '{target}'")
        teams = [team]
    else:
        raise PublishError("'to' must be 'all', 'org:<organisation id>' or 'team:<team id>'", status=400)
    rows = [
        Delivery(id=delivery_id(record.id, t.id), group=record.id, kind=DeliveryKind.briefing_post,
                 team_id=t.id, briefing_id=record.id)
        for t in teams
    ]
    # The discussion exists before its card is posted, so the card's buttons always find it.
    await deps.store.discussions.create([
        Discussion(id=Discussion.make_id(record.id, t.id), briefing_id=record.id, team_id=t.id, discuss_by=discuss_by)
        for t in teams
    ])
    added = await deps.store.outbox.enqueue(rows)
    if record.status is not BriefingStatus.published and rows:
        record.status = BriefingStatus.published
        await deps.store.briefings.put(record)
    log.info("briefing published id=%s to=%s queued=%d skipped=%d", record.id, kind, len(added), len(rows) - len(added))
    return Published(record, len(added), len(rows) - len(added))


async def publish_confirm(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not deps.directory.is_board_staff(inbound.user_aad):
        await say(turn, strings.STAFF_ONLY.format(board=deps.directory.board.name))
        return
    value = inbound.value or {}
    briefing_id, to = value.get("briefing"), value.get("to") or "all"
    if not isinstance(briefing_id, str) or not isinstance(to, str):
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
        return
    try:
        discuss_by = parse_discuss_by(value.get("discuss_by"), deps.clock().astimezone(LONDON).date())
        result = await publish(briefing_id, to, deps, discuss_by, value.get("allow_identifiers") is True)
    except PublishError as exc:
        await say(turn, f"Not published: {quote(exc, limit=300)}.")  # it may name what the card sent back
        return
    if result.queued + result.skipped == 0:
        await say(turn, strings.PUBLISH_NO_TEAMS)
        return
    await settle(turn, strings.published(result.briefing.title, result.queued, result.skipped))
    await say(turn, strings.published(result.briefing.title, result.queued, result.skipped))


async def discuss_command(turn: Turn, inbound: Inbound, deps: Deps, team_id: str, briefing_id: str) -> None:
    """Post a briefing into this team's channel now (a team asking for it itself)."""
    if not briefing_id:
        await say(turn, strings.BRIEFING_ID_NEEDED.format(command="discuss", example=await example_id(deps)))
        return
    record = await deps.store.briefings.get(briefing_id)
    if record is None or record.status is not BriefingStatus.published:  # a draft is the board's alone
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
        return
    existing = await deps.store.outbox.get(delivery_id(briefing_id, team_id))
    if existing is not None:
        await say(turn, strings.ALREADY_POSTED.format(title=record.title, date=format_date(existing.created_at)))
        return
    await publish(briefing_id, f"team:{team_id}", deps)
    await say(turn, strings.POSTING.format(title=record.title))


async def example_id(deps: Deps) -> str:
    briefings = [b for b in await deps.store.briefings.list() if b.status is BriefingStatus.published]
    return briefings[-1].id if briefings else "2019-01-case-file-audit"
