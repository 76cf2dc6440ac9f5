"""Publishing from Teams: the publish form's request, the approvers' second pair of eyes (when the
board asks for one), a time to send it at, and the request's outcome told to whoever asked.

A request is kept (meta, by briefing) from the moment Publish is pressed: awaiting approval,
scheduled, publishing, rejected or cancelled. One request at a time per briefing; every decision
goes in the audit log. What is sent to approvers and requesters goes through the outbox."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, time, timedelta, timezone

from content import strings
from content.briefing import parse_cached
from content.cards import (MAX_CARD_BYTES, MAX_CORRECTION, AudienceChoices, approval_card, briefing_card, card_bytes,
                           request_card)
from content.text import LONDON, escape_md, format_date, format_datetime, plural, quote
from storage.models import (Briefing, BriefingCorrection, BriefingStatus, ConversationRef, Delivery, DeliveryKind,
                            DeliveryStatus, PublishRequest, PublishState, stable_id)

from .deps import Deps
from .inbound import Inbound
from .publishing import (Audience, PublishError, audience_teams, findings_by_part, parse_discuss_by,
                         parse_follow_up_weeks, publish, retry_delivery)
from .privacy_gate import described, findings_in
from .send import say, settle
from .thread import refresh_card
from .turn import Turn

log = logging.getLogger(__name__)
MAX_AHEAD = timedelta(days=366)


# --- reading the form -------------------------------------------------------------------------

def _ids(raw: object) -> tuple[str, ...]:
    """A multi-select's value ("a,b") or a typed list of ids."""
    if not isinstance(raw, str):
        return ()
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def parse_audience(value: dict) -> Audience:
    to = value.get("to") or "all"
    if not isinstance(to, str):
        raise PublishError(strings.CHOOSE_AUDIENCE, status=400)
    orgs, teams = _ids(value.get("orgs")), _ids(value.get("teams"))
    if to == "all":
        if orgs or teams:
            raise PublishError(strings.AUDIENCE_MISMATCH, status=400)
        return Audience("all")
    if to == "orgs":
        if not orgs:
            raise PublishError(strings.CHOOSE_ORGANISATIONS, status=400)
        return Audience("orgs", orgs)
    if to == "teams":
        if not teams:
            raise PublishError(strings.CHOOSE_TEAMS, status=400)
        return Audience("teams", teams)
    return Audience.from_to(to)  # a card of an earlier release: all, org:ID or team:ID


def parse_send_at(send_on: object, send_time: object, now: datetime) -> datetime | None:
    """The optional time to send at (a date and a UK time), in UTC; not past, not a year ahead."""
    if send_on in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(send_on))
        at = time.fromisoformat(str(send_time or "09:00")[:5])
    except ValueError:
        raise PublishError(strings.SEND_AT_UNREADABLE, status=400) from None
    when = datetime.combine(day, at, tzinfo=LONDON).astimezone(timezone.utc)
    if when <= now + timedelta(minutes=1):
        raise PublishError(strings.SEND_AT_PAST.format(when=format_datetime(when)))
    if when > now + MAX_AHEAD:
        raise PublishError(strings.SEND_AT_TOO_FAR)
    return when


async def audience_choices(briefing_id: str, deps: Deps) -> AudienceChoices:
    """The publish form's choices, each with the teams it reaches and how many have the briefing."""
    teams = await deps.store.teams.list()
    have = {d.team_id for d in await deps.store.outbox.list_group(briefing_id) if d.kind is DeliveryKind.briefing_post}
    orgs = []
    for org in deps.directory.organisations:
        members = [t for t in teams if t.organisation_id == org.id]
        orgs.append((org.id, org.name, len(members), sum(t.id in have for t in members)))
    names = {o.id: o.name for o in deps.directory.organisations}
    choices = [(t.id, f"{t.name} ({names.get(t.organisation_id or '', 'no organisation yet')})"
                + (" \u00B7 has it" if t.id in have else "")) for t in sorted(teams, key=lambda t: t.name.lower())]
    return AudienceChoices(len(teams), sum(t.id in have for t in teams), orgs, choices)


