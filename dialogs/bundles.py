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
from content.cards import minutes_bundle_card
from content.text import LONDON, format_date, format_datetime
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
    if not daily:  # what was waiting for their bundle goes at the next quarter hour, not at the bundle time
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
    dues = await _wait(deps, discussion, minutes.organisation_id, bundled)
    later = " ".join(strings.bundled(name, _when(due, deps.clock())) for name, due in dues.items())
    for row in rows:
        row.payload["bundled"] = later  # the thread's notice says it, once the others are sent
    if not rows:  # every lead chose the bundle: the thread is told now (and where the minutes went is kept)
        rows.append(Delivery(id=stable_id("notice", discussion.id, "minutes", ""), group=discussion.id,
                             kind=DeliveryKind.thread_notice, team_id=discussion.team_id,
                             discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                             payload={"text": later, "organisation_id": minutes.organisation_id}))
    return rows


def _when(due: datetime, now: datetime) -> str:
    if due <= now:  # waiting for the scheduler's next quarter hour
        return "today, within a quarter of an hour"
    return f"on {format_date(due)} at {due.astimezone(LONDON):%H:%M}"


async def leads_described(deps: Deps, organisation_id: str | None, *, with_organisation: bool = True) -> list[str]:
    """The organisation's leads, each saying when minutes sent now reach those who chose a daily bundle."""
    org = deps.directory.organisation(organisation_id)
    if org is None:
        return ["the safeguarding lead"]
    daily = await daily_leads(deps)
    when = _when(next_bundle_at(deps.clock()), deps.clock())
    notes = [([org.name] if with_organisation else []) + ([f"in their daily bundle {when}"]
                                                          if lead.aad_object_id in daily else [])
             for lead in org.safeguarding_leads]
    return [lead.name + (f" ({'; '.join(n)})" if n else "") for lead, n in zip(org.safeguarding_leads, notes)]


async def still_waiting(deps: Deps, discussion_id: str) -> set[str]:
    """The Teams ids of leads whose bundle with this discussion's minutes has not gone yet."""
    waiting = (await deps.store.meta.get(WAITING)) or {"bundles": {}}
    return {e["lead_aad"] for e in waiting["bundles"].values() if discussion_id in e["discussions"]}


def _key(organisation_id: str, lead_aad: str) -> str:
    return f"{organisation_id}|{lead_aad}"


async def _wait(deps: Deps, discussion: Discussion, organisation_id: str, leads: list[Lead]) -> dict[str, datetime]:
    """Add the discussion's minutes to each lead's next bundle; when each goes, by lead's name."""
    async with deps.lock(WAITING):
        waiting = (await deps.store.meta.get(WAITING)) or {"bundles": {}}
        dues = {}
        for lead in leads:
            entry = waiting["bundles"].setdefault(_key(organisation_id, lead.aad_object_id or ""), {
                "due": next_bundle_at(deps.clock()).isoformat(), "organisation_id": organisation_id,
                "lead_aad": lead.aad_object_id, "lead_name": lead.name, "discussions": []})
            if discussion.id not in entry["discussions"]:
                entry["discussions"].append(discussion.id)
            dues[lead.name] = datetime.fromisoformat(entry["due"])
        await deps.store.meta.put(WAITING, waiting)
    return dues


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
            org = deps.directory.organisation(entry["organisation_id"])
            lead = next((l for l in (org.safeguarding_leads if org else []) if l.aad_object_id == entry["lead_aad"]), None)
            if lead is None:  # no longer that organisation's lead: the minutes go to its leads now, as they come
                rows += await _replan(deps, entry)
                continue
            payload = {"organisation_id": entry["organisation_id"], "lead_name": lead.name, "lead_email": lead.email,
                       "discussions": entry["discussions"], "due": entry["due"]}
            # The id names what is in it: run again after a crash with more added, it is a new bundle
            # (sent twice at worst), never one that leaves the newcomers out.
            contents = ",".join(entry["discussions"])
            rows.append(Delivery(id=stable_id("bundle", entry["due"], key, contents, "teams"),
                                 group=f"bundle-{entry['due'][:10]}", kind=DeliveryKind.bundle_teams,
                                 recipient=entry["lead_aad"], payload=payload))
            if deps.mail_enabled:
                rows.append(Delivery(id=stable_id("bundle", entry["due"], key, contents, "email"),
                                     group=f"bundle-{entry['due'][:10]}", kind=DeliveryKind.bundle_email,
                                     recipient=lead.email, payload=payload))
        queued = await deps.store.outbox.enqueue(rows)
        for key in due:
            del waiting["bundles"][key]
        await deps.store.meta.put(WAITING, waiting)
    log.info("daily bundles of minutes queued count=%d", len(due))
    return queued


