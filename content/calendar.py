"""Bank holidays in England and Wales, and working days counted around them."""

from __future__ import annotations

import functools
from datetime import date, timedelta

NEW_YEAR = "New Year's Day"
GOOD_FRIDAY = "Good Friday"
EASTER_MONDAY = "Easter Monday"
EARLY_MAY = "Early May bank holiday"
SPRING = "Spring bank holiday"
SUMMER = "Summer bank holiday"
CHRISTMAS = "Christmas Day"
BOXING_DAY = "Boxing Day"
SUBSTITUTE = " (substitute day)"

# One-off changes to the usual pattern, from gov.uk (https://www.gov.uk/bank-holidays) and the
# proclamations it lists. Future one-offs must be added here. Each entry is
# (usual holiday it replaces, or None for an extra day; the date; the name).
ONE_OFFS: dict[int, tuple[tuple[str | None, date, str], ...]] = {
    1995: ((EARLY_MAY, date(1995, 5, 8), "Early May bank holiday (VE day)"),),
    1999: ((None, date(1999, 12, 31), "Millennium celebrations"),),
    2002: ((SPRING, date(2002, 6, 4), SPRING),
           (None, date(2002, 6, 3), "Queen's Golden Jubilee")),
    2011: ((None, date(2011, 4, 29), "Royal wedding"),),
    2012: ((SPRING, date(2012, 6, 4), SPRING),
           (None, date(2012, 6, 5), "Queen's Diamond Jubilee")),
    2020: ((EARLY_MAY, date(2020, 5, 8), "Early May bank holiday (VE day)"),),
    2022: ((SPRING, date(2022, 6, 2), SPRING),
           (None, date(2022, 6, 3), "Platinum Jubilee bank holiday"),
           (None, date(2022, 9, 19), "Bank holiday for the State Funeral of Queen Elizabeth II")),
    2023: ((None, date(2023, 5, 8), "Bank holiday for the coronation of King Charles III"),),
}

_SATURDAY = 5


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _with_substitutes(fixed: list[tuple[date, str]]) -> dict[date, str]:
    """Fixed-date holidays; one on a weekend moves to the next weekday not already a holiday.

    Weekday holidays keep their dates first, so Christmas on a Sunday gives Boxing Day on
    Monday 26th and Christmas on Tuesday 27th; Christmas on a Saturday gives Monday 27th and
    Tuesday 28th.
    """
    days = {day: name for day, name in fixed if day.weekday() < _SATURDAY}
    for day, name in sorted(fixed):
        if day.weekday() < _SATURDAY:
            continue
        sub = day
        while sub.weekday() >= _SATURDAY or sub in days:
            sub += timedelta(days=1)
        days[sub] = name + SUBSTITUTE
    return days


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> tuple[tuple[date, str], ...]:
    easter = easter_sunday(year)
    usual = {
        GOOD_FRIDAY: easter - timedelta(days=2),
        EASTER_MONDAY: easter + timedelta(days=1),
        EARLY_MAY: _first_monday(year, 5),
        SPRING: _last_monday(year, 5),
        SUMMER: _last_monday(year, 8),
    }
    extra: dict[date, str] = {}
    for replaces, day, name in ONE_OFFS.get(year, ()):
        if replaces is not None:
            del usual[replaces]
        extra[day] = name
    days = {day: name for name, day in usual.items()}
    days.update(extra)
    days.update(_with_substitutes([(date(year, 1, 1), NEW_YEAR)]))
    days.update(_with_substitutes([(date(year, 12, 25), CHRISTMAS), (date(year, 12, 26), BOXING_DAY)]))
    return tuple(sorted(days.items()))


@functools.lru_cache(maxsize=64)
def _holiday_dates(year: int) -> frozenset[date]:
    return frozenset(day for day, _ in _holidays(year))


def bank_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays in a year, date -> name, in date order.

    The usual pattern is the one in force since 1978 (when the Early May holiday began), plus
    the one-offs in ONE_OFFS; substitute days carry "(substitute day)" in their name.
    """
    return dict(_holidays(year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return day.weekday() < _SATURDAY and day not in _holiday_dates(day.year)


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
