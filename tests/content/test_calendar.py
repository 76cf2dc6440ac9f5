"""Bank holidays in England and Wales (checked against gov.uk) and working-day arithmetic."""

from datetime import date, timedelta

import pytest

from content.calendar import add_working_days, bank_holidays, is_working_day, next_working_day

# The years with one-off changes to the usual eight (gov.uk and the proclamations it lists).
ONE_OFF_YEARS = {1981, 1995, 1999, 2002, 2011, 2012, 2020, 2022, 2023}  # 1981: the royal wedding, missing from the hand-kept list this replaced

# gov.uk/bank-holidays, England and Wales: (month, day) for each year.
GOV_UK = {
    2018: [(1, 1), (3, 30), (4, 2), (5, 7), (5, 28), (8, 27), (12, 25), (12, 26)],
    2019: [(1, 1), (4, 19), (4, 22), (5, 6), (5, 27), (8, 26), (12, 25), (12, 26)],
    2020: [(1, 1), (4, 10), (4, 13), (5, 8), (5, 25), (8, 31), (12, 25), (12, 28)],
    2021: [(1, 1), (4, 2), (4, 5), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)],
    2022: [(1, 3), (4, 15), (4, 18), (5, 2), (6, 2), (6, 3), (8, 29), (9, 19), (12, 26), (12, 27)],
    2023: [(1, 2), (4, 7), (4, 10), (5, 1), (5, 8), (5, 29), (8, 28), (12, 25), (12, 26)],
    2024: [(1, 1), (3, 29), (4, 1), (5, 6), (5, 27), (8, 26), (12, 25), (12, 26)],
    2025: [(1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26)],
    2026: [(1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)],
    2027: [(1, 1), (3, 26), (3, 29), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)],
}


@pytest.mark.parametrize("year", sorted(GOV_UK))
def test_matches_gov_uk(year):
    holidays = bank_holidays(year)
    assert list(holidays) == [date(year, m, d) for m, d in GOV_UK[year]]
    assert all(day.weekday() < 5 for day in holidays)


def test_names_and_substitutes():
    assert bank_holidays(2021)[date(2021, 12, 27)] == "Christmas Day (substitute day)"
    assert bank_holidays(2021)[date(2021, 12, 28)] == "Boxing Day (substitute day)"
    h2022 = bank_holidays(2022)
    assert h2022[date(2022, 1, 3)] == "New Year's Day (substitute day)"
    assert h2022[date(2022, 12, 26)] == "Boxing Day"
    assert h2022[date(2022, 12, 27)] == "Christmas Day (substitute day)"
    assert "Spring" in h2022[date(2022, 6, 2)]
    assert "Jubilee" in h2022[date(2022, 6, 3)]
    assert "State Funeral" in h2022[date(2022, 9, 19)]
    assert "Coronation" in bank_holidays(2023)[date(2023, 5, 8)]
    assert bank_holidays(2023)[date(2023, 1, 2)] == "New Year's Day (substitute day)"
    assert bank_holidays(2026)[date(2026, 12, 28)] == "Boxing Day (substitute day)"
    assert bank_holidays(2025)[date(2025, 4, 18)] == "Good Friday"
    assert bank_holidays(2025)[date(2025, 4, 21)] == "Easter Monday"


def test_earlier_one_offs():
    assert sorted(bank_holidays(2012))[3:6] == [date(2012, 5, 7), date(2012, 6, 4), date(2012, 6, 5)]
    assert date(2012, 5, 28) not in bank_holidays(2012)
    assert date(2011, 4, 29) in bank_holidays(2011) and len(bank_holidays(2011)) == 9
    assert {date(2002, 6, 3), date(2002, 6, 4)} <= set(bank_holidays(2002))
    assert date(2002, 5, 27) not in bank_holidays(2002)
    assert date(1995, 5, 8) in bank_holidays(1995) and date(1995, 5, 1) not in bank_holidays(1995)
    assert date(2020, 5, 4) not in bank_holidays(2020)
    assert date(1999, 12, 31) in bank_holidays(1999)


def test_christmas_substitution_patterns():
    # Christmas on Saturday (2010), Sunday (2016), Friday (2020), Monday (2023).
    assert [d for d in bank_holidays(2010) if d.month == 12] == [date(2010, 12, 27), date(2010, 12, 28)]
    assert [d for d in bank_holidays(2016) if d.month == 12] == [date(2016, 12, 26), date(2016, 12, 27)]
    assert [d for d in bank_holidays(2020) if d.month == 12] == [date(2020, 12, 25), date(2020, 12, 28)]
    assert [d for d in bank_holidays(2023) if d.month == 12] == [date(2023, 12, 25), date(2023, 12, 26)]
    assert date(2017, 1, 2) in bank_holidays(2017)  # 1 Jan 2017 was a Sunday


def test_every_year_has_eight_usual_holidays_on_weekdays():
    for year in range(1978, 2100):
        holidays = bank_holidays(year)
        assert all(day.weekday() < 5 and day.year == year for day in holidays)
        if year not in ONE_OFF_YEARS:
            assert len(holidays) == 8, year


def test_result_is_a_fresh_dict():
    bank_holidays(2026).clear()
    assert len(bank_holidays(2026)) == 8


def test_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday
    assert not is_working_day(date(2026, 5, 4))  # Early May bank holiday
    assert is_working_day(date(2020, 5, 4)) and not is_working_day(date(2020, 5, 8))


def test_next_working_day():
    assert next_working_day(date(2026, 3, 9)) == date(2026, 3, 9)
    assert next_working_day(date(2026, 3, 7)) == date(2026, 3, 9)
    assert next_working_day(date(2026, 4, 3)) == date(2026, 4, 7)  # Good Friday -> after Easter Monday
    assert next_working_day(date(2022, 6, 2)) == date(2022, 6, 6)  # Platinum Jubilee weekend


def test_christmas_and_new_year_runs():
    # 2021: Christmas Saturday, substitutes Mon 27 and Tue 28; 1 Jan 2022 Saturday, substitute Mon 3.
    assert next_working_day(date(2021, 12, 24)) == date(2021, 12, 24)
    assert next_working_day(date(2021, 12, 25)) == date(2021, 12, 29)
    assert add_working_days(date(2021, 12, 24), 1) == date(2021, 12, 29)
    assert add_working_days(date(2021, 12, 31), 1) == date(2022, 1, 4)
    assert next_working_day(date(2022, 1, 1)) == date(2022, 1, 4)
    # 2026: Christmas Friday, Boxing Day substitute Mon 28; 1 Jan 2027 Friday.
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)
    assert add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 31)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # Across a year end: 2027 Christmas Saturday -> 27, 28 Dec off; 1 Jan 2028 Saturday -> 3 Jan off.
    assert add_working_days(date(2027, 12, 24), 4) == date(2028, 1, 4)


def test_add_working_days():
    thursday = date(2026, 4, 2)
    assert add_working_days(thursday, 0) == thursday
    assert add_working_days(thursday, 1) == date(2026, 4, 7)
    assert add_working_days(thursday, 5) == date(2026, 4, 13)
    assert add_working_days(date(2026, 4, 3), 0) == date(2026, 4, 7)  # starts from the next working day
    assert add_working_days(date(2026, 4, 3), 1) == date(2026, 4, 8)
    assert add_working_days(date(2026, 3, 2), 20) == date(2026, 3, 30)
    with pytest.raises(ValueError):
        add_working_days(thursday, -1)


def test_add_working_days_counts_only_working_days():
    start = date(2025, 1, 2)
    end = add_working_days(start, 250)
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(is_working_day(d) for d in days) == 250 and is_working_day(end)