async def search_teams(inbound: Inbound, deps: Deps, query: str, skip: int, top: int) -> list[tuple[str, str]]:
    """The publish form's team picker, as a name is typed: (title, team id), board staff only."""
    if not deps.directory.is_board_staff(inbound.user_aad):
        return []
    names = {o.id: o.name for o in deps.directory.organisations}
    needle = query.strip().lower()
    found = [t for t in await deps.store.teams.list() if needle in t.name.lower()]
    found.sort(key=lambda t: (not t.name.lower().startswith(needle), t.name.lower()))
    return [(f"{t.name} ({names.get(t.organisation_id or '', 'no organisation yet')})", t.id)
            for t in found[skip:skip + min(max(top, 1), 50)]]


# --- the request --------------------------------------------------------------------------------

async def load_request(briefing_id: str, deps: Deps, stamp: str | None = None) -> PublishRequest | None:
    """The briefing's latest request, or (with `stamp`, its requested_at) that one, even once a newer
    one has been made: its card still shows how its own deliveries went."""
    stored = await deps.store.meta.get(PublishRequest.key(briefing_id) + (f"@{stamp}" if stamp else ""))
    return PublishRequest.model_validate(stored) if stored else None


async def save_request(request: PublishRequest, deps: Deps) -> None:
    """Kept under its own stamp, and as the briefing's latest unless a newer one has been made."""
    dumped = request.model_dump(mode="json")
    await deps.store.meta.put(f"{PublishRequest.key(request.briefing_id)}@{request.requested_at.isoformat()}", dumped)
    latest = await load_request(request.briefing_id, deps)
    if latest is None or latest.requested_at <= request.requested_at:
        await deps.store.meta.put(PublishRequest.key(request.briefing_id), dumped)


def source_hash(record: Briefing) -> str:
    return hashlib.sha256(record.source.encode()).hexdigest()


async def open_request(briefing_id: str, deps: Deps) -> PublishRequest | None:
    """The briefing's request that still waits (for approval, or for its time), if any."""
    request = await load_request(briefing_id, deps)
    return request if request is not None and not request.state.final else None


def audience_label(request: PublishRequest, deps: Deps) -> str:
    if request.audience == "all":
        return "All registered teams"
    if request.audience == "orgs":
        names = [(deps.directory.organisation(i).name if deps.directory.organisation(i) else i)
                 for i in request.audience_ids]
        return ", ".join(names[:10]) + (f" and {plural(len(names) - 10, 'more organisation')}" if len(names) > 10 else "")
    return "Chosen teams"


async def _audit(deps: Deps, event: str, request: PublishRequest, by: str | None, **extra) -> None:
    await deps.store.meta.audit({"event": event, "briefing": request.briefing_id, "by": by,
                                 "audience": request.audience, "audience_ids": list(request.audience_ids),
                                 "send_at": request.send_at.isoformat() if request.send_at else None,
                                 "at": deps.clock().isoformat(), **extra})


