"""When a lead's daily bundle of minutes goes: 8am UK time on working days in England and Wales."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dialogs.bundles import next_bundle_at
from content.text import LONDON

CASES = [
    ("before 8am on a working day: that morning", datetime(2026, 12, 1, 6, 59, tzinfo=timezone.utc), "2026-12-01 08:00"),
    ("after 8am: the next working day", datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc), "2026-12-02 08:00"),
    ("Friday afternoon: Monday", datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc), "2026-12-07 08:00"),
    ("Saturday early: Monday, not Saturday", datetime(2026, 12, 5, 6, 0, tzinfo=timezone.utc), "2026-12-07 08:00"),
    # Christmas Day is a Friday; Boxing Day's substitute is Monday 28 December.
    ("Christmas Eve: after the bank holidays", datetime(2026, 12, 24, 10, 0, tzinfo=timezone.utc), "2026-12-29 08:00"),
    ("summer time: 8am in London, 7am UTC", datetime(2026, 6, 2, 6, 30, tzinfo=timezone.utc), "2026-06-02 08:00"),
    ("summer time, 7:30 UTC is after 8am in London", datetime(2026, 6, 2, 7, 30, tzinfo=timezone.utc), "2026-06-03 08:00"),
]


@pytest.mark.parametrize("name, now, expected", CASES, ids=[c[0] for c in CASES])
def test_the_next_bundle(name, now, expected):
    assert next_bundle_at(now).astimezone(LONDON).strftime("%Y-%m-%d %H:%M") == expected
