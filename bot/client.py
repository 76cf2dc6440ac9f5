"""`learning-bot briefing publish`: a client of the admin API that follows the deliveries."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class PublishClientError(Exception):
    pass


async def _call(session: aiohttp.ClientSession, method: str, url: str, **kw):
    try:
        async with session.request(method, url, **kw) as resp:
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                body = None
            if resp.status >= 400:
                message = body.get("error") if isinstance(body, dict) else resp.reason
                details = body.get("problems", []) if isinstance(body, dict) else []
                lines = [f"{method} {url}: {resp.status} {message}"]
                lines += [f"  line {p['line']}: {p['message']}" for p in details]
                raise PublishClientError("\n".join(lines))
            return body
    except aiohttp.ClientError as exc:
        raise PublishClientError(f"cannot reach the bot at {url}: {exc}") from None


async def publish_and_follow(base_url: str, token: str, briefing: str, to: str, *, timeout: float = 600,
                             poll: float = 0.5, console: Console | None = None, discuss_by: str | None = None,
                             allow_identifiers: bool = False, follow_up_weeks: int | None = None) -> int:
    console = console or Console(stderr=True)
    base = base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as session:
        path = Path(briefing)
        if path.suffix == ".md" or path.exists():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise PublishClientError(f"cannot read {path}: {exc}") from None
            uploaded = await _call(session, "POST", f"{base}/api/briefings", data=text.encode(),
                                   headers={"Content-Type": "text/markdown; charset=utf-8"})
            briefing = uploaded["id"]
            console.print(f"Uploaded [bold]{briefing}[/bold]" + ("" if uploaded.get("created") else " (unchanged)"))
        body = {"to": to, **({"discuss_by": discuss_by} if discuss_by else {}),
                **({"allow_identifiers": True} if allow_identifiers else {}),
                **({"follow_up_weeks": follow_up_weeks} if follow_up_weeks is not None else {})}
        result = await _call(session, "POST", f"{base}/api/briefings/{briefing}/publish", json=body)
        console.print(f"Queued for {result['queued']} team(s); {result['skipped']} already had it.")
        deadline = time.monotonic() + timeout
        with Progress(TextColumn("Delivering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=False) as progress:
            task = progress.add_task("deliveries", total=None)
            while True:
                rows = await _call(session, "GET", f"{base}/api/briefings/{briefing}/deliveries")
                done = [r for r in rows if r["status"] != "pending"]
                progress.update(task, total=len(rows), completed=len(done))
                if len(done) == len(rows) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(poll)
    failed = [r for r in rows if r["status"] == "failed"]
    pending = [r for r in rows if r["status"] == "pending"]
    for r in failed:
        console.print(f"[red]failed[/red] {r['team_name'] or r['team_id']}: {r['last_error']}")
    if pending:
        console.print(f"{len(pending)} still pending after {timeout:.0f}s; the bot keeps trying.")
    console.print(f"Sent {len(rows) - len(failed) - len(pending)} of {len(rows)}.")
    return 1 if failed or pending else 0


async def fetch(base_url: str, token: str, method: str, path: str) -> tuple[bytes, str]:
    """One admin API call; returns the body and its content type, or raises PublishClientError."""
    url = f"{base_url.rstrip('/')}{path}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=120)) as session:
            async with session.request(method, url) as resp:
                body = await resp.read()
                if resp.status >= 400:
                    try:
                        message = json.loads(body).get("error", resp.reason)
                    except (ValueError, AttributeError):
                        message = resp.reason
                    raise PublishClientError(f"{method} {url}: {resp.status} {message}")
                return body, resp.content_type
    except aiohttp.ClientError as exc:
        raise PublishClientError(f"cannot reach the bot at {url}: {exc}") from None
