"""The admin HTTP API for board staff tools: upload, list and publish briefings, follow deliveries."""

from __future__ import annotations

import hmac
import logging
from typing import Awaitable, Callable

from aiohttp import web

from content.word import DOCX_TYPE, WordProblems
from content.yamlfile import ContentError
from content.text import LONDON
from dialogs.drafting import read_word, save_draft
from dialogs.forwarding import discussion_organisation
from dialogs.publishing import (PublishError, parse_discuss_by, parse_follow_up_weeks, publish,
                               retry_delivery as queue_again, upload_briefing)
from storage.models import DeliveryKind, DeliveryStatus, Discussion

from .http_errors import error, read_json
from .app_keys import DEPS, SETTINGS

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def has_admin_token(request: web.Request) -> bool:
    """The request carries `Authorization: Bearer <LEARNING_BOT_ADMIN_TOKEN>` (and one is configured)."""
    token = request.app[SETTINGS].admin_token
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return token is not None and scheme.lower() == "bearer" and hmac.compare_digest(
        given.encode(), token.get_secret_value().encode())


def admin_only(handler: Handler) -> Handler:
    """404 when no admin token is configured (the API does not exist), 401 for a wrong token."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        if request.app[SETTINGS].admin_token is None:
            return error(404, "not found")
        if not has_admin_token(request):
            log.warning("admin request refused: bad token")
            return error(401, "a valid admin token is required (Authorization: Bearer <token>)")
        return await handler(request)

    return guarded


@admin_only
async def upload(request: web.Request) -> web.Response:
    """A briefing file (Markdown, UTF-8), or a Word document (its content type) made into a draft."""
    raw = await request.read()
    if request.content_type == DOCX_TYPE:
        return await upload_word(request, raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return error(400, "the briefing must be UTF-8 text")
    try:
        record, created = await upload_briefing(text, request.app[DEPS])
    except ContentError as exc:
        problems = [{"line": p.line, "message": p.message} for p in exc.problems]
        return error(422, "the briefing is not valid", problems=problems)
    except PublishError as exc:
        return error(exc.status, str(exc))
    return web.json_response({"id": record.id, "created": created}, status=201 if created else 200)


async def upload_word(request: web.Request, raw: bytes) -> web.Response:
    deps = request.app[DEPS]
    try:
        draft = await read_word(raw, deps)
    except WordProblems as exc:
        return error(422, "the Word document could not be made into a briefing",
                     problems=[{"message": p} for p in exc.problems])
    if draft.published:
        return error(409, f"briefing '{draft.doc.id}' has already been published and cannot be changed; "
                          "give the revised briefing a new title or date")
    record = await save_draft(draft, deps)
    return web.json_response({"id": record.id, "created": draft.existing is None, "title": record.title,
                              "status": record.status, "notes": draft.notes, "findings": draft.findings},
                             status=201 if draft.existing is None else 200)


@admin_only
async def list_briefings(request: web.Request) -> web.Response:
    rows = await request.app[DEPS].store.briefings.list()
    return web.json_response([
        {"id": b.id, "title": b.title, "issued": b.issued, "status": b.status,
         "uploaded_at": b.uploaded_at.isoformat()} for b in rows
    ])


@admin_only
async def publish_briefing(request: web.Request) -> web.Response:
    body = await read_json(request)
    to = body.get("to") if isinstance(body, dict) else None
    if not isinstance(to, str):
        return error(400, "send {\"to\": \"all\" | \"org:<organisation id>\" | \"team:<team id>\"} "
                          "(and optionally \"discuss_by\": \"YYYY-MM-DD\", \"follow_up_weeks\": 0 to 52)")
    deps = request.app[DEPS]
    if deps.directory.board.approval_required:  # the token says who runs the bot, not who approved
        return error(403, "this board's directory requires an approver's approval to publish: publish from Teams "
                          "(attach the briefing, or say publish ID in your chat with the bot)")
    try:
        discuss_by = parse_discuss_by(body.get("discuss_by"), deps.clock().astimezone(LONDON).date())
        weeks = parse_follow_up_weeks(body.get("follow_up_weeks"))
        result = await publish(request.match_info["briefing_id"], to, deps, discuss_by,
                               body.get("allow_identifiers") is True, follow_up_weeks=weeks)
    except PublishError as exc:
        return error(exc.status, str(exc))
    return web.json_response({"queued": result.queued, "skipped": result.skipped}, status=202)


@admin_only
async def deliveries(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    briefing_id = request.match_info["briefing_id"]
    if await deps.store.briefings.get(briefing_id) is None:
        return error(404, f"no briefing with id '{briefing_id}'")
    rows = []
    for d in await deps.store.outbox.list_group(briefing_id):
        if d.kind is not DeliveryKind.briefing_post:
            continue
        team = await deps.store.teams.get(d.team_id or "")
        discussion = await deps.store.discussions.get(Discussion.make_id(briefing_id, d.team_id or ""))
        # Once its minutes are sent, a team's discussion stays with the organisation they went to.
        org = deps.directory.organisation(await discussion_organisation(deps, discussion, team) if discussion
                                          else team.organisation_id if team else None)
        rows.append({
            "team_id": d.team_id, "team_name": team.name if team else None,
            "organisation": org.id if org else None, "status": d.status, "attempts": d.attempts,
            "last_error": d.last_error, "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        })
    return web.json_response(rows)


@admin_only
async def list_deliveries(request: web.Request) -> web.Response:
    status = request.query.get("status", "failed")
    if status not in {s.value for s in DeliveryStatus}:
        return error(400, "status must be pending, sent or failed")
    rows = await request.app[DEPS].store.outbox.list_status(status)
    return web.json_response([
        {"id": d.id, "kind": d.kind, "briefing_id": d.briefing_id, "team_id": d.team_id,
         "discussion_id": d.discussion_id, "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
         "next_attempt_at": d.next_attempt_at.isoformat(), "sent_at": d.sent_at.isoformat() if d.sent_at else None}
        for d in rows
    ])


@admin_only
async def retry_delivery(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    delivery = await deps.store.outbox.get(request.match_info["delivery_id"])
    if delivery is None:
        return error(404, "no such delivery")
    again = await queue_again(delivery.id, deps, only_failed=False)
    if again is None:
        return error(409, "that delivery was sent; it is not sent again")
    return web.json_response({"id": again.id, "status": again.status}, status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/deliveries", list_deliveries)
    app.router.add_post("/api/deliveries/{delivery_id}/retry", retry_delivery)
    app.router.add_post("/api/briefings", upload)
    app.router.add_get("/api/briefings", list_briefings)
    app.router.add_post("/api/briefings/{briefing_id}/publish", publish_briefing)
    app.router.add_get("/api/briefings/{briefing_id}/deliveries", deliveries)