async def _replan(deps: Deps, entry: dict) -> list[Delivery]:
    """A bundle whose lead has left the organisation: each discussion's minutes to its leads now."""
    rows = []
    for discussion_id in entry["discussions"]:
        discussion = await deps.store.discussions.get(discussion_id)
        minutes = await deps.store.minutes.get(discussion_id)
        team = await deps.store.teams.get(discussion.team_id) if discussion else None
        if discussion is not None and minutes is not None and team is not None \
                and minutes.organisation_id == entry["organisation_id"]:
            rows += plan_forwarding(team, discussion, minutes, deps)
    log.info("a bundle's lead is no longer listed: its minutes go to the organisation's leads rows=%d", len(rows))
    return rows


def failed_notices(d: Delivery) -> list[Delivery]:
    """A bundle that could not be sent, for good: each team's thread is told, as for minutes."""
    text = strings.forwarded("minutes", [], [f"{d.payload.get('lead_name', 'the lead')} (daily bundle, "
                                             f"{'email' if d.kind is DeliveryKind.bundle_email else 'Teams chat'})"])
    rows = []
    for discussion_id in d.payload.get("discussions", []):
        rows.append(Delivery(id=stable_id("bundle-failed", d.id, discussion_id), group=discussion_id,
                             kind=DeliveryKind.thread_notice, discussion_id=discussion_id, payload={"text": text}))
    return rows


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
        if team.tenant_id in (org.tenant_ids or [team.tenant_id]):  # reach the lead through their own tenant
            via = via or team.general
        items.append(BundledMinutes(discussion_id, CompiledMinutes.model_validate(minutes.body),
                                    url=deps.link(document_path(discussion_id, org.id)),
                                    thread_url=thread_link(team, discussion, org),
                                    corrections=[(a.author.name or "A team member", format_datetime(a.created_at),
                                                  a.text) for a in minutes.addenda]))
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
    items, _ = await bundle_contents(bundle, deps)  # what the card shows, as it is now
    upto = (inbound.value or {}).get("upto")
    seen = items[:upto] if isinstance(upto, int) and upto >= 0 else items  # without email: those on the card
    done, at = 0, None
    for item in seen:
        found = await as_lead(deps, item.discussion_id, inbound.user_aad)  # each checked: card data is the client's
        if found is not None:
            acknowledgement = await mark_received(deps, *found)
            done += 1
            at = at or acknowledgement.at
    if not done:
        await say(turn, strings.NOT_THE_LEAD if items else strings.BUNDLE_GONE)
        return
    # The card stays, with its links, saying it was received; each team sees it on its thread.
    await settle(turn, minutes_bundle_card(items, bundle_day(bundle), bundle_id=bundle.id, mail=deps.mail_enabled,
                                           received=strings.BUNDLE_RECEIVED.format(when=format_datetime(at))))


async def minutes_delivery(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """The lead's choice from a card's button: one bundle a day, or each as it comes."""
    choice = str((inbound.value or {}).get("daily")).lower()
    if choice not in ("true", "false"):
        await minutes_command(turn, inbound, deps, "")
        return
    await _set(turn, inbound, deps, choice == "true")


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
        now = (strings.daily_choice(_when(next_bundle_at(deps.clock()), deps.clock()), deps.mail_enabled) if daily
               else strings.EACH_CHOICE)
        await say(turn, strings.MINUTES_CHOICE_NOW.format(now=now))


async def _set(turn: Turn, inbound: Inbound, deps: Deps, daily: bool) -> None:
    aad = (inbound.user_aad or "").lower()
    if not aad or not deps.directory.lead_organisations(aad):
        await say(turn, strings.MINUTES_LEADS_ONLY)
        return
    await _choose(deps, aad, daily)
    await deps.store.meta.audit({"event": "minutes_delivery_chosen", "by": aad, "daily": daily,
                                 "at": deps.clock().isoformat()})
    log.info("a lead chose how minutes arrive daily=%s", daily)
    await note(turn, strings.daily_choice(_when(next_bundle_at(deps.clock()), deps.clock()), deps.mail_enabled)
               if daily else strings.EACH_CHOSEN, True)
