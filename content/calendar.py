"""Bank holidays in England and Wales, and working days counted around them."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from .text import LONDON

WORKING_HOURS = (9, 17)  # UK time: when the bot may nudge a team (a reminder, a follow-up)

SUBSTITUTE = " (substitute day)"
_SATURDAY = 5


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[tuple[date, str], ...]:
    # The `holidays` package keeps the one-offs (jubilees, a coronation, a state funeral) as they
    # are proclaimed; a holiday on a weekend is "observed" on a weekday (gov.uk: a substitute day).
    import holidays  # here, not at start-up: the package loads every country's calendar (some 30 ms)

    days = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return tuple(sorted((day, name.replace(" (observed)", SUBSTITUTE)) for day, name in days.items()
                        if day.weekday() < _SATURDAY))


@functools.lru_cache(maxsize=64)
def _holiday_dates(year: int) -> frozenset[date]:
    return frozenset(day for day, _ in _holidays(year))


def bank_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays in a year, date -> name, in date order (the days off:
    a holiday on a weekend is its substitute day, "(substitute day)" in its name)."""
    return dict(_holidays(year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < _SATURDAY and day not in _holiday_dates(day.year)


def is_working_time(moment: datetime) -> bool:
    """A working day, in working hours, UK time."""
    local = moment.astimezone(LONDON)
    return is_working_day(local.date()) and WORKING_HOURS[0] <= local.hour < WORKING_HOURS[1]


def next_working_day(day: date) -> date:
    """The day itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, n: int) -> date:
    """The working day n working days after day.

    A non-working start counts from the next working day (as something received on a bank
    holiday is treated as received the next working day), so n=0 is next_working_day(day).
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    day = next_working_day(day)
    for _ in range(n):
        day = next_working_day(day + timedelta(days=1))
    return day