async def publish_confirm(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Publish on the form: checked now; then sent, scheduled, or sent to the approvers."""
    if not deps.directory.is_board_staff(inbound.user_aad):
        await say(turn, strings.STAFF_ONLY.format(board=deps.directory.board.name))
        return
    value = inbound.value or {}
    briefing_id = value.get("briefing")
    record = await deps.store.briefings.get(briefing_id) if isinstance(briefing_id, str) else None
    if record is None:
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
        return
    now = deps.clock()
    allow = value.get("allow_identifiers") is True
    try:
        audience = parse_audience(value)
        discuss_by = parse_discuss_by(value.get("discuss_by"), now.astimezone(LONDON).date())
        weeks = parse_follow_up_weeks(value.get("follow_up_weeks"))
        if weeks is None:
            weeks = parse_cached(record.source).follow_up_weeks
        send_at = parse_send_at(value.get("send_on"), value.get("send_time"), now)
        teams = await audience_teams(audience, deps)
        found = findings_by_part(record.source, parse_cached(record.source), deps)
        if found and not allow:
            raise PublishError(strings.PUBLISH_HAS_IDENTIFIERS.format(found="; ".join(found[:5])))
    except PublishError as exc:
        said = quote(exc, limit=300)  # it may name what the card sent back
        await say(turn, f"Not published: {said}" + ("" if said.endswith((".", "?")) else "."))
        return
    if not teams:
        await say(turn, strings.PUBLISH_NO_TEAMS)
        return
    async with deps.lock(f"publish:{record.id}"):
        current = await load_request(record.id, deps)
        if current is not None and not current.state.final:
            await say(turn, strings.REQUEST_PENDING.format(title=escape_md(record.title),
                                                           state=describe_state(current, deps)))
            return
        request = PublishRequest(
            briefing_id=record.id, audience=audience.kind, audience_ids=list(audience.ids), discuss_by=discuss_by,
            follow_up_weeks=weeks, send_at=send_at, allow_identifiers=allow, requested_by=inbound.user_aad or "",
            requested_by_name=inbound.user_name, requested_at=now, reply_to=_chat_of(inbound),
            status_card=_chat_of(inbound).model_copy(update={"activity_id": inbound.reply_to_id})
            if inbound.reply_to_id else None, state=PublishState.awaiting_approval, source_sha=source_hash(record))
        have = {d.team_id for d in await deps.store.outbox.list_group(record.id) if d.kind is DeliveryKind.briefing_post}
        request.teams, request.have_it = len(teams), sum(t.id in have for t in teams)
        if deps.directory.board.approval_required:
            if not _approvers(request, deps):
                await say(turn, strings.NO_OTHER_APPROVER)
                return
            await save_request(request, deps)
            await _ask_approvers(request, record, deps)
            await _audit(deps, "publish_requested", request, inbound.user_aad)
            log.info("publish request awaiting approval id=%s", record.id)
        elif send_at is not None:
            request.state = PublishState.scheduled
            await save_request(request, deps)
            await _audit(deps, "publish_scheduled", request, inbound.user_aad)
        else:
            await _execute(request, record, deps, queue_status=False)  # the card is answered now
            await _audit(deps, "published", request, inbound.user_aad)
        body = await status_card(request, record, deps)
    await settle(turn, body)


def _chat_of(inbound: Inbound) -> ConversationRef:
    return ConversationRef(service_url=inbound.service_url, conversation_id=inbound.conversation_id,
                           tenant_id=inbound.tenant_id, bot_id=inbound.bot_id, bot_name=inbound.bot_name)


def _names(names: list[str]) -> str:
    names = [escape_md(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _approvers(request: PublishRequest, deps: Deps):
    return [p for p in deps.directory.board.approvers if p.aad_object_id != request.requested_by.lower()]


def _facts(request: PublishRequest, deps: Deps) -> list[tuple[str, str]]:
    teams, have = request.teams, request.have_it
    rows = [("Send to", f"{audience_label(request, deps)}: {plural(teams, 'team')}"
             + (f" ({have:,} already {'has' if have == 1 else 'have'} it and won't get it twice)" if have else ""))]
    rows.append(("When", f"{format_datetime(request.send_at)} (UK time)" if request.send_at else "As soon as it can"))
    if request.discuss_by:
        rows.append(("Discuss by", format_date(request.discuss_by)))
    if request.follow_up_weeks is not None:
        rows.append(("Impact question", f"{plural(request.follow_up_weeks, 'week')} after a team sends minutes "
                     "without actions" if request.follow_up_weeks else "Not asked"))
    rows.append(("Asked by", f"{escape_md(request.requested_by_name)}, {format_datetime(request.requested_at)}"))
    return rows


def describe_state(request: PublishRequest, deps: Deps) -> str:
    if request.state is PublishState.awaiting_approval:
        return f"waiting for approval since {format_datetime(request.requested_at)}"
    if request.state is PublishState.scheduled and request.send_at:
        return f"scheduled for {format_datetime(request.send_at)}"
    return request.state.value.replace("_", " ")


async def _execute(request: PublishRequest, record: Briefing, deps: Deps, queue_status: bool = True):
    """Queue the deliveries (the caller holds the briefing's publish lock); the request is saved.
    None, and the request cancelled, if the briefing changed since it was asked for: what was
    approved (and checked for identifiers) is what is sent, or nothing."""
    if request.source_sha and request.source_sha != source_hash(record):
        request.state, request.reason = PublishState.cancelled, "the briefing changed after it was asked for"
        await save_request(request, deps)
        await _tell_requester(request, strings.CHANGED_SINCE.format(title=escape_md(record.title)), deps)
        log.warning("publish request cancelled: the briefing changed id=%s", record.id)
        return None
    result = await publish(record.id, Audience(request.audience, tuple(request.audience_ids)), deps,
                           request.discuss_by, True, strict=False, request=request.requested_at.isoformat(),
                           follow_up_weeks=request.follow_up_weeks)
    request.state, request.queued, request.skipped = PublishState.publishing, result.queued, result.skipped
    await save_request(request, deps)
    if queue_status:
        await _queue_status(request, deps)
    return result


# --- while it is sent ---------------------------------------------------------------------------

STATUS_DELAY = timedelta(seconds=2)  # outcomes that come within it share one update of the card


async def status_changed(briefing_id: str, deps: Deps, stamp: str | None = None) -> None:
    """Something about a request changed (a delivery became final, it was approved ...): its card
    will show it. `stamp`: that request (its deliveries carry it); else the latest."""
    async with deps.lock(f"publish:{briefing_id}"):
        request = await load_request(briefing_id, deps, stamp)
        if request is not None:
            await _queue_status(request, deps)


async def _queue_status(request: PublishRequest, deps: Deps) -> None:
    """One update of the request's card waiting at a time: it shows the state when it is sent.
    (The caller holds the briefing's publish lock.)"""
    if request.status_card is None or not request.status_card.activity_id:
        return
    stamp = request.requested_at.isoformat()
    waiting = [d for d in await deps.store.outbox.list_group(f"publish:{request.briefing_id}")
               if d.kind is DeliveryKind.publish_status and d.payload.get("request") == stamp and not d.final
               and d.leased_until is None]
    if waiting:
        return
    request.status_updates += 1
    await save_request(request, deps)
    await deps.store.outbox.enqueue([Delivery(
        id=stable_id("publish-status", request.briefing_id, stamp, str(request.status_updates)),
        group=f"publish:{request.briefing_id}", kind=DeliveryKind.publish_status, briefing_id=request.briefing_id,
        recipient=request.requested_by, payload={"request": stamp}, next_attempt_at=deps.clock() + STATUS_DELAY,
        created_at=deps.clock())])


async def status_message(d: Delivery, deps: Deps) -> tuple[ConversationRef, str, dict]:
    """(the requester's chat, their card's id, the card as things are now) for a publish_status row."""
    request = await load_request(d.briefing_id or "", deps, d.payload.get("request"))
    record = await deps.store.briefings.get(d.briefing_id or "")
    if request is None or record is None or request.status_card is None or not request.status_card.activity_id:
        raise LookupError("the request or its card is gone")
    return request.status_card, request.status_card.activity_id, await status_card(request, record, deps)


async def status_card(request: PublishRequest, record: Briefing, deps: Deps) -> dict:
    """The request's card: waiting for approval or its time (with Cancel), rejected, cancelled, or
    its deliveries' progress, the teams not reached and why, Try again and Send a correction."""
    title, rows = escape_md(record.title), _facts(request, deps)
    if request.state is PublishState.awaiting_approval:
        outcome = strings.SENT_FOR_APPROVAL.format(approvers=_names([p.name for p in _approvers(request, deps)]))
        return request_card(record.title, outcome, rows, record.id, cancellable=True)
    if request.state is PublishState.scheduled:
        outcome = strings.SCHEDULED.format(title=title, when=format_datetime(request.send_at)) if request.send_at \
            else ""
        if request.decided_by_name:
            outcome = strings.APPROVED_SCHEDULED.format(who=escape_md(request.decided_by_name), title=title,
                                                        when=format_datetime(request.send_at)) + " " + strings.CANCEL_UNTIL
        return request_card(record.title, outcome, rows, record.id, cancellable=True)
    if request.state is PublishState.rejected:
        return request_card(record.title, strings.REJECTED.format(
            who=escape_md(request.decided_by_name or ""), title=title, reason=quote(request.reason or "", limit=1000)),
            rows, record.id)
    if request.state is PublishState.cancelled:
        return request_card(record.title, strings.REQUEST_CANCELLED, rows, record.id)
    stamp = request.requested_at.isoformat()
    posts = [d for d in await deps.store.outbox.list_group(record.id)
             if d.kind is DeliveryKind.briefing_post and d.payload.get("request") == stamp]
    sent = sum(d.status is DeliveryStatus.sent for d in posts)
    failed = [d for d in posts if d.status is DeliveryStatus.failed]
    waiting = len(posts) - sent - len(failed)
    teams = plural(len(posts), "team")
    if not posts:
        outcome = strings.NOTHING_NEW.format(teams=plural(request.skipped, "team"))
    elif waiting == len(posts):
        outcome = strings.published(record.title, request.queued, request.skipped)
    elif waiting:
        outcome = strings.STATUS_SENDING.format(sent=f"{sent:,}", teams=teams)
    elif failed:
        outcome = strings.STATUS_DONE.format(sent=f"{sent:,}", teams=teams)
    else:
        outcome = strings.STATUS_ALL_DONE.format(teams=teams)
    if posts:
        rows.insert(1, ("Progress", f"{sent:,} sent, {waiting:,} waiting, {len(failed):,} failed"))
    names = {}
    for d in failed:
        team = await deps.store.teams.get(d.team_id or "")
        names[d.id] = team.name if team else "A team no longer registered"
    return request_card(record.title, outcome, rows, record.id, correctable=True,
                        failures=[(names[d.id], strings.plain_reason(d.last_error)) for d in failed])


async def publish_retry(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Try again the briefing's deliveries that failed (board staff), from the status card."""
    if not deps.directory.is_board_staff(inbound.user_aad):
        await say(turn, strings.STAFF_ONLY.format(board=deps.directory.board.name))
        return
    briefing_id = str((inbound.value or {}).get("briefing", ""))
    failed = [d for d in await deps.store.outbox.list_group(briefing_id)
              if d.kind is DeliveryKind.briefing_post and d.status is DeliveryStatus.failed]
    again = [d for d in failed if await retry_delivery(d.id, deps, only_failed=True) is not None]
    if not again:
        await say(turn, strings.NOTHING_TO_RETRY)
        return
    await deps.store.meta.audit({"event": "deliveries_retried", "briefing": briefing_id, "by": inbound.user_aad,
                                 "count": len(again), "at": deps.clock().isoformat()})
    for stamp in {d.payload.get("request") for d in again if d.payload.get("request")}:
        await status_changed(briefing_id, deps, stamp)
    await say(turn, strings.RETRYING.format(count=plural(len(again), "team")))


# --- the second pair of eyes --------------------------------------------------------------------

async def _ask_approvers(request: PublishRequest, record: Briefing, deps: Deps) -> None:
    stamp = request.requested_at.isoformat()
    rows = []
    for person in _approvers(request, deps):
        for part in ("preview", "decision"):
            rows.append(Delivery(
                id=stable_id("approval", record.id, person.aad_object_id, stamp, part), group=f"publish:{record.id}",
                kind=DeliveryKind.approval_request, briefing_id=record.id, recipient=person.aad_object_id,
                payload={"part": part, "request": stamp}, created_at=deps.clock()))
    await deps.store.outbox.enqueue(rows)


async def approval_message(d: Delivery, deps: Deps) -> tuple[ConversationRef, dict, str]:
    """(the requester's chat to reach the approver through, card, summary) for an approval_request row."""
    request = await load_request(d.briefing_id or "", deps, d.payload.get("request"))
    record = await deps.store.briefings.get(d.briefing_id or "")
    if request is None or record is None or request.reply_to is None:
        raise LookupError("the request or its briefing is gone")
    doc = parse_cached(record.source)
    if d.payload.get("part") == "preview":
        return request.reply_to, briefing_card(doc, f"test:{doc.id}"), doc.title
    findings = findings_by_part(record.source, doc, deps) if request.allow_identifiers else []
    return request.reply_to, approval_card(doc, _facts(request, deps), findings, stamp=request.requested_at.isoformat()), \
        f"Approve publishing {doc.title}?"


async def _decision(turn: Turn, inbound: Inbound, deps: Deps) -> tuple[PublishRequest, Briefing] | None:
    """The request an approver's button is about, if it still waits for a decision (else said why)."""
    if not deps.directory.is_approver(inbound.user_aad):
        await say(turn, strings.APPROVERS_ONLY.format(board=deps.directory.board.name))
        return None
    value = inbound.value or {}
    briefing_id = value.get("briefing")
    stamp = value.get("requested_at")
    request = await load_request(briefing_id, deps, stamp) if isinstance(briefing_id, str) \
        and isinstance(stamp, str) and stamp else None
    record = await deps.store.briefings.get(briefing_id) if isinstance(briefing_id, str) else None
    if request is None or record is None:
        await settle(turn, strings.REQUEST_GONE)
        return None
    if request.state is not PublishState.awaiting_approval:
        who = escape_md(request.decided_by_name or "someone")
        await settle(turn, strings.ALREADY_DECIDED.format(state=strings.DECIDED.get(request.state.value, "decided"),
                                                          who=who))
        return None
    if request.requested_by == (inbound.user_aad or "").lower():
        await say(turn, strings.NOT_YOUR_OWN)
        return None
    return request, record


async def publish_approve(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    briefing_id = str((inbound.value or {}).get("briefing", ""))
    async with deps.lock(f"publish:{briefing_id}"):
        found = await _decision(turn, inbound, deps)
        if found is None:
            return
        request, record = found
        now = deps.clock()
        request.decided_by, request.decided_by_name, request.decided_at = inbound.user_aad, inbound.user_name, now
        if request.source_sha and request.source_sha != source_hash(record):
            await _execute(request, record, deps)  # cancels it, and tells the requester why
            await settle(turn, strings.CHANGED_SINCE.format(title=escape_md(record.title)))
            return
        if request.send_at and request.send_at > now:
            request.state = PublishState.scheduled
            await save_request(request, deps)
            await _queue_status(request, deps)  # the requester's card: when, and Cancel
            told = strings.APPROVED_SCHEDULED.format(who=escape_md(inbound.user_name), title=escape_md(record.title),
                                                     when=format_datetime(request.send_at))
        else:
            result = await _execute(request, record, deps)
            told = strings.APPROVED_SENDING.format(who=escape_md(inbound.user_name), title=escape_md(record.title),
                                                   teams=plural(result.queued if result else 0, "team"))
        await _audit(deps, "publish_approved", request, inbound.user_aad, requested_by=request.requested_by)
        await _tell_requester(request, told, deps)
    log.info("publish request approved id=%s", record.id)
    await settle(turn, strings.YOU_APPROVED.format(title=escape_md(record.title), when=format_datetime(now)))


async def publish_reject(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    reason = str((inbound.value or {}).get("reason") or "").strip()
    briefing_id = str((inbound.value or {}).get("briefing", ""))
    async with deps.lock(f"publish:{briefing_id}"):
        found = await _decision(turn, inbound, deps)
        if found is None:
            return
        if not reason:
            await say(turn, strings.REASON_NEEDED)
            return
        request, record = found
        now = deps.clock()
        request.state, request.reason = PublishState.rejected, reason[:1000]
        request.decided_by, request.decided_by_name, request.decided_at = inbound.user_aad, inbound.user_name, now
        await save_request(request, deps)
        await _audit(deps, "publish_rejected", request, inbound.user_aad, requested_by=request.requested_by,
                     reason=request.reason)
        await _queue_status(request, deps)
        await _tell_requester(request, strings.REJECTED.format(who=escape_md(inbound.user_name),
                                                               title=escape_md(record.title),
                                                               reason=quote(request.reason, limit=1000)), deps)
    log.info("publish request rejected id=%s", record.id)
    await settle(turn, strings.YOU_REJECTED.format(title=escape_md(record.title)))


async def publish_withdraw(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Cancel a request that waits for approval or for its time (board staff)."""
    if not deps.directory.is_board_staff(inbound.user_aad):
        await say(turn, strings.STAFF_ONLY.format(board=deps.directory.board.name))
        return
    briefing_id = str((inbound.value or {}).get("briefing", ""))
    async with deps.lock(f"publish:{briefing_id}"):
        request = await open_request(briefing_id, deps)
        if request is None:
            await settle(turn, strings.NOTHING_TO_CANCEL)
            return
        request.state = PublishState.cancelled
        request.decided_by, request.decided_by_name, request.decided_at = inbound.user_aad, inbound.user_name, deps.clock()
        await save_request(request, deps)
        await _audit(deps, "publish_cancelled", request, inbound.user_aad)
    log.info("publish request cancelled id=%s", briefing_id)
    await settle(turn, strings.REQUEST_CANCELLED)


async def _tell_requester(request: PublishRequest, message: str, deps: Deps) -> None:
    if request.reply_to is None:
        return
    await deps.store.outbox.enqueue([Delivery(
        id=stable_id("staff-notice", request.briefing_id, request.requested_at.isoformat(), request.state.value),
        group=f"publish:{request.briefing_id}", kind=DeliveryKind.staff_notice, briefing_id=request.briefing_id,
        recipient=request.requested_by, payload={"text": message, "to": request.reply_to.model_dump(mode="json")},
        created_at=deps.clock())])


# --- a correction after publishing ---------------------------------------------------------------

async def briefing_correction(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """A short note from the board on a published briefing: on every thread's card (updated in
    place), and as a reply in the threads of teams that have sent their minutes."""
    if not deps.directory.is_board_staff(inbound.user_aad):
        await say(turn, strings.STAFF_ONLY.format(board=deps.directory.board.name))
        return
    value = inbound.value or {}
    note = " ".join(str(value.get("note") or "").split())
    briefing_id = str(value.get("briefing", ""))
    if not note:
        await say(turn, strings.CORRECTION_EMPTY)
        return
    if len(note) > MAX_CORRECTION:
        await say(turn, strings.CORRECTION_TOO_LONG.format(limit=MAX_CORRECTION))
        return
    async with deps.lock(f"publish:{briefing_id}"):
        record = await deps.store.briefings.get(briefing_id)
        if record is None or record.status is not BriefingStatus.published:
            await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
            return
        kinds = sorted({f.kind for f in findings_in(note, deps, parse_cached(record.source))})
        if kinds:
            await say(turn, strings.BRIEFING_CORRECTION_IDENTIFIERS.format(
                kinds=" and ".join(described(k) for k in kinds)))
            return
        record.corrections.append(BriefingCorrection(text=note, by=inbound.user_aad, by_name=inbound.user_name,
                                                     at=deps.clock()))
        shown = [(format_date(c.at), c.text) for c in record.corrections]
        largest = briefing_card(parse_cached(record.source), "d-" + "0" * 20, discuss_by="30 September 2026",
                                counts={q.id: 10_000 for q in parse_cached(record.source).questions()},
                                corrections=shown, closed="x" * 80)
        if card_bytes(largest) > MAX_CARD_BYTES:  # characters outside ASCII take up to six bytes each
            await say(turn, strings.CORRECTION_TOO_LONG.format(limit=MAX_CORRECTION // 2))
            return
        await deps.store.briefings.put(record)
        number = len(record.corrections)
    threads = replies = 0
    for discussion in await deps.store.discussions.list_for_briefing(briefing_id):
        if discussion.thread is None:
            continue  # not posted yet: it is posted with the correction
        threads += 1
        await refresh_card(discussion, deps)
        if discussion.closed:
            replies += 1
            await deps.store.outbox.enqueue([Delivery(
                id=stable_id("briefing-correction", discussion.id, str(number)), group=discussion.id,
                kind=DeliveryKind.thread_notice, team_id=discussion.team_id, discussion_id=discussion.id,
                briefing_id=briefing_id, payload={"text": strings.CORRECTION_AFTER_MINUTES.format(
                    note=escape_md(note))}, created_at=deps.clock())])
    await deps.store.meta.audit({"event": "briefing_corrected", "briefing": briefing_id, "by": inbound.user_aad,
                                 "threads": threads, "at": deps.clock().isoformat()})
    log.info("briefing corrected id=%s threads=%d replies=%d", briefing_id, threads, replies)
    await say(turn, strings.briefing_corrected(threads, replies))


# --- the time comes -----------------------------------------------------------------------------

async def send_scheduled(deps: Deps) -> int:
    """Send the requests whose time has come; returns how many were sent. One that fails is
    logged and tried again on the next round; the others go on."""
    now, sent = deps.clock(), 0
    for record in await deps.store.briefings.list():
        request = await load_request(record.id, deps)
        if request is None or request.state is not PublishState.scheduled or not request.send_at \
                or request.send_at > now:
            continue
        try:
            async with deps.lock(f"publish:{record.id}"):
                request = await load_request(record.id, deps)  # cancelled meanwhile?
                if request is None or request.state is not PublishState.scheduled:
                    continue
                result = await _execute(request, record, deps)
                if result is None:
                    continue  # the briefing changed since: cancelled, and the requester told
                await _audit(deps, "published", request, None, scheduled=True)
                await _tell_requester(request, strings.SCHEDULED_SENT.format(
                    title=escape_md(record.title), teams=plural(result.queued, "team")), deps)
        except Exception:
            log.exception("scheduled publishing failed id=%s; tried again shortly", record.id)
            continue
        log.info("scheduled publish sent id=%s queued=%d", record.id, result.queued)
        sent += 1
    return sent
