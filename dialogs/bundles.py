"""Minutes by the day: a safeguarding lead with many teams may have every team's minutes in one card
and one email each working day (at BUNDLE_TIME, UK time) instead of each as it comes.

The choice is the lead's, made in Teams (so only a lead the directory knows by Teams id can make
it). Minutes waiting for a bundle are kept as ids in the store, bound to the organisation they were
sent to; at the bundle time they become one Teams delivery and one email delivery in the outbox."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from content import strings
from content.calendar import is_working_day, next_working_day
from content.directory import Lead
from content.minutes import BundledMinutes, CompiledMinutes
from content.text import LONDON, format_date, format_datetime, quote
from storage.models import ConversationRef, Delivery, DeliveryKind, Discussion, Minutes, Team, stable_id

from .acknowledge import as_lead, document_path, mark_received
from .deps import Deps
from .forwarding import plan_forwarding
from .inbound import Inbound
from .send import note, say, settle
from .thread import thread_link
from .turn import Turn

log = logging.getLogger(__name__)
BUNDLE_TIME = time(8, 0)  # UK time, each working day: the minutes closed since the last bundle
PREFERENCES = "lead-preferences"  # meta: {"daily": [Teams ids of leads who chose one bundle a day]}
WAITING = "minutes-bundles"  # meta: {"bundles": {key: {due, organisation_id, lead..., discussions}}}
BUNDLE_KINDS = (DeliveryKind.bundle_teams, DeliveryKind.bundle_email)


def next_bundle_at(now: datetime) -> datetime:
    """The next bundle time after `now`: BUNDLE_TIME on a working day in England and Wales."""
    local = now.astimezone(LONDON)
    day = local.date()
    if not is_working_day(day) or local.time() >= BUNDLE_TIME:
        day = next_working_day(day + timedelta(days=1))
    return datetime.combine(day, BUNDLE_TIME, LONDON)


async def daily_leads(deps: Deps) -> set[str]:
    return set(((await deps.store.meta.get(PREFERENCES)) or {}).get("daily", []))


async def _choose(deps: Deps, lead_aad: str, daily: bool) -> None:
    async with deps.lock(PREFERENCES):
        chosen = await daily_leads(deps)
        if (lead_aad in chosen) != daily:
            chosen = chosen | {lead_aad} if daily else chosen - {lead_aad}
            await deps.store.meta.put(PREFERENCES, {"daily": sorted(chosen)})
    if not daily:  # what was waiting for their bundle goes now, not at the bundle time
        async with deps.lock(WAITING):
            waiting = (await deps.store.meta.get(WAITING)) or {"bundles": {}}
            mine = [e for e in waiting["bundles"].values() if e["lead_aad"] == lead_aad]
            for entry in mine:
                entry["due"] = deps.clock().isoformat()
            if mine:
                await deps.store.meta.put(WAITING, waiting)


async def forward_minutes(team: Team, discussion: Discussion, minutes: Minutes, deps: Deps) -> list[Delivery]:
    """The deliveries that forward closed minutes: each as it comes to the leads who want that; for
    those who chose a daily bundle, the minutes wait for it (and the team is told when they go)."""
    org = deps.directory.organisation(minutes.organisation_id)
    daily = await daily_leads(deps)
    bundled = [lead for lead in (org.safeguarding_leads if org else [])
               if lead.aad_object_id and lead.aad_object_id in daily]
    rows = plan_forwarding(team, discussion, minutes, deps, skip={lead.aad_object_id for lead in bundled})
    if not bundled:
        return rows
    due = await _wait(deps, discussion, minutes.organisation_id, bundled)
    later = strings.bundled([lead.name for lead in bundled], _when(due))
    for row in rows:
        row.payload["bundled"] = later  # the thread's notice says it, once the others are sent
    if not rows:  # every lead chose the bundle: the thread is told now
        rows.append(Delivery(id=stable_id("notice", discussion.id, "minutes", ""), group=discussion.id,
                             kind=DeliveryKind.thread_notice, team_id=discussion.team_id,
                             discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                             payload={"text": later}))
    return rows


def _when(due: datetime) -> str:
    return f"{format_date(due)} at {due.astimezone(LONDON):%H:%M}"


def _key(organisation_id: str, lead_aad: str) -> str:
    return f"{organisation_id}|{lead_aad}"


async def _wait(deps: Deps, discussion: Discussion, organisation_id: str, leads: list[Lead]) -> datetime:
    """Add the discussion's minutes to each lead's next bundle; when it goes."""
    async with deps.lock(WAITING):
        waiting = (await deps.store.meta.get(WAITING)) or {"bundles": {}}
        due = next_bundle_at(deps.clock())
        for lead in leads:
            entry = waiting["bundles"].setdefault(_key(organisation_id, lead.aad_object_id or ""), {
                "due": due.isoformat(), "organisation_id": organisation_id, "lead_aad": lead.aad_object_id,
                "lead_name": lead.name, "lead_email": lead.email, "discussions": []})
            if discussion.id not in entry["discussions"]:
                entry["discussions"].append(discussion.id)
            due = min(due, datetime.fromisoformat(entry["due"]))
        await deps.store.meta.put(WAITING, waiting)
    return due


async def due_bundles(deps: Deps, now: datetime | None = None) -> list[Delivery]:
    """The bundles whose time has come, queued (a Teams card and, with mail, an email each)."""
    now = now or deps.clock()
    async with deps.lock(WAITING):
        waiting = (await deps.store.meta.get(WAITING)) or {"bundles": {}}
        due = {key: entry for key, entry in waiting["bundles"].items() if datetime.fromisoformat(entry["due"]) <= now}
        if not due:
            return []
        rows = []
        for key, entry in due.items():
            payload = {k: entry[k] for k in ("organisation_id", "lead_name", "lead_email", "discussions", "due")}
            rows.append(Delivery(id=stable_id("bundle", entry["due"], key, "teams"), group=f"bundle-{entry['due'][:10]}",
                                 kind=DeliveryKind.bundle_teams, recipient=entry["lead_aad"], payload=payload))
            if deps.mail_enabled:
                rows.append(Delivery(id=stable_id("bundle", entry["due"], key, "email"),
                                     group=f"bundle-{entry['due'][:10]}", kind=DeliveryKind.bundle_email,
                                     recipient=entry["lead_email"], payload=payload))
        queued = await deps.store.outbox.enqueue(rows)  # stable ids: queued once, even if this is run again
        for key in due:
            del waiting["bundles"][key]
        await deps.store.meta.put(WAITING, waiting)
    log.info("daily bundles of minutes queued count=%d", len(due))
    return queued


async def bundle_contents(d: Delivery, deps: Deps) -> tuple[list[BundledMinutes], ConversationRef | None]:
    """The minutes in a bundle delivery, as they are now: those still kept and still the organisation's
    (retention may have deleted some); and a team channel of the same tenant to reach the lead through.
    Empty when the recipient is no longer a lead of that organisation."""
    org = deps.directory.organisation(d.payload.get("organisation_id", ""))
    lead = next((l for l in (org.safeguarding_leads if org else [])
                 if (d.recipient or "").lower() in ((l.aad_object_id or "").lower(), l.email.lower())), None)
    if org is None or lead is None:
        return [], None
    items, via = [], None
    for discussion_id in d.payload.get("discussions", []):
        discussion = await deps.store.discussions.get(discussion_id)
        minutes = await deps.store.minutes.get(discussion_id)
        team = await deps.store.teams.get(discussion.team_id) if discussion else None
        if minutes is None or team is None or minutes.organisation_id != org.id:
            continue
        via = via or team.general
        items.append(BundledMinutes(discussion_id, CompiledMinutes.model_validate(minutes.body),
                                    url=deps.link(document_path(discussion_id, org.id)),
                                    thread_url=thread_link(team, discussion, org)))
    return items, via


def bundle_day(d: Delivery) -> str:
    due = d.payload.get("due")
    return format_date(datetime.fromisoformat(due)) if due else ""


async def acknowledge_bundle(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Received, for every team's minutes in a bundle: each team's thread is told, as for one."""
    bundle_id = (inbound.value or {}).get("bundle")
    bundle = await deps.store.outbox.get(bundle_id) if isinstance(bundle_id, str) and bundle_id else None
    if bundle is None or bundle.kind is not DeliveryKind.bundle_teams:
        await say(turn, strings.BUNDLE_GONE)
        return
    done, at = [], None
    for discussion_id in bundle.payload.get("discussions", []):
        found = await as_lead(deps, discussion_id, inbound.user_aad)  # each checked: card data is the client's
        if found is not None:
            acknowledgement = await mark_received(deps, *found)
            done.append(found[1].name)
            at = at or acknowledgement.at
    if not done:
        await say(turn, strings.NOT_THE_LEAD)
        return
    await settle(turn, strings.BUNDLE_RECEIVED.format(teams=", ".join(quote(n) for n in dict.fromkeys(done)),
                                                      when=format_datetime(at)))


