"""Minutes (and corrections) to the safeguarding leads: planning deliveries and the thread's notice
(also for the answers to a follow-up, which go to the leads as impact updates)."""

from __future__ import annotations

from typing import Any

from content import strings
from content.text import format_time
from storage.models import (Addendum, Delivery, DeliveryKind, DeliveryStatus, Discussion, DiscussionSummary, Minutes, Team,
                            TeamSummary, stable_id)

from .deps import Deps

MINUTES_KINDS = (DeliveryKind.minutes_teams, DeliveryKind.minutes_email)
ADDENDUM_KINDS = (DeliveryKind.addendum_teams, DeliveryKind.addendum_email)
IMPACT_KINDS = (DeliveryKind.impact_teams, DeliveryKind.impact_email)
_LABEL = {DeliveryKind.minutes_teams: "Teams chat", DeliveryKind.minutes_email: "email",
          DeliveryKind.addendum_teams: "Teams chat", DeliveryKind.addendum_email: "email",
          DeliveryKind.impact_teams: "Teams chat", DeliveryKind.impact_email: "email"}


def _forward_of(d: Delivery) -> tuple[str, ...] | None:
    """What a delivery forwards, the same for each lead and channel: the minutes, one correction, or
    one answer to a follow-up (its actions)."""
    if d.kind in MINUTES_KINDS:
        return ("minutes", "")
    if d.kind in ADDENDUM_KINDS:
        return ("correction", str(d.payload.get("addendum_id") or ""))
    if d.kind in IMPACT_KINDS:
        return ("follow-up answer", *map(str, d.payload.get("actions", [])))
    return None


def _plan(team: Team, discussion: Discussion, minutes: Minutes, deps: Deps, kinds: tuple[DeliveryKind, DeliveryKind],
          key: str, extra: dict[str, Any], skip: set[str | None] = frozenset()) -> list[Delivery]:
    """One delivery per lead and channel: Teams chat when the lead's id is known, and email.

    The leads are those of the organisation the minutes were sent to (recorded on them), not the
    team's current one: a team that moved since keeps its earlier minutes where they went."""
    org = deps.directory.organisation(minutes.organisation_id)
    teams_kind, email_kind = kinds
    rows = []
    for lead in org.safeguarding_leads if org else []:
        if lead.aad_object_id and lead.aad_object_id in skip:
            continue
        channels = []
        if lead.aad_object_id:
            channels.append((teams_kind, lead.aad_object_id))
        if deps.mail_enabled:
            channels.append((email_kind, lead.email))
        for kind, recipient in channels:
            rows.append(Delivery(
                id=stable_id(key, discussion.id, kind, recipient), group=discussion.id, kind=kind,
                team_id=team.id, discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                recipient=recipient,
                payload={"lead_name": lead.name, "lead_email": lead.email, "organisation_id": org.id, **extra},
            ))
    return rows


def plan_forwarding(team: Team, discussion: Discussion, minutes: Minutes, deps: Deps,
                    skip: set[str | None] = frozenset()) -> list[Delivery]:
    """The minutes to each lead now (`skip`: the Teams ids of leads who have them in a daily bundle)."""
    return _plan(team, discussion, minutes, deps, MINUTES_KINDS, "minutes", {}, skip)


def plan_correction(team: Team, discussion: Discussion, minutes: Minutes, addendum: Addendum,
                    deps: Deps, skip: set[str | None] = frozenset()) -> list[Delivery]:
    return _plan(team, discussion, minutes, deps, ADDENDUM_KINDS, f"addendum:{addendum.id}",
                 {"addendum_id": addendum.id}, skip)


def _lead_of(deps: Deps, recipient: str) -> set[str]:
    """The organisations whose safeguarding leads include this Teams id or email address."""
    who = recipient.lower()
    return {o.id for o in deps.directory.organisations for lead in o.safeguarding_leads
            if who in ((lead.aad_object_id or "").lower(), lead.email.lower())}


async def organisation_from_deliveries(deps: Deps, discussion_id: str) -> str | None:
    """Where a discussion's minutes went, read from its outbox rows (they outlive the minutes,
    which retention deletes): the organisation recorded on the rows, else the one organisation
    every recipient is a lead of; None when that cannot be known."""
    group = await deps.store.outbox.list_group(discussion_id)
    rows = [d for d in group if d.kind in MINUTES_KINDS]
    # Minutes that went in leads' daily bundles: the thread's notice keeps where.
    recorded = {d.payload["organisation_id"] for d in group
                if d.payload.get("organisation_id") and (d.kind in MINUTES_KINDS or d.kind is DeliveryKind.thread_notice)}
    if recorded:
        return recorded.pop() if len(recorded) == 1 else None
    candidates: set[str] | None = None  # rows written before the organisation was recorded on them
    for d in rows:
        orgs = _lead_of(deps, d.recipient or "")
        candidates = orgs if candidates is None else candidates & orgs
    return candidates.pop() if candidates and len(candidates) == 1 else None


async def discussion_organisation(deps: Deps, discussion: Discussion | DiscussionSummary,
                                  team: Team | TeamSummary | None) -> str | None:
    """The organisation a discussion belongs to: for one not closed yet, the team's current one
    (its minutes will go there); once its minutes are sent, the one they were sent to, for good."""
    if not discussion.closed:
        return team.organisation_id if team else None
    if discussion.sent_to:
        return discussion.sent_to
    minutes = await deps.store.minutes.get(discussion.id)  # closed by a release before sent_to
    if minutes is not None and minutes.organisation_id:
        return minutes.organisation_id
    return await organisation_from_deliveries(deps, discussion.id)


def forward_notice(discussion: Discussion, deliveries: list[Delivery], settled: Delivery) -> Delivery | None:
    """Once every delivery of the same forward as `settled` is final, one notice for the thread."""
    key = _forward_of(settled)
    if key is None:
        return None
    forwards = [d for d in deliveries if _forward_of(d) == key]
    if not forwards or any(not d.final for d in forwards):
        return None
    sent: dict[str, list[Delivery]] = {}
    failed: dict[str, list[Delivery]] = {}
    for d in forwards:
        (sent if d.status is DeliveryStatus.sent else failed).setdefault(d.payload.get("lead_name", "the lead"), []).append(d)
    parts = [f"{name} ({' and '.join(_LABEL[d.kind] for d in rows)}) at {format_time(max(d.sent_at for d in rows))}"
             for name, rows in sent.items()]
    failures = [f"{name} ({' and '.join(_LABEL[d.kind] for d in rows)})" for name, rows in failed.items()]
    what = key[0]
    return Delivery(
        id=stable_id("notice", discussion.id, *key), group=discussion.id,
        kind=DeliveryKind.thread_notice, team_id=discussion.team_id, discussion_id=discussion.id,
        briefing_id=discussion.briefing_id,
        payload={"text": " ".join(filter(None, [strings.forwarded(what, parts, failures),
                                                settled.payload.get("bundled")]))},
    )
