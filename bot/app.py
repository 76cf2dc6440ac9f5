"""The composition root: `create_app(settings)` builds the aiohttp application and its parts."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import socket
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator, Callable

from aiohttp import web

from content.briefing import bundled_briefings
from content.concern import bundled_rules
from content.directory import load_directory
from content.word import MAX_DOCX_BYTES
from dialogs.deps import Deps
from dialogs.publishing import PublishError, upload_briefing
from dialogs.bundles import due_bundles
from dialogs.follow_ups import due_follow_ups
from dialogs.digest import due_digests
from dialogs.publish_requests import send_scheduled
from dialogs.reminders import due_reminders
from dialogs.retention import purge
from storage.models import utcnow
from storage.protocols import Store, StoreError
from storage.tinydb_store import TinyDBStore

from . import __version__, admin, document_routes
from .admin import has_admin_token
from .adapter import make_adapter
from .files import make_fetcher
from .app_keys import ADAPTER, BOT, DEPS, JOBS, LIMITER, MAILER, SETTINGS, SIGNER, STORE, WORKER
from .offload import Jobs
from .links import LinkSigner, load_secret, shared_secret
from .ratelimit import RateLimiter
from .mail import make_mailer
from .http_errors import BODY_TIMEOUT, LARGER_BODIES, json_errors, read_body_in_time, request_ids
from .logs import ServerLog
from .messages import messages
from .settings import Settings
from .teams import LearningBot
from .transport import TeamsTransport
from .worker import DeliveryWorker

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


async def healthz(request: web.Request) -> web.Response:
    """200 "ok"; 200 "degraded" while it serves but needs a person (e.g. `store.damaged`: response
    logs with lines it skipped); 503 "degraded" when the store is not usable."""
    store = await request.app[STORE].status()
    ok = bool(store.get("ok"))
    return web.json_response({"status": "ok" if ok and not store.get("damaged") else "degraded",
                              "version": __version__, "store": store}, status=200 if ok else 503)


async def run_schedules(deps: Deps, settings: Settings, interval: float = 900.0) -> None:
    """Every quarter of an hour: reminders and weekly digests that are due (sent through the outbox),
    and once a day the retention purge."""
    last_purge = None
    while True:
        try:
            # Replicas sharing a database: one runs a pass, the others pass it by.
            async with deps.store.locks.try_hold("scheduled-work") as ours:
                if ours:
                    last_purge = await _scheduled_pass(deps, settings, last_purge)
        except StoreError as exc:  # the store is unavailable for now (a database out of reach): next time
            log.warning("scheduled work waits for the store: %s", exc)
        except Exception:
            log.exception("scheduled work failed")
        await asyncio.sleep(interval)


async def _scheduled_pass(deps: Deps, settings: Settings, last_purge: date | None) -> date | None:
    """One pass of the scheduled work; the day of the last purge (done at most once a day here)."""
    today = deps.clock().date()
    jobs = [("reminders", lambda: due_reminders(deps, settings.reminder_days)),
            ("digests", lambda: due_digests(deps, settings.digest_day, settings.digest_time)),
            ("bundles of minutes", lambda: due_bundles(deps)),
            ("follow-ups of actions", lambda: due_follow_ups(deps))]
    if last_purge != today:
        jobs.append(("retention purge", lambda: purge(deps, settings.retention_days)))
    for name, job in jobs:  # each on its own: one failing does not hold up the others
        try:
            await job()
            if name == "retention purge":
                last_purge = today
        except StoreError as exc:  # the store is unavailable for now: next time
            log.warning("scheduled work waits for the store: %s: %s", name, exc)
        except Exception:  # try again later
            log.exception("scheduled work failed: %s", name)
    return last_purge


async def send_scheduled_publishes(deps: Deps, interval: float = 20.0) -> None:
    """Briefings scheduled to go at a time: sent within `interval` seconds of it."""
    while True:
        try:
            async with deps.store.locks.try_hold("scheduled-publishing") as ours:
                if ours:
                    await send_scheduled(deps)
        except StoreError as exc:  # the store is unavailable for now: next time
            log.warning("scheduled publishing waits for the store: %s", exc)
        except Exception:  # try again later
            log.exception("scheduled publishing failed")
        await asyncio.sleep(interval)


def make_store(settings: Settings) -> Store:
    """PostgreSQL with LEARNING_BOT_DATABASE_URL, else the embedded store in the data directory."""
    if settings.database_url is not None:
        from storage.postgres import PostgresStore  # only then: the embedded default never loads the driver

        return PostgresStore(settings.database_url.get_secret_value(), pool_size=settings.database_pool)
    return TinyDBStore(settings.data_dir)


async def _once_available(app: web.Application) -> None:
    """Once the store can be used: the link secret kept in a shared database, the bundled briefings."""
    store, deps = app[STORE], app[DEPS]
    while not store.available:  # a database still being reached (the store retries with backoff)
        await asyncio.sleep(0.2)
    while True:
        try:
            if app[SIGNER].needs_secret:
                app[SIGNER].use_secret(await shared_secret(store))
            for name, text in bundled_briefings():
                try:
                    record, created = await upload_briefing(text, deps)
                except PublishError as exc:  # the package's copy changed after it was published here
                    log.warning("bundled briefing %s not reloaded: %s; the stored copy stays", name, exc)
                    continue
                if created:
                    log.info("bundled briefing loaded id=%s from %s", record.id, name)
            return
        except StoreError as exc:  # the database went away again: once it is back
            log.warning("could not load the bundled briefings yet: %s", exc)
            await asyncio.sleep(2.0)


async def _store(app: web.Application) -> AsyncIterator[None]:
    """The store, open for the app's life, with the bundled briefings loaded into it (before the
    first request, or, with a database still being reached, as soon as it is)."""
    store = app[STORE]
    await store.open()
    for _ in range(50):  # a database a moment away: before serving (then 503 until it is reached)
        if store.available:
            break
        await asyncio.sleep(0.1)
    loading = asyncio.create_task(_once_available(app), name="store ready")
    try:
        if store.available:
            await loading
        yield
    finally:
        loading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loading
        await store.close()


async def _signing_keys(app: web.Application) -> AsyncIterator[None]:
    """The channel's signing keys are refreshed in the background; stopped at the end."""
    yield
    await app[ADAPTER].bot_framework_authentication.close()


