"""Documents on the bot's own server: minutes (Word), the board's report, a lead's full digest and the
outstanding teams, by signed link or admin token; and the admin routes for reports, exports and purging."""

from __future__ import annotations

import asyncio
import base64
import logging

from aiohttp import web

from content.chart import actions_chart_png, reach_chart_png
from content.email import minutes_file_name
from content.minutes import CompiledMinutes
from content.report_render import actions_csv, report_csv, report_html, report_markdown, responses_csv
from dialogs.digest import digest_page_html
from dialogs.outstanding import outstanding_page_html
from dialogs.pages import parse_scope
from dialogs.reports import SHOWN_PER_QUESTION, actions_export, build_report
from dialogs.retention import purge

from .admin import admin_only, has_admin_token
from .http_errors import error
from .offload import OffloadFailed, Stopping
from .app_keys import DEPS, JOBS, SETTINGS, SIGNER

log = logging.getLogger(__name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _signed(request: web.Request) -> bool:
    q = request.query
    return request.app[SIGNER].verify(request.path, q.get("expires"), q.get("sig"), request.app[DEPS].clock())


def _refused() -> web.Response:
    return web.Response(status=403, content_type="text/plain", text=(
        "This link has expired or is not valid. Ask the bot for the document again: links work for a limited time."))


async def minutes_document(request: web.Request) -> web.Response:
    """The minutes for the leads of the organisation they were sent to: a signed link names the
    organisation it was given for and opens the minutes only while they are that organisation's.
    Links of the earlier form named none (one was given to another organisation's lead after a team
    moved), so they are refused: the lead asks again. The admin token opens either form."""
    organisation_id = request.match_info.get("organisation_id")
    if not ((organisation_id is not None and _signed(request)) or has_admin_token(request)):
        return _refused()
    deps = request.app[DEPS]
    minutes = await deps.store.minutes.get(request.match_info["discussion_id"])
    if minutes is None:
        return web.Response(status=404, content_type="text/plain", text="These minutes are no longer kept.")
    if organisation_id is not None and organisation_id != minutes.organisation_id:
        log.warning("minutes link refused: not the organisation the minutes were sent to")
        return _refused()
    compiled = CompiledMinutes.model_validate(minutes.body)
    name = minutes_file_name(compiled)
    # Building a document takes up to half a second: off the event loop, so turns are not held up.
    from content.documents import minutes_docx  # python-docx when a document is made, not at start-up

    return web.Response(body=await asyncio.to_thread(minutes_docx, compiled), content_type=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


def _page(report) -> str:
    def src(png: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(png).decode()

    return report_html(report, src(reach_chart_png(report)),
                       src(actions_chart_png(report)) if report.actions_agreed else None)


async def report_page(request: web.Request) -> web.Response:
    """The report, for every organisation, or for those in the (signed) path: a lead's."""
    if not (_signed(request) or has_admin_token(request)):
        return _refused()
    scope = None
    if "organisations" in request.match_info:
        try:
            scope = parse_scope(request.match_info["organisations"], request.app[DEPS].directory, allow_all=False)
        except ValueError:
            return _no_page()
    report = await build_report(request.app[DEPS], request.match_info["briefing_id"], scope,
                                detail=SHOWN_PER_QUESTION)
    if report is None:
        return web.Response(status=404, content_type="text/plain", text="No such briefing.")
    return web.Response(text=await asyncio.to_thread(_page, report), content_type="text/html",
                        headers={"Cache-Control": "private, no-store"})


PAGE_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def _page_response(page: str) -> web.Response:
    response = web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)
    response.enable_compression()  # thousands of teams make megabytes of HTML; it compresses twentyfold
    return response


def _no_page() -> web.Response:
    return web.Response(status=404, content_type="text/plain", text="There is no such page.")


async def digest_page(request: web.Request) -> web.Response:
    """The full digest for the organisations in the (signed) path."""
    if not (_signed(request) or has_admin_token(request)):
        return _refused()
    deps = request.app[DEPS]
    try:
        scope = parse_scope(request.match_info["organisations"], deps.directory, allow_all=False)
    except ValueError:
        return _no_page()
    return _page_response(await digest_page_html(deps, scope or set()))


async def outstanding_page(request: web.Request) -> web.Response:
    """Every outstanding team of the organisations in the (signed) path, or of all for board staff."""
    if not (_signed(request) or has_admin_token(request)):
        return _refused()
    deps = request.app[DEPS]
    briefing_id = request.match_info.get("briefing_id")
    try:
        scope = parse_scope(request.match_info["scope"], deps.directory, allow_all=True)
    except ValueError:
        return _no_page()
    if briefing_id and await deps.store.briefings.get(briefing_id) is None:
        return _no_page()
    return _page_response(await outstanding_page_html(deps, scope, briefing_id))


@admin_only
async def report_api(request: web.Request) -> web.Response:
    fmt = request.query.get("format", "md")
    # The figures count every response; the page, Markdown and Word document show up to
    # SHOWN_PER_QUESTION of each question's (the CSV export has them all).
    report = await build_report(request.app[DEPS], request.match_info["briefing_id"],
                                detail=0 if fmt == "csv" else SHOWN_PER_QUESTION)
    if report is None:
        return error(404, f"no briefing with id '{request.match_info['briefing_id']}'")
    if fmt == "md":
        return web.Response(text=report_markdown(report), content_type="text/markdown")
    if fmt == "csv":
        return web.Response(text=report_csv(report), content_type="text/csv")
    if fmt == "html":
        return web.Response(text=await asyncio.to_thread(_page, report), content_type="text/html")
    if fmt == "docx":
        # A partnership's report takes seconds of CPU: in a process of its own, so that teams'
        # submissions meanwhile are not kept waiting, and a stop does not wait for it.
        try:
            from content.documents import report_document

            body = await request.app[JOBS].run(report_document, report)
        except Stopping:
            return error(503, "the bot is stopping; ask again in a minute")
        except OffloadFailed as exc:
            log.error("the Word report could not be built briefing=%s: %s", report.briefing_id, exc)
            return error(500, "the Word report could not be built; the log says why")
        return web.Response(body=body, content_type=DOCX)
    return error(400, "format must be md, csv, html or docx")


@admin_only
async def export_api(request: web.Request) -> web.Response:
    if request.query.get("format", "csv") != "csv":
        return error(400, "format must be csv")
    kind = request.query.get("kind", "responses")
    if kind not in ("responses", "actions"):
        return error(400, "kind must be responses or actions")
    if kind == "actions":
        if await request.app[DEPS].store.briefings.get(request.match_info["briefing_id"]) is None:
            return error(404, f"no briefing with id '{request.match_info['briefing_id']}'")
        return web.Response(text=actions_csv(await actions_export(request.app[DEPS], request.match_info["briefing_id"])),
                            content_type="text/csv")
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
    app.router.add_get("/documents/minutes/{organisation_id}/{discussion_id}.docx", minutes_document)
    app.router.add_get("/documents/minutes/{discussion_id}.docx", minutes_document)  # admin token only
    app.router.add_get("/reports/{briefing_id}", report_page)
    app.router.add_get("/reports/{briefing_id}/{organisations}", report_page)
    app.router.add_get("/pages/digest/{organisations}", digest_page)
    app.router.add_get("/pages/outstanding/{scope}", outstanding_page)
    app.router.add_get("/pages/outstanding/{scope}/{briefing_id}", outstanding_page)
    app.router.add_get("/api/briefings/{briefing_id}/report", report_api)
    app.router.add_get("/api/briefings/{briefing_id}/export", export_api)
    app.router.add_post("/api/purge", purge_api)
