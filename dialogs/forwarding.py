"""Minutes (and corrections) to the safeguarding leads: planning deliveries and the thread's notice."""

from __future__ import annotations

from typing import Any

from content import strings
from content.text import format_time
from storage.models import Addendum, Delivery, DeliveryKind, DeliveryStatus, Discussion, Team, stable_id

from .deps import Deps

MINUTES_KINDS = (DeliveryKind.minutes_teams, DeliveryKind.minutes_email)
ADDENDUM_KINDS = (DeliveryKind.addendum_teams, DeliveryKind.addendum_email)
_LABEL = {DeliveryKind.minutes_teams: "Teams chat", DeliveryKind.minutes_email: "email",
          DeliveryKind.addendum_teams: "Teams chat", DeliveryKind.addendum_email: "email"}


def _plan(team: Team, discussion: Discussion, deps: Deps, kinds: tuple[DeliveryKind, DeliveryKind],
          key: str, extra: dict[str, Any]) -> list[Delivery]:
    """One delivery per lead and channel: Teams chat when the lead's id is known, and email."""
    org = deps.directory.organisation(team.organisation_id)
    teams_kind, email_kind = kinds
    rows = []
    for lead in org.safeguarding_leads if org else []:
        channels = []
        if lead.aad_object_id:
            channels.append((teams_kind, lead.aad_object_id))
        if deps.mail_enabled:
            channels.append((email_kind, lead.email))
        for kind, recipient in channels:
            rows.append(Delivery(
                id=stable_id(key, discussion.id, kind, recipient), group=discussion.id, kind=kind,
                team_id=team.id, discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                recipient=recipient, payload={"lead_name": lead.name, "lead_email": lead.email, **extra},
            ))
    return rows


def plan_forwarding(team: Team, discussion: Discussion, deps: Deps) -> list[Delivery]:
    return _plan(team, discussion, deps, MINUTES_KINDS, "minutes", {})


def plan_correction(team: Team, discussion: Discussion, addendum: Addendum, deps: Deps) -> list[Delivery]:
    return _plan(team, discussion, deps, ADDENDUM_KINDS, f"addendum:{addendum.id}", {"addendum_id": addendum.id})


def forward_notice(discussion: Discussion, deliveries: list[Delivery], settled: Delivery) -> Delivery | None:
    """Once every delivery of the same forward as `settled` is final, one notice for the thread."""
    if settled.kind in MINUTES_KINDS:
        kinds, addendum_id = MINUTES_KINDS, None
    elif settled.kind in ADDENDUM_KINDS:
        kinds, addendum_id = ADDENDUM_KINDS, settled.payload.get("addendum_id")
    else:
        return None
    forwards = [d for d in deliveries if d.kind in kinds and d.payload.get("addendum_id") == addendum_id]
    if not forwards or any(not d.final for d in forwards):
        return None
    sent: dict[str, list[Delivery]] = {}
    failed: dict[str, list[Delivery]] = {}
    for d in forwards:
        (sent if d.status is DeliveryStatus.sent else failed).setdefault(d.payload.get("lead_name", "the lead"), []).append(d)
    parts = [f"{name} ({' and '.join(_LABEL[d.kind] for d in rows)}) at {format_time(max(d.sent_at for d in rows))}"
             for name, rows in sent.items()]
    failures = [f"{name} ({' and '.join(_LABEL[d.kind] for d in rows)})" for name, rows in failed.items()]
    what = "correction" if addendum_id else "minutes"
    return Delivery(
        id=stable_id("notice", discussion.id, what, addendum_id or ""), group=discussion.id,
        kind=DeliveryKind.thread_notice, team_id=discussion.team_id, discussion_id=discussion.id,
        briefing_id=discussion.briefing_id, payload={"text": strings.forwarded(what, parts, failures)},
    )