async def _background(coro, name: str) -> AsyncIterator[None]:
    task = asyncio.create_task(coro, name=name)
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _delivery_worker(app: web.Application) -> AsyncIterator[None]:
    async for _ in _background(app[WORKER].run(), "delivery-worker"):
        yield
    await app[WORKER].stop()


async def _schedules(app: web.Application) -> AsyncIterator[None]:
    interval = 2.0 if app[SETTINGS].test_clock_file is not None else 900.0  # a test moving the clock sees it soon
    async for _ in _background(run_schedules(app[DEPS], app[SETTINGS], interval), "schedules"):
        yield


def file_clock(path: Path) -> Callable[[], datetime]:
    """Now as a file says (an ISO date and time, UTC if it names no zone), else the real time."""
    def now() -> datetime:
        try:
            when = datetime.fromisoformat(path.read_text().strip())
        except (OSError, ValueError):
            return utcnow()
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return now


REPLICA_ID = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


async def share_limits(store: Store, limiter: RateLimiter) -> None:
    """Say this replica is alive, and take its share of Teams' limits as the number of replicas
    sharing the store changes (one alone for the embedded store)."""
    try:
        replicas = await store.heartbeat(REPLICA_ID)
    except StoreError as exc:  # keeps the share it had; the others void its claims if it stays silent
        log.warning("could not tell the other replicas this one is alive: %s", exc)
        return
    except Exception:  # never ends the heartbeats
        log.exception("could not tell the other replicas this one is alive")
        return
    if replicas != limiter.replicas:
        limiter.share(replicas)
        log.info("replicas sharing the store: %d; this one sends at most %g Teams calls a second",
                 replicas, limiter.per_second)


async def _share_limits_every(store: Store, limiter: RateLimiter, interval: float = 5.0) -> None:
    while True:
        await asyncio.sleep(interval)
        await share_limits(store, limiter)


