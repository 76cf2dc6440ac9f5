"""Digests for safeguarding leads: on request in chat, and weekly by email when something changed."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from content import strings
from content.digest import (Digest, DigestBriefing, Outstanding, SentMinutes, combine, digest_html, digest_page,
                            digest_text)
from content.list_cards import digest_card
from content.text import LONDON, format_date, format_datetime
from storage.models import Delivery, DeliveryKind, DiscussionSummary, TeamSummary, stable_id

from .acknowledge import document_path
from .deps import Deps
from .follow_ups import overdue
from .forwarding import discussion_organisation
from .inbound import Inbound
from .pages import digest_path, page_link
from .send import say, show
from .turn import Turn

log = logging.getLogger(__name__)
DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


async def build_digests(deps: Deps, organisation_ids: set[str], now: datetime | None = None) -> dict[str, Digest]:
    """Each organisation's own digest, in one pass over what the store keeps of each discussion (its
    summary, the responses' counts): a partnership of thousands of teams reads no log and no record."""
    now = now or deps.clock()
    teams: dict[str, TeamSummary] = {t.id: t for t in await deps.store.teams.summaries()}
    rows: dict[str, list[DigestBriefing]] = {o: [] for o in organisation_ids}
    actions: dict[tuple[str, str], Counter[str]] = {}  # (briefing, organisation) -> actions by state
    for a in await deps.store.actions.list(organisation_ids=organisation_ids):
        if a.impact_question:
            continue  # the impact question is not an action the team agreed (its answer reaches the lead)
        states = actions.setdefault((a.briefing_id, a.organisation_id), Counter())
        states[a.status.value] += 1
        states["overdue"] += 1 if overdue(a) else 0
    for briefing in await deps.store.briefings.list():
        mine: list[tuple[DiscussionSummary, TeamSummary, str]] = []
        for d in await deps.store.discussions.summaries(briefing.id):
            team = teams.get(d.team_id)
            if not d.posted or team is None:
                continue
            # Sent minutes stay with the organisation they went to; open discussions follow the team.
            organisation_id = await discussion_organisation(deps, d, team)
            if organisation_id in organisation_ids:
                mine.append((d, team, organisation_id))
        counts = await deps.store.responses.counts([d.id for d, _, _ in mine])
        by_organisation: dict[str, DigestBriefing] = {}
        for d, team, organisation_id in mine:
            row = by_organisation.get(organisation_id)
            if row is None:
                row = by_organisation[organisation_id] = DigestBriefing(
                    briefing_id=briefing.id, title=briefing.title, delivered=0, discussed=0, minutes=[],
                    outstanding=[])
            row.delivered += 1
            count = counts[d.id]
            row.discussed += 1 if count else 0
            if d.closed_at is not None:
                row.minutes.append(SentMinutes(team=team.name, closed=format_date(d.closed_at), closed_at=d.closed_at,
                                               url=deps.link(document_path(d.id, organisation_id))))
            else:
                row.outstanding.append(Outstanding(team=team.name, days=max(0, (now - d.opened_at).days),
                                                   responses=count))
        for organisation_id, row in by_organisation.items():
            row.outstanding.sort(key=lambda o: -o.days)
            row.actions = dict(actions.get((briefing.id, organisation_id), {}))
            rows[organisation_id].append(row)
    names = {o.id: o.name for o in deps.directory.organisations}
    return {o: Digest(organisations=[names[o]] if o in names else [], briefings=rows[o]) for o in organisation_ids}


async def digest_command(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    orgs = deps.directory.lead_organisations(inbound.user_aad)
    if not orgs:
        await say(turn, strings.DIGEST_LEADS_ONLY)
        return
    digest = await lead_digest(deps, {o.id for o in orgs})
    await show(turn, digest_card(digest, page_link(deps, digest_path(o.id for o in orgs))), "Your digest")


async def lead_digest(deps: Deps, organisation_ids: set[str]) -> Digest:
    """A digest of several organisations, with counts for each (a lead of more than one)."""
    digests = await build_digests(deps, organisation_ids)
    return combine([(o.name, digests[o.id]) for o in deps.directory.organisations if o.id in organisation_ids])


async def digest_page_html(deps: Deps, organisation_ids: set[str]) -> str:
    """The full digest behind the card (the signed page)."""
    return digest_page(await lead_digest(deps, organisation_ids), format_datetime(deps.clock()))


def _last_slot(now: datetime, day: str, time: str) -> datetime | None:
    """The most recent digest time (UK time) at or before `now`, or None when digests are off."""
    if day == "OFF":
        return None
    local = now.astimezone(LONDON)
    hour, minute = (int(x) for x in time.split(":"))
    monday = (local - timedelta(days=local.weekday())).replace(hour=hour, minute=minute, second=0, microsecond=0)
    slot = monday + timedelta(days=DAYS.index(day))
    return slot if slot <= local else slot - timedelta(days=7)


async def due_digests(deps: Deps, day: str = "MON", time: str = "08:00", now: datetime | None = None) -> list[Delivery]:
    """The weekly digest emails, queued once a week at the scheduled time (or, when the bot was not
    running then, as soon as it is back), to every lead whose digest has something in it and
    changed since the last one sent."""
    now = now or deps.clock()
    slot = _last_slot(now, day, time)
    if slot is None or not deps.mail_enabled:
        return []
    last = (await deps.store.meta.get("digest:last")) or {}
    if last.get("slot") and datetime.fromisoformat(last["slot"]) >= slot:
        return []  # sent for this time already (or for a later one, before the day was changed)
    if not last and ((await deps.store.meta.get("digest:week")) or {}).get("week") == slot.strftime("%G-W%V"):
        return []  # sent this week by a release that kept only the week
    when = slot.strftime("%Y-%m-%dT%H:%M")
    queued = []
    digests = await build_digests(deps, {org.id for org in deps.directory.organisations}, now)
    for org in deps.directory.organisations:
        digest = digests[org.id]
        if not digest.briefings:
            continue
        fingerprint = digest.fingerprint()
        for lead in org.safeguarding_leads:
            key = f"digest:{org.id}:{lead.email.lower()}"
            if ((await deps.store.meta.get(key)) or {}).get("fingerprint") == fingerprint:
                continue
            greeting = f"Dear {lead.name},"
            queued += await deps.store.outbox.enqueue([Delivery(
                id=stable_id("digest", when, org.id, lead.email.lower()), group=f"digests-{when[:10]}",
                kind=DeliveryKind.digest_email, recipient=lead.email,
                payload={"lead_name": lead.name, "subject": f"Weekly digest: {org.name}, learning briefings",
                         "text": digest_text(digest, greeting), "html": digest_html(digest, greeting)})])
            await deps.store.meta.put(key, {"fingerprint": fingerprint, "slot": when})
    await deps.store.meta.put("digest:last", {"slot": slot.isoformat()})
    log.info("weekly digests queued slot=%s count=%d", when, len(queued))
    return queued
