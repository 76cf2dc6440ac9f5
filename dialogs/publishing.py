"""Board staff publish briefings: upload, choose an audience, queue one delivery per team."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from content import strings
from content.briefing import BriefingDoc, parse_briefing, parse_cached
from content.cards import check_fits
from content.text import format_date
from storage.models import (Briefing, BriefingStatus, Delivery, DeliveryKind, DeliveryStatus, Discussion, Team,
                            stable_id)
from storage.protocols import Superseded

from .deps import Deps
from .inbound import Inbound
from .privacy_gate import briefing_findings
from .send import say
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


@dataclass(frozen=True)
class Audience:
    """Who a briefing goes to: every registered team, the teams of some organisations, or some teams."""
    kind: str  # "all", "orgs" or "teams"
    ids: tuple[str, ...] = ()

    @classmethod
    def from_to(cls, to: str) -> "Audience":
        """The admin API's and earlier cards' form: all, org:<id> or team:<id>."""
        kind, _, target = (to or "").partition(":")
        if kind == "all" and not target:
            return cls("all")
        if kind in ("org", "team") and target:
            return cls(f"{kind}s", (target,))
        raise PublishError("'to' must be 'all', 'org:<organisation id>' or 'team:<team id>'", status=400)


async def audience_teams(audience: Audience, deps: Deps, strict: bool = True) -> list[Team]:
    """The active teams an audience reaches now. `strict`: an unknown or removed team is an error;
    otherwise it is left out (a team removed between a request and its sending)."""
    if audience.kind == "all":
        return await deps.store.teams.list()
    if audience.kind == "orgs":
        teams: list[Team] = []
        for org_id in dict.fromkeys(audience.ids):
            if deps.directory.organisation(org_id) is None:
                if strict:
                    raise PublishError(f"unknown organisation '{org_id}'")
                continue
            teams += await deps.store.teams.list(organisation_id=org_id)
        return teams
    if audience.kind == "teams":
        chosen = []
        for team_id in dict.fromkeys(audience.ids):
            team = await deps.store.teams.get(team_id)
            if team is None or not team.active:
                if strict:
                    raise PublishError(f"unknown or inactive team '{team_id}'")
                continue
            chosen.append(team)
        return chosen
    raise PublishError("the audience must be all teams, some organisations or some teams", status=400)


async def retry_delivery(delivery_id: str, deps: Deps, *, only_failed: bool) -> Delivery | None:
    """Queue a delivery again from its first attempt; None if it was sent (or, `only_failed`, is
    not failed). Read afresh under a lock: two presses, or a press as the worker sends it, never
    put a sent delivery back in the queue."""
    async with deps.lock(f"delivery:{delivery_id}"):
        delivery = await deps.store.outbox.get(delivery_id)
        if delivery is None or delivery.status is DeliveryStatus.sent or (
                only_failed and delivery.status is not DeliveryStatus.failed):
            return None
        delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.pending, 0, deps.clock()
        delivery.leased_until = None
        try:
            await deps.store.outbox.update(delivery)
        except KeyError:  # pruned as it was read (a spent card update): nothing to send again
            return None
        except Superseded:  # another replica is sending it, or has sent it
            return None
    log.info("delivery queued again id=%s", delivery.id)
    return delivery


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


MAX_FOLLOW_UP_WEEKS = 52


def parse_follow_up_weeks(raw: object) -> int | None:
    """The publisher's optional weeks until a team that sent minutes without actions is asked whether
    the learning changed its practice: 0 (never) to 52; None when not given (the briefing's own)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        number = float(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not 0 <= number <= MAX_FOLLOW_UP_WEEKS:
        raise PublishError("the weeks before teams are asked whether it changed their practice (follow_up_weeks) "
                           f"must be a whole number from 0 (never ask) to {MAX_FOLLOW_UP_WEEKS}", status=400)
    return int(number)


def identifier_findings(record: Briefing, deps: Deps) -> list[str]:
    """What in the briefing looks like an identifier: "a phone number (line 80)"."""
    found = briefing_findings(record.source, parse_cached(record.source), deps.directory.case_reference_patterns)
    return [str(f) for f in found]


def findings_by_part(source: str, doc: BriefingDoc, deps: Deps) -> list[str]:
    """What in the briefing looks like an identifier, by kind and the part it is in: "a phone
    number (in Background)", as someone who wrote it in Word finds it."""
    out = []
    for finding in briefing_findings(source, doc, deps.directory.case_reference_patterns):
        section = next((s.heading for s in reversed(doc.sections) if s.line and s.line <= finding.line), None)
        where = f"in {section}" if section else "in the title, date or questions"
        out.append(f"{finding.described} ({where})")
    return out


async def publish(briefing_id: str, to: str | Audience, deps: Deps, discuss_by: date | None = None,
                  allow_identifiers: bool = False, strict: bool = True, request: str | None = None,
                  follow_up_weeks: int | None = None) -> Published:
    """Queue the briefing for every active team in the audience (`to`: all, org:ID or team:ID).
    A briefing with what looks like an identifier needs `allow_identifiers` (the publisher's word).
    `follow_up_weeks`: when to ask a team that agreed no actions about impact (None: the briefing's)."""
    record = await deps.store.briefings.get(briefing_id)
    if record is None:
        raise PublishError(f"no briefing with id '{briefing_id}'", status=404)
    found = identifier_findings(record, deps)
    if found and not allow_identifiers:
        raise PublishError(
            "the briefing contains what looks like " + "; ".join(found) + ". If none of it identifies anyone, "
            "list published contacts under public_contacts in the briefing, or confirm with allow_identifiers")
    audience = to if isinstance(to, Audience) else Audience.from_to(to)
    teams = await audience_teams(audience, deps, strict)
    rows = [
        Delivery(id=delivery_id(record.id, t.id), group=record.id, kind=DeliveryKind.briefing_post,
                 team_id=t.id, briefing_id=record.id, payload={"request": request} if request else {})
        for t in teams
    ]
    # The discussion exists before its card is posted, so the card's buttons always find it.
    await deps.store.discussions.create([
        Discussion(id=Discussion.make_id(record.id, t.id), briefing_id=record.id, team_id=t.id, discuss_by=discuss_by,
                   follow_up_weeks=follow_up_weeks)
        for t in teams
    ])
    added = await deps.store.outbox.enqueue(rows)
    if record.status is not BriefingStatus.published and rows:
        record.status = BriefingStatus.published
        await deps.store.briefings.put(record)
    log.info("briefing published id=%s to=%s queued=%d skipped=%d", record.id, audience.kind, len(added),
             len(rows) - len(added))
    return Published(record, len(added), len(rows) - len(added))


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