async def minutes_delivery(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """The lead's choice from a card's button: one bundle a day, or each as it comes."""
    await _set(turn, inbound, deps, str((inbound.value or {}).get("daily")).lower() == "true")


async def minutes_command(turn: Turn, inbound: Inbound, deps: Deps, rest: str) -> None:
    """`minutes daily`, `minutes each`, or `minutes` to see the current choice."""
    choice = rest.strip().lower()
    if choice in ("daily", "bundle", "once a day"):
        await _set(turn, inbound, deps, True)
    elif choice in ("each", "as they come"):
        await _set(turn, inbound, deps, False)
    elif not deps.directory.lead_organisations(inbound.user_aad):
        await say(turn, strings.MINUTES_LEADS_ONLY)
    else:
        daily = (inbound.user_aad or "").lower() in await daily_leads(deps)
        await say(turn, strings.MINUTES_CHOICE_NOW.format(
            now=strings.daily_choice(_when(next_bundle_at(deps.clock()))) if daily else strings.EACH_CHOICE))


async def _set(turn: Turn, inbound: Inbound, deps: Deps, daily: bool) -> None:
    aad = (inbound.user_aad or "").lower()
    if not aad or not deps.directory.lead_organisations(aad):
        await say(turn, strings.MINUTES_LEADS_ONLY)
        return
    await _choose(deps, aad, daily)
    await deps.store.meta.audit({"event": "minutes_delivery_chosen", "by": aad, "daily": daily,
                                 "at": deps.clock().isoformat()})
    log.info("a lead chose how minutes arrive daily=%s", daily)
    await note(turn, strings.daily_choice(_when(next_bundle_at(deps.clock()))) if daily else strings.EACH_CHOSEN, True)
