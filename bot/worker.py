"""The delivery worker: sends due outbox rows, retries what may succeed later, records the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import aiosmtplib
from msrest.exceptions import ClientRequestError

from dialogs.deps import Deps
from dialogs.delivery import CardUpdate, ChannelPost, Email, Outgoing, PersonalMessage, ThreadReply, Undeliverable, after_final, prepare
from storage.models import Delivery, DeliveryStatus
from storage.protocols import StoreError, Superseded

from .mail import Mailer
from .ratelimit import RateLimiter
from .transport import TeamsTransport
from .turn import to_activity

log = logging.getLogger(__name__)
RETRYABLE_HTTP = {408, 412, 429, 500, 502, 503, 504}
MAX_CONVERSATION_WAIT = 1.0  # seconds a send may wait for its conversation while holding a place
SMTP_RETRY_5XX = {530, 534, 535}


@dataclass(frozen=True)
class Failure:
    reason: str
    retryable: bool
    retry_after: float | None = None


def _retry_after(headers: Any, now: datetime) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        with contextlib.suppress(TypeError, ValueError):
            return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    return None


def classify(exc: BaseException, now: datetime) -> Failure:
    """Whether a send failure may succeed later; the reason never includes message content."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if isinstance(status, int):
        headers = getattr(response, "headers", None)
        return Failure(f"HTTP {status}", status in RETRYABLE_HTTP, _retry_after(headers, now))
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        # 4xx is temporary; a refused login (530/534/535) waits for the operator to fix it; other
        # 5xx (no such mailbox, refused message) will not change by retrying.
        return Failure(f"SMTP {exc.code}", 400 <= exc.code < 500 or exc.code in SMTP_RETRY_5XX)
    # msrest wraps a dropped or refused connection to the Bot Connector in ClientRequestError.
    if isinstance(exc, (aiosmtplib.SMTPException, aiohttp.ClientError, asyncio.TimeoutError, OSError,
                        ClientRequestError)):
        return Failure(type(exc).__name__, True)
    return Failure(type(exc).__name__, False)


def conversation_key(out: Outgoing) -> str | None:
    """The conversation a Teams send goes to, for the per-conversation limits (None for email)."""
    if isinstance(out, ChannelPost):
        return out.channel.conversation_id
    if isinstance(out, (ThreadReply, CardUpdate)):
        return out.thread.conversation_id
    if isinstance(out, PersonalMessage):
        return f"personal:{out.user_aad}"
    return None


