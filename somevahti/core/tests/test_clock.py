import datetime as dt

import pytest

from somevahti.core import clock


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 11, 23), True),  # an ordinary Monday
        (dt.date(2026, 11, 28), False),  # Saturday
        (dt.date(2026, 12, 6), False),  # Independence Day (Sunday) anyway
        (dt.date(2027, 12, 6), False),  # Independence Day on a Monday
        (dt.date(2026, 12, 24), False),  # Christmas Eve, closed by default
        (dt.date(2026, 12, 31), False),  # New Year's Eve, closed by default
        (dt.date(2026, 6, 19), False),  # Midsummer Eve
        (dt.date(2026, 4, 3), False),  # Good Friday
        (dt.date(2026, 5, 14), False),  # Ascension Day
        (dt.date(2026, 6, 18), True),  # the day before Midsummer Eve
    ],
)
def test_working_days_follow_finnish_holidays(day, working):
    assert clock.is_working_day(day) is working


def test_an_organisation_may_keep_christmas_eve_open():
    assert clock.is_working_day(dt.date(2026, 12, 24), closed_eves=frozenset())


def test_frozen_time_is_aware_utc_and_today_is_helsinki():
    # 23:30 UTC on 31 March is already 1 April in Helsinki (UTC+3 in summer time).
    at = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    with clock.frozen(at):
        assert clock.now() == at
        assert clock.today() == dt.date(2026, 4, 1)
    assert clock.now() != at


def test_frozen_refuses_naive_times():
    with pytest.raises(ValueError):
        with clock.frozen(dt.datetime(2026, 1, 1)):
            pass
