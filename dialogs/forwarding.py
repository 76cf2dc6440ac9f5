"""Minutes to the safeguarding leads: planning the deliveries and the thread's closing notice."""

from __future__ import annotations

from storage.models import Delivery, DeliveryKind, DeliveryStatus, Discussion, Team, stable_id

from content import strings
from content.text import format_time

from .deps import Deps

MINUTES_KINDS = (DeliveryKind.minutes_teams, DeliveryKind.minutes_email)


def plan_forwarding(team: Team, discussion: Discussion, deps: Deps) -> list[Delivery]:
    """One delivery per lead and channel: Teams chat when the lead's id is known, and email."""
    org = deps.directory.organisation(team.organisation_id)
    rows = []
    for lead in org.safeguarding_leads if org else []:
        channels = []
        if lead.aad_object_id:
            channels.append((DeliveryKind.minutes_teams, lead.aad_object_id))
        if deps.mail_enabled:
            channels.append((DeliveryKind.minutes_email, lead.email))
        for kind, recipient in channels:
            rows.append(Delivery(
                id=stable_id("minutes", discussion.id, kind, recipient), group=discussion.id, kind=kind,
                team_id=team.id, discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                recipient=recipient, payload={"lead_name": lead.name, "lead_email": lead.email},
            ))
    return rows


def closing_notice(discussion: Discussion, deliveries: list[Delivery]) -> Delivery | None:
    """Once every minutes delivery of a discussion is final, one notice for its thread."""
    forwards = [d for d in deliveries if d.kind in MINUTES_KINDS]
    if not forwards or any(not d.final for d in forwards):
        return None
    sent: dict[str, list[Delivery]] = {}
    failed: dict[str, list[Delivery]] = {}
    for d in forwards:
        (sent if d.status is DeliveryStatus.sent else failed).setdefault(d.payload.get("lead_name", "the lead"), []).append(d)
    label = {DeliveryKind.minutes_teams: "Teams chat", DeliveryKind.minutes_email: "email"}
    parts = [
        f"{name} ({' and '.join(label[d.kind] for d in rows)}) at {format_time(max(d.sent_at for d in rows))}"
        for name, rows in sent.items()
    ]
    failures = [f"{name} ({' and '.join(label[d.kind] for d in rows)})" for name, rows in failed.items()]
    return Delivery(
        id=stable_id("notice", discussion.id, "minutes"), group=discussion.id, kind=DeliveryKind.thread_notice,
        team_id=discussion.team_id, discussion_id=discussion.id, briefing_id=discussion.briefing_id,
        payload={"text": strings.minutes_sent(parts, failures)},
    )
