"""The single source of "now" and the organisation's working calendar.

Store aware UTC, show Europe/Helsinki. Tests freeze time with ``frozen(...)``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

HELSINKI = ZoneInfo("Europe/Helsinki")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    """Today's date in Helsinki."""
    return now().astimezone(HELSINKI).date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(dt.UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous


# Eves that the holidays package lists for Finland but which an organisation
# may keep open; by default they are closed days, New Year's Eve is added.
DEFAULT_CLOSED_EVES = frozenset({"Midsummer Eve", "Christmas Eve", "New Year's Eve"})
_EVES = {"Midsummer Eve", "Christmas Eve"}


def is_working_day(day: dt.date, closed_eves: frozenset[str] = DEFAULT_CLOSED_EVES) -> bool:
    """Weekdays that are neither Finnish public holidays nor eves the organisation closes."""
    if day.weekday() >= 5:
        return False
    name = holidays.country_holidays("FI", years=day.year, language="en_US").get(day)
    if name is None:
        return not ("New Year's Eve" in closed_eves and (day.month, day.day) == (12, 31))
    return name in _EVES and name not in closed_eves
