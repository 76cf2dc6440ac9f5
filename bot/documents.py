"""Documents on the bot's own server: minutes (Word) and the board's report, by signed link or admin token;
and the admin routes for reports, exports and purging."""

from __future__ import annotations

import asyncio
import base64
import logging

from aiohttp import web

from content.chart import reach_chart_png
from content.documents import minutes_docx, report_docx
from content.email import minutes_file_name
from content.minutes import CompiledMinutes
from content.report_render import report_csv, report_html, report_markdown, responses_csv
from dialogs.reports import build_report
from dialogs.retention import purge

from .admin import admin_only, has_admin_token
from .http_errors import error
from .keys import DEPS, SETTINGS, SIGNER

log = logging.getLogger(__name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _signed(request: web.Request) -> bool:
    q = request.query
    return request.app[SIGNER].verify(request.path, q.get("expires"), q.get("sig"), request.app[DEPS].clock())


def _refused() -> web.Response:
    return web.Response(status=403, content_type="text/plain", text=(
        "This link has expired or is not valid. Ask the bot for the document again: links work for a limited time."))


async def minutes_document(request: web.Request) -> web.Response:
    if not (_signed(request) or has_admin_token(request)):
        return _refused()
    deps = request.app[DEPS]
    minutes = await deps.store.minutes.get(request.match_info["discussion_id"])
    if minutes is None:
        return web.Response(status=404, content_type="text/plain", text="These minutes are no longer kept.")
    compiled = CompiledMinutes.model_validate(minutes.body)
    name = minutes_file_name(compiled)
    # Building a document takes up to half a second: off the event loop, so turns are not held up.
    return web.Response(body=await asyncio.to_thread(minutes_docx, compiled), content_type=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


def _page(report) -> str:
    chart = "data:image/png;base64," + base64.b64encode(reach_chart_png(report)).decode()
    return report_html(report, chart)


async def report_page(request: web.Request) -> web.Response:
    if not (_signed(request) or has_admin_token(request)):
        return _refused()
    report = await build_report(request.app[DEPS], request.match_info["briefing_id"])
    if report is None:
        return web.Response(status=404, content_type="text/plain", text="No such briefing.")
    return web.Response(text=await asyncio.to_thread(_page, report), content_type="text/html",
                        headers={"Cache-Control": "private, no-store"})


@admin_only
async def report_api(request: web.Request) -> web.Response:
    fmt = request.query.get("format", "md")
    report = await build_report(request.app[DEPS], request.match_info["briefing_id"])
    if report is None:
        return error(404, f"no briefing with id '{request.match_info['briefing_id']}'")
    if fmt == "md":
        return web.Response(text=report_markdown(report), content_type="text/markdown")
    if fmt == "csv":
        return web.Response(text=report_csv(report), content_type="text/csv")
    if fmt == "html":
        return web.Response(text=await asyncio.to_thread(_page, report), content_type="text/html")
    if fmt == "docx":
        body = await asyncio.to_thread(lambda: report_docx(report, reach_chart_png(report)))
        return web.Response(body=body, content_type=DOCX)
    return error(400, "format must be md, csv, html or docx")


@admin_only
async def export_api(request: web.Request) -> web.Response:
    if request.query.get("format", "csv") != "csv":
        return error(400, "format must be csv")
    report = await build_report(request.app[DEPS], request.match_info["briefing_id"])
    if report is None:
        return error(404, f"no briefing with id '{request.match_info['briefing_id']}'")
    return web.Response(text=responses_csv(report), content_type="text/csv")


@admin_only
async def purge_api(request: web.Request) -> web.Response:
    dry_run = request.query.get("dry_run", "").lower() in ("1", "true", "yes")
    result = await purge(request.app[DEPS], request.app[SETTINGS].retention_days, dry_run=dry_run)
    return web.json_response(result)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/documents/minutes/{discussion_id}.docx", minutes_document)
    app.router.add_get("/reports/{briefing_id}", report_page)
    app.router.add_get("/api/briefings/{briefing_id}/report", report_api)
    app.router.add_get("/api/briefings/{briefing_id}/export", export_api)
    app.router.add_post("/api/purge", purge_api)
