"""Signed links to the full pages behind a card, each bound to the organisations its reader may see."""

from __future__ import annotations

import logging
from typing import Iterable

from content.directory import Directory

from .deps import Deps

log = logging.getLogger(__name__)
ALL = "all"  # board staff: every organisation


def digest_path(organisation_ids: Iterable[str]) -> str:
    """The organisations are in the signed path, so a link cannot be turned into another organisation's."""
    return f"/pages/digest/{','.join(sorted(set(organisation_ids)))}"


def outstanding_path(organisation_ids: Iterable[str] | None, briefing_id: str | None = None) -> str:
    scope = ALL if organisation_ids is None else ",".join(sorted(set(organisation_ids)))
    return f"/pages/outstanding/{scope}" + (f"/{briefing_id}" if briefing_id else "")


def parse_scope(raw: str, directory: Directory, *, allow_all: bool) -> set[str] | None:
    """The organisation ids in a page's path; None for all organisations (where `allow_all`).
    ValueError for anything else: an unknown organisation, a repeated one, 'all' where not allowed."""
    if raw == ALL and allow_all:
        return None
    ids = raw.split(",")
    if not raw or len(set(ids)) != len(ids) or any(directory.organisation(i) is None for i in ids):
        raise ValueError("not a list of organisations")
    return set(ids)


class _Once:
    """Tells the operator once per process, not on every card."""

    told = False


def page_link(deps: Deps, path: str) -> str | None:
    """A signed, expiring link to `path`; None (and a warning for the operator, once) when the bot has no
    public address. Users are told what they can do instead, never which setting is missing."""
    url = deps.link(path)
    if url is None and not _Once.told:
        _Once.told = True
        log.warning("cards cannot link to documents or pages: LEARNING_BOT_PUBLIC_URL is not set")
    return url
