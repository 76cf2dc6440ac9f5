"""A discussion's thread: finding the discussion a card action names, and its card kept current."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from datetime import datetime, timezone

from content import strings
from content.briefing import BriefingDoc
from content.briefing import parse_cached
from content.cards import briefing_card, with_views
from content.directory import Organisation
from content.text import escape_md, format_date
from storage.models import Delivery, DeliveryKind, Discussion, Team, stable_id

from .deps import Deps
from .inbound import Inbound
from .registration import ensure_team
from .send import note
from .turn import Turn
from .views import View, ViewKind

log = logging.getLogger(__name__)


@dataclass
class Opened:
    team: Team
    discussion: Discussion
    briefing: BriefingDoc


def lock(inbound: Inbound, deps: Deps):
    """Editing and closing one discussion never interleave with anything else done to it."""
    return deps.lock(f"discussion:{(inbound.value or {}).get('discussion')}")


async def change_discussion(deps: Deps, discussion_id: str, change) -> Discussion | None:
    """Change one discussion as it is now: read afresh under its lock, `change(discussion)` says
    whether to write it (it may decline: closed meanwhile, say). For writers outside a card's turn
    (a meeting's start, a reminder, a post sent), so that none writes back a copy read before a
    close and reopens it."""
    async with deps.lock(f"discussion:{discussion_id}"):
        discussion = await deps.store.discussions.get(discussion_id)
        if discussion is None or not change(discussion):
            return None
        await deps.store.discussions.put(discussion)
        return discussion


def shared_lock(inbound: Inbound, deps: Deps):
    """Members recording at once on one discussion go side by side; never beside a close or an edit."""
    return deps.shared_lock(f"discussion:{(inbound.value or {}).get('discussion')}")


async def open_discussion(turn: Turn, inbound: Inbound, deps: Deps, *,
                          closed: bool | None = False) -> Opened | None:
    """The team, discussion and briefing a card action names, after checking it is this team's
    (card data comes from the client, so every id in it is checked again) and that the
    discussion is open (or, with `closed`, that it is closed; with None, either)."""
    team = await ensure_team(inbound, deps)
    if team is None:
        await note(turn, strings.NOT_IN_TEAM)
        return None
    discussion_id = (inbound.value or {}).get("discussion")
    discussion = await deps.store.discussions.get(discussion_id) if isinstance(discussion_id, str) else None
    if discussion is None:
        await note(turn, strings.unknown_discussion(inbound.scope))
        return None
    if discussion.team_id != team.id:
        log.warning("card action for another team's discussion refused team=%s", team.id)
        await note(turn, strings.WRONG_TEAM)
        return None
    if discussion.closed and closed is False:
        await note(turn, strings.ALREADY_CLOSED.format(date=format_date(discussion.closed_at)))
        return None
    if closed is True and not discussion.closed:
        await note(turn, strings.NOT_CLOSED_YET)
        return None
    record = await deps.store.briefings.get(discussion.briefing_id)
    if record is None:
        await note(turn, strings.unknown_discussion(inbound.scope))
        return None
    return Opened(team, discussion, parse_cached(record.source))


def closed_note(discussion: Discussion) -> str | None:
    if not discussion.closed:
        return None
    return f"Minutes sent on {format_date(discussion.closed_at)} by {escape_md(discussion.closed_by or 'the team')}."


async def thread_card(discussion: Discussion, briefing: BriefingDoc, deps: Deps, *, shared: bool = False) -> dict:
    """The briefing's card as it is now. `shared`: the card in the channel, as everyone sees it; it
    asks the clients of those who have their own view of it open to ask for that view again."""
    counts = await deps.store.responses.count_by_question(discussion.id)
    record = await deps.store.briefings.get(discussion.briefing_id)
    corrections = [(format_date(c.at), c.text) for c in (record.corrections if record else [])]
    body = briefing_card(briefing, discussion.id, counts=counts, closed=closed_note(discussion),
                         discuss_by=format_date(discussion.discuss_by) if discussion.discuss_by else None,
                         corrections=corrections)
    if shared and not discussion.closed:
        with_views(body, discussion.id, deps.views.viewers(discussion.id, deps.clock()))
    return body


def keep_view(turn: Turn, inbound: Inbound, deps: Deps, discussion_id: str, kind: ViewKind, **args) -> None:
    """What this person now sees in place of the thread's card (the answer to their Action.Execute
    in the channel), to be drawn again for them when the card is updated for everyone. Only ids
    and counts in `args`: never what anyone typed."""
    if turn.pressed_privately and not turn.in_personal_chat and inbound.scope == "team" and inbound.user_id:
        deps.views.keep(discussion_id, inbound.user_id, View(kind, deps.clock(), args))


def thread_link(team: Team | None, discussion: Discussion | None, organisation: Organisation | None) -> str | None:
    """A link that opens the briefing's thread in the team's General channel (a Teams deep link), for
    the leads of `organisation`; None where they could not open it (the team is in another tenant)."""
    if team is None or discussion is None or discussion.thread is None or not discussion.card_activity_id:
        return None
    if organisation is None or (organisation.tenant_ids and team.tenant_id not in organisation.tenant_ids):
        return None
    message = quote(discussion.card_activity_id, safe="")
    query = {"tenantId": team.tenant_id, "groupId": team.aad_group_id, "parentMessageId": discussion.card_activity_id,
             "teamName": team.name, "channelName": "General", "createdTime": discussion.card_activity_id}
    return (f"https://teams.microsoft.com/l/message/{quote(team.id, safe='')}/{message}?"
            + urlencode({k: v for k, v in query.items() if v}))


CARD_UPDATE_SECONDS = 3


async def refresh_card(discussion: Discussion, deps: Deps) -> None:
    """Have the thread's card replaced in place (counts per question, or closed), wherever the action
    came from. Through the outbox, at most once per CARD_UPDATE_SECONDS per discussion: a busy
    meeting's submissions share one update, rendered from the state when it is sent."""
    if discussion.thread is None or not discussion.card_activity_id:
        return
    bucket = int(deps.clock().timestamp() // CARD_UPDATE_SECONDS)
    await deps.store.outbox.enqueue([Delivery(
        id=stable_id("card", discussion.id, str(bucket)), group=discussion.id, kind=DeliveryKind.card_update,
        team_id=discussion.team_id, discussion_id=discussion.id, briefing_id=discussion.briefing_id,
        next_attempt_at=datetime.fromtimestamp((bucket + 1) * CARD_UPDATE_SECONDS, timezone.utc))])
