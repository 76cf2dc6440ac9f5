"""What each outbox row sends, and what follows once it is final. The worker in bot/ does the I/O."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage

from content.briefing import parse_cached
from content.cards import addendum_card, impact_card, minutes_bundle_card, minutes_card
from content.email import addendum_email, bundle_email, bundle_subject, impact_email, minutes_email, plain_email
from content.text import format_datetime
from content.minutes import CompiledMinutes
from storage.models import ConversationRef, Delivery, DeliveryKind, DeliveryStatus, Discussion

from .acknowledge import document_path
from .bundles import BUNDLE_KINDS, bundle_contents, bundle_day, failed_notices
from .deps import Deps
from .follow_ups import follow_up_message, follow_up_sent, impact_update
from .forwarding import ADDENDUM_KINDS, IMPACT_KINDS, MINUTES_KINDS, forward_notice
from .publish_requests import approval_message, status_changed, status_message
from .thread import change_discussion, thread_card, thread_link


class Undeliverable(Exception):
    """The delivery can never succeed (its team, briefing or minutes are gone); not retried."""


@dataclass(frozen=True)
class Message:
    """What is said, whatever carries it: a text, or a card with its summary (bot/ makes the activity)."""
    text: str | None = None
    card: dict | None = None
    summary: str = ""


@dataclass(frozen=True)
class ChannelPost:
    """A new thread in a team channel."""
    channel: ConversationRef
    message: Message


@dataclass(frozen=True)
class PersonalMessage:
    """A 1:1 chat with a user (created if needed), reached through a team of the same tenant."""
    user_aad: str
    via: ConversationRef
    message: Message


@dataclass(frozen=True)
class ThreadReply:
    thread: ConversationRef
    message: Message


@dataclass(frozen=True)
class CardUpdate:
    """Replace a card already posted (the thread's briefing card)."""
    thread: ConversationRef
    activity_id: str
    message: Message


@dataclass(frozen=True)
class Email:
    message: EmailMessage


Outgoing = ChannelPost | PersonalMessage | ThreadReply | CardUpdate | Email


def _card(card: dict, summary: str) -> Message:
    return Message(card=card, summary=summary)


async def _team(d: Delivery, deps: Deps):
    team = await deps.store.teams.get(d.team_id or "")
    if team is None:
        raise Undeliverable("team not registered")
    return team


async def _minutes(d: Delivery, deps: Deps) -> CompiledMinutes:
    return (await _stored_minutes(d, deps))[0]


async def _stored_minutes(d: Delivery, deps: Deps):
    minutes = await deps.store.minutes.get(d.discussion_id or "")
    if minutes is None:
        raise Undeliverable("minutes not found")
    return CompiledMinutes.model_validate(minutes.body), minutes


async def _addendum(d: Delivery, deps: Deps):
    compiled, minutes = await _stored_minutes(d, deps)
    addendum = next((a for a in minutes.addenda if a.id == d.payload.get("addendum_id")), None)
    if addendum is None:
        raise Undeliverable("correction not found")
    return compiled, addendum.text, addendum.author.name or "A team member", format_datetime(addendum.created_at)


async def prepare(d: Delivery, deps: Deps) -> Outgoing:
    if d.kind is DeliveryKind.briefing_post:
        team = await _team(d, deps)
        if not team.active:
            raise Undeliverable("the bot was removed from this team")
        record = await deps.store.briefings.get(d.briefing_id or "")
        if record is None:
            raise Undeliverable("briefing not found")
        doc = parse_cached(record.source)
        discussion = await deps.store.discussions.get(Discussion.make_id(doc.id, team.id)) or Discussion(
            id=Discussion.make_id(doc.id, team.id), briefing_id=doc.id, team_id=team.id)
        card = await thread_card(discussion, doc, deps, shared=True)
        return ChannelPost(team.general, _card(card, f"Learning briefing: {doc.title}"))
    if d.kind is DeliveryKind.minutes_teams:
        team = await _team(d, deps)
        m = await _minutes(d, deps)
        url = deps.link(document_path(d.discussion_id or "", m.organisation_id))
        discussion = await deps.store.discussions.get(d.discussion_id or "")
        card = minutes_card(m, discussion_id=d.discussion_id, document_url=url,
                            thread_url=thread_link(team, discussion, deps.directory.organisation(m.organisation_id)))
        return PersonalMessage(d.recipient or "", team.general, _card(card, f"Team minutes from {m.team_name}"))
    if d.kind is DeliveryKind.minutes_email:
        m = await _minutes(d, deps)
        # The Word attachment takes up to half a second to build: off the event loop.
        message = await asyncio.to_thread(minutes_email, m, to_name=d.payload.get("lead_name", ""),
                                          to_email=d.recipient or "", sender=deps.mail_from)
        return Email(message)
    if d.kind is DeliveryKind.addendum_teams:
        team = await _team(d, deps)
        m, text, author, when = await _addendum(d, deps)
        return PersonalMessage(d.recipient or "", team.general,
                               _card(addendum_card(m, text, author, when), f"Correction from {m.team_name}"))
    if d.kind is DeliveryKind.addendum_email:
        m, text, author, when = await _addendum(d, deps)
        return Email(addendum_email(m, text, author=author, when=when, to_name=d.payload.get("lead_name", ""),
                                    to_email=d.recipient or "", sender=deps.mail_from))
    if d.kind is DeliveryKind.digest_email:
        return Email(plain_email(sender=deps.mail_from, to_name=d.payload.get("lead_name", ""), to_email=d.recipient or "",
                                 subject=d.payload.get("subject", "Digest"), text=d.payload.get("text", ""),
                                 html_body=d.payload.get("html")))
    if d.kind is DeliveryKind.card_update:
        discussion = await deps.store.discussions.get(d.discussion_id or "")
        record = await deps.store.briefings.get(d.briefing_id or "")
        if discussion is None or record is None or discussion.thread is None or not discussion.card_activity_id:
            raise Undeliverable("discussion thread not found")
        card = await thread_card(discussion, parse_cached(record.source), deps, shared=True)
        return CardUpdate(discussion.thread, discussion.card_activity_id, _card(card, "Learning briefing"))
    if d.kind is DeliveryKind.approval_request:
        try:
            via, body, summary = await approval_message(d, deps)
        except LookupError as exc:
            raise Undeliverable(str(exc)) from None
        return PersonalMessage(d.recipient or "", via, _card(body, summary))
    if d.kind is DeliveryKind.publish_status:
        try:
            chat, activity_id, body = await status_message(d, deps)
        except LookupError as exc:
            raise Undeliverable(str(exc)) from None
        return CardUpdate(chat, activity_id, _card(body, "Publishing"))
    if d.kind in (DeliveryKind.bundle_teams, DeliveryKind.bundle_email):
        items, via = await bundle_contents(d, deps)
        if not items or via is None:
            raise Undeliverable("nothing left to send in the bundle, or no longer a lead of the organisation")
        if d.kind is DeliveryKind.bundle_teams:
            return PersonalMessage(d.recipient or "", via, _card(minutes_bundle_card(items, bundle_day(d), bundle_id=d.id, mail=deps.mail_enabled),
                                                                 bundle_subject(items, bundle_day(d))))
        # Each team's Word document is built for it: off the event loop.
        return Email(await asyncio.to_thread(bundle_email, items, bundle_day(d), to_name=d.payload.get("lead_name", ""),
                                             to_email=d.recipient or "", sender=deps.mail_from))
    if d.kind is DeliveryKind.follow_up:
        try:
            discussion, body, said = await follow_up_message(d, deps)
        except LookupError as exc:
            raise Undeliverable(str(exc)) from None
        return ThreadReply(discussion.thread, _card(body, said))
    if d.kind in (DeliveryKind.impact_teams, DeliveryKind.impact_email):
        actions = [a for a in [await deps.store.actions.get(i) for i in d.payload.get("actions", [])] if a is not None]
        if not actions:
            raise Undeliverable("the actions are no longer kept")
        update = await impact_update(deps, actions)
        if d.kind is DeliveryKind.impact_email:
            return Email(await asyncio.to_thread(impact_email, update, to_name=d.payload.get("lead_name", ""),
                                                 to_email=d.recipient or "", sender=deps.mail_from))
        team = await _team(d, deps)
        discussion = await deps.store.discussions.get(d.discussion_id or "")
        url = thread_link(team, discussion, deps.directory.organisation(actions[0].organisation_id))
        return PersonalMessage(d.recipient or "", team.general, _card(impact_card(update, url), update.subject))
    if d.kind is DeliveryKind.staff_notice:
        return ThreadReply(ConversationRef.model_validate(d.payload["to"]), Message(text=d.payload.get("text", "")))
    if d.kind is DeliveryKind.thread_notice:
        discussion = await deps.store.discussions.get(d.discussion_id or "")
        if discussion is None or discussion.thread is None:
            raise Undeliverable("discussion thread not found")
        return ThreadReply(discussion.thread, Message(text=d.payload.get("text", "")))
    raise Undeliverable(f"unknown delivery kind {d.kind}")


async def after_final(d: Delivery, deps: Deps) -> None:
    """Follow-ups once a delivery is sent or has failed for good."""
    if d.kind is DeliveryKind.briefing_post and d.status is DeliveryStatus.sent:
        discussion_id = Discussion.make_id(d.briefing_id or "", d.team_id or "")

        def posted(discussion: Discussion) -> bool:
            discussion.opened_at = d.sent_at or deps.clock()
            discussion.thread = ConversationRef.model_validate(d.result["thread"])
            discussion.card_activity_id = d.result.get("activity_id")
            return True

        if await change_discussion(deps, discussion_id, posted) is None:  # made at publishing: unless gone since
            discussion = Discussion(id=discussion_id, briefing_id=d.briefing_id or "", team_id=d.team_id or "")
            posted(discussion)
            await deps.store.discussions.put(discussion)
    if d.kind is DeliveryKind.follow_up and d.status is DeliveryStatus.sent:
        await follow_up_sent(d, deps)
    if d.kind is DeliveryKind.briefing_post and d.payload.get("request"):
        await status_changed(d.briefing_id or "", deps, d.payload["request"])  # its publisher's card shows it
    elif d.kind in BUNDLE_KINDS and d.status is DeliveryStatus.failed:
        await deps.store.outbox.enqueue(failed_notices(d))  # each team is told its minutes did not reach the lead
    elif d.kind in MINUTES_KINDS + ADDENDUM_KINDS + IMPACT_KINDS:
        discussion = await deps.store.discussions.get(d.discussion_id or "")
        if discussion is not None:
            notice = forward_notice(discussion, await deps.store.outbox.list_group(discussion.id), d)
            if notice is not None:
                await deps.store.outbox.enqueue([notice])
