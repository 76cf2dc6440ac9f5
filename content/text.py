"""Small text helpers: dates as people in England read them, plurals, safe user text."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+!|~<>])")


def format_datetime(moment: datetime) -> str:
    """'14 March 2025, 10:05' in UK time."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


def format_date(moment: datetime | date) -> str:
    """'14 March 2025' (a datetime in UK time; a date as it is)."""
    local = moment.astimezone(LONDON) if isinstance(moment, datetime) else moment
    return f"{local.day} {local:%B %Y}"


def format_time(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%H:%M}"


def slug(name: str, fallback: str) -> str:
    """`name` as a file name's part: lower case, runs of anything but letters and digits as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or fallback


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 team', '5,000 teams'; `plural_form` for irregular nouns ('1 person', '2 people').

    "Minutes" has no singular: say "minutes from 1 team" rather than count the minutes."""
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"


def escape_md(text: str) -> str:
    """User text shown in a card: no Markdown links, emphasis or mentions can be injected."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def quote(text: object, limit: int = 100) -> str:
    """What a user typed (or a card sent back), repeated in a reply: on one line, at most `limit`
    characters, and escaped, so it reads as text and never renders as a link, emphasis or a mention."""
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[:limit - 1] + "\u2026"
    return escape_md(flat)
