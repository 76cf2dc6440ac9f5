"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from dialogs.deps import Deps
from storage.protocols import Store

from .links import LinkSigner
from .mail import Mailer
from .offload import Jobs
from .ratelimit import RateLimiter
from .settings import Settings
from .teams import LearningBot
from .worker import DeliveryWorker

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
DEPS = web.AppKey("deps", Deps)
ADAPTER = web.AppKey("adapter", CloudAdapter)
BOT = web.AppKey("bot", LearningBot)
WORKER = web.AppKey("worker", DeliveryWorker)
SIGNER = web.AppKey("signer", LinkSigner)
MAILER = web.AppKey("mailer", Mailer)
LIMITER = web.AppKey("limiter", RateLimiter)  # Teams' limits, this replica's share
JOBS = web.AppKey("jobs", Jobs)  # long work in processes of its own (a Word report)