class DeliveryWorker:
    """Claims due outbox rows, sends them, records the outcome.

    A row is claimed in the store (attempt counted, a lease as its next attempt) before anything is
    sent, so a store that refuses writes sends nothing. An outcome the store refuses is kept here and
    written again, with backoff, before anything new is claimed: the send is not repeated while this
    process lives, and at most once after a crash (when the lease runs out).
    """

    def __init__(self, deps: Deps, teams: TeamsTransport, mailer: Mailer, *, limiter: RateLimiter | None = None,
                 concurrency: int = 16,
                 max_attempts: int = 10, base_delay: float = 2.0, max_delay: float = 600.0,
                 send_timeout: float = 30.0, store_backoff: tuple[float, float] = (0.5, 30.0)) -> None:
        self._deps = deps
        self._teams = teams
        self._mailer = mailer
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._send_timeout = send_timeout
        # Long enough for a wait at Teams' 30-second limit and a send that takes its whole timeout.
        self._lease = timedelta(seconds=60 + 2 * send_timeout)
        self._store_backoff = store_backoff
        self._store_failures = 0
        self._limiter = limiter or RateLimiter(30)
        self._inflight: set[str] = set()
        self._unrecorded: dict[str, Delivery] = {}  # settled, but the store refused the outcome
        self._tasks: set[asyncio.Task] = set()
        self._claim_batch = max(1, concurrency // 2)

    async def run(self) -> None:
        """Loop until cancelled. Pending rows left by a previous run are due again."""
        outbox = self._deps.store.outbox
        while True:
            try:
                if self._unrecorded:
                    await self._record_unrecorded()
                    continue
                free = self._concurrency - len(self._inflight)
                if self._tasks and free < self._claim_batch:
                    # Claim several at once (one write for them all), not one each time a send ends.
                    await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                claimed = await outbox.claim(self._deps.clock(), free, self._lease)
                self._store_failures = 0
                for delivery in claimed:
                    if delivery.id in self._inflight:  # still on its way here after its lease ran out
                        continue
                    self._inflight.add(delivery.id)
                    task = asyncio.create_task(self._process(delivery))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                if not claimed:
                    await outbox.wait_for_work(await self._idle_wait())
                elif free - len(claimed) <= 0:
                    await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                raise
            except StoreError as exc:  # e.g. a full disk: nothing is sent until writes succeed again
                await self._back_off(exc)
            except Exception:  # never die
                log.exception("delivery loop error")
                await asyncio.sleep(1)

    async def _back_off(self, exc: StoreError) -> None:
        self._store_failures += 1
        first, most = self._store_backoff
        delay = min(most, first * 2 ** (self._store_failures - 1))
        log.warning("the store cannot be written (a full disk, a database out of reach); deliveries wait "
                    "(retry in %.1f s): %s", delay, exc)
        await asyncio.sleep(random.uniform(delay / 2, delay))

    async def _record_unrecorded(self) -> None:
        for delivery_id, delivery in list(self._unrecorded.items()):
            await self._record(delivery)  # StoreError: the loop backs off and tries again
            del self._unrecorded[delivery_id]
            self._inflight.discard(delivery_id)
        self._store_failures = 0
        log.info("delivery outcomes recorded after the store accepted writes again")

    async def _idle_wait(self) -> float:
        if self._inflight:
            return 0.05
        next_at = await self._deps.store.outbox.next_due_at()
        if next_at is None:
            return 5.0
        return min(5.0, max(0.01, (next_at - self._deps.clock()).total_seconds()))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _process(self, delivery: Delivery) -> None:
        keep = False
        try:
            settled = await self.attempt(delivery)
            try:
                await self._record(settled)
            except StoreError as exc:
                keep = True  # sent (or failed) but not written down: never send it again for that
                self._unrecorded[settled.id] = settled
                log.warning("could not record delivery outcome id=%s; kept until the store accepts writes: %s",
                            settled.id, exc)
        except StoreError as exc:  # before sending: the row stays claimed and is tried after its lease
            log.warning("delivery not attempted id=%s: %s", delivery.id, exc)
        except Exception:
            log.exception("delivery failed unexpectedly id=%s", delivery.id)
        finally:
            if not keep:
                self._inflight.discard(delivery.id)

    async def _record(self, d: Delivery) -> None:
        """Write the outcome (which ends the claim), then, once final, its follow-ups (each safe to repeat)."""
        d.leased_until = None
        try:
            await self._deps.store.outbox.update(d)
        except Superseded:  # another replica took it over (this one was thought gone): its outcome stands
            log.warning("delivery outcome dropped id=%s: another replica has it", d.id)
            return
        if d.final:
            await after_final(d, self._deps)

    async def attempt(self, d: Delivery) -> Delivery:
        """One attempt at a claimed delivery (its attempt already counted); returns the outcome."""
        now = self._deps.clock()
        try:
            outgoing = await prepare(d, self._deps)
            key = conversation_key(outgoing)
            if key is not None:  # Teams' limits: wait for a slot before the send's own timeout starts
                wait = self._limiter.expected_wait(key)
                if wait > MAX_CONVERSATION_WAIT:
                    # Its conversation is busy for a while: give the place to other conversations
                    # and come back then (not an attempt).
                    d.attempts -= 1
                    d.next_attempt_at = now + timedelta(seconds=wait + random.uniform(0, 0.5))
                    log.debug("delivery deferred id=%s: its conversation is busy for %.1f s", d.id, wait)
                    return d
                await self._limiter.acquire(key)
            d.result = await asyncio.wait_for(self._send(outgoing), self._send_timeout)
        except Undeliverable as exc:
            d.status, d.last_error = DeliveryStatus.failed, str(exc)
        except (StoreError, asyncio.CancelledError):
            raise
        except Exception as exc:
            failure = classify(exc, now)
            d.last_error = failure.reason
            if failure.retryable and d.attempts < self._max_attempts:
                d.next_attempt_at = now + timedelta(seconds=self._delay(d.attempts, failure.retry_after))
            else:
                d.status = DeliveryStatus.failed
            log.warning("delivery attempt failed id=%s kind=%s attempt=%d reason=%s retry=%s",
                        d.id, d.kind, d.attempts, failure.reason, d.status is DeliveryStatus.pending)
        else:
            d.status, d.sent_at, d.last_error = DeliveryStatus.sent, self._deps.clock(), None
            log.info("delivered id=%s kind=%s attempts=%d", d.id, d.kind, d.attempts)
        return d

    def _delay(self, attempts: int, retry_after: float | None) -> float:
        if retry_after is not None:  # the service said when: that, plus a little jitter to spread retries
            return retry_after + random.uniform(0, 0.1 + retry_after * 0.1)
        backoff = min(self._max_delay, self._base_delay * 2 ** (attempts - 1))
        jittered = random.uniform(backoff / 2, backoff)
        return jittered

    async def _send(self, out: Outgoing) -> dict[str, Any]:
        if isinstance(out, ChannelPost):
            return await self._teams.post_new_thread(out.channel, to_activity(out.message))
        if isinstance(out, PersonalMessage):
            return await self._teams.send_personal(out.user_aad, out.via, to_activity(out.message))
        if isinstance(out, ThreadReply):
            return await self._teams.reply(out.thread, to_activity(out.message))
        if isinstance(out, CardUpdate):
            return await self._teams.update(out.thread, out.activity_id, to_activity(out.message))
        if isinstance(out, Email):
            return await self._mailer.send(out.message)
        raise Undeliverable(f"cannot send {type(out).__name__}")