async def _replica_share(app: web.Application) -> AsyncIterator[None]:
    if app[STORE].available:  # before the first send: a replica joining others starts with its share
        await share_limits(app[STORE], app[LIMITER])
    async for _ in _background(_share_limits_every(app[STORE], app[LIMITER]), "replica share"):
        yield


async def _publishing_timer(app: web.Application) -> AsyncIterator[None]:
    async for _ in _background(send_scheduled_publishes(app[DEPS]), "scheduled publishing"):
        yield


async def _ready(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    log.info("ready: store=%s mail=%s auth=%s", (await app[STORE].status())["backend"], app[MAILER].describe(),
             "off (local mode, loopback only)" if settings.local_mode else "on")
    # What exists now lives as long as the process: keep it out of the collector's full passes,
    # which otherwise pause turns for tens of milliseconds. A second after the start, so that the
    # collection (some 60 ms with 10,000 teams) is not on the way to answering the health check.
    def freeze() -> None:
        gc.collect()
        gc.freeze()

    handle = asyncio.get_running_loop().call_later(1.0, freeze)
    yield
    handle.cancel()


async def _stop_jobs(app: web.Application) -> None:
    app[JOBS].stop_all()


def create_app(settings: Settings, *, store: Store | None = None) -> web.Application:
    """Build the app. Nothing is opened until it starts (the cleanup contexts above, one per resource)."""
    directory = load_directory(settings.directory)  # a bad file stops here, naming the line
    bundled_rules()  # the live-concern rules, compiled now (not in a turn); a bad file stops here too
    store = store or make_store(settings)
    mailer = make_mailer(settings)
    configured = settings.link_secret.get_secret_value() if settings.link_secret else None
    # Replicas on one database must sign links alike: without a configured secret, theirs is kept in it.
    secret = None if settings.database_url is not None and not configured else load_secret(configured, settings.data_dir)
    signer = LinkSigner(secret, settings.public_url, timedelta(days=settings.link_days))
    deps = Deps(store=store, directory=directory, mail_from=settings.mail_from,
                purge_mail=lambda cutoff, dry_run: mailer.purge_before(cutoff, dry_run=dry_run))
    if settings.test_clock_file is not None:
        deps.clock = file_clock(settings.test_clock_file)
        log.warning("TEST CLOCK: the bot's time is read from %s while it exists (tests only)", settings.test_clock_file)
    deps.link = lambda path: signer.sign(path, deps.clock())
    deps.fetch_file = make_fetcher(local_mode=settings.local_mode, limit=MAX_DOCX_BYTES)
    adapter = make_adapter(settings)

    # ServerLog: what aiohttp refuses before a route runs (e.g. a header over 8 KB) is one WARNING line.
    app = web.Application(client_max_size=MAX_BODY, middlewares=[request_ids, json_errors, read_body_in_time],
                          handler_args={"logger": ServerLog()})
    app[BODY_TIMEOUT] = settings.body_timeout
    app[LARGER_BODIES] = {("POST", "/api/briefings"): (MAX_DOCX_BYTES + 64 * 1024, has_admin_token)}  # a Word briefing
    app[SETTINGS] = settings
    app[STORE] = store
    app[SIGNER] = signer
    app[DEPS] = deps
    app[ADAPTER] = adapter
    app[BOT] = LearningBot(deps)
    app[LIMITER] = RateLimiter(settings.send_rate)
    app[WORKER] = DeliveryWorker(deps, TeamsTransport(adapter, settings.bot_app_id), mailer, limiter=app[LIMITER])

    app[MAILER] = mailer
    app[JOBS] = Jobs()
    # Before the server waits for requests under way: a Word report being built is given up at once.
    app.on_shutdown.append(_stop_jobs)
    # One cleanup context per resource: opened in this order, closed in the reverse one.
    app.cleanup_ctx.extend([_store, _signing_keys, _replica_share, _delivery_worker, _schedules, _publishing_timer, _ready])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    admin.add_routes(app)
    document_routes.add_routes(app)
    return app
