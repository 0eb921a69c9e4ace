"""Business hours, holidays and the response clock.

One calendar per unit: the nearest unit (itself or an ancestor) with its own BusinessHours
rows defines the week, else the organisation's rows, else Monday–Friday 8–16. Finnish public
holidays (``holidays``) and the organisation's ClosedDay rows close a day; the eves in
``clock.DEFAULT_CLOSED_EVES`` are closed unless the organisation keeps them open (see
``closed_eves_for``). Opening hours are Helsinki wall time; every instant is computed and
stored in UTC, so a day across a DST change has its real length.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import holidays
from django.db import transaction
from django.db.models import Q

from somevahti.core.clock import DEFAULT_CLOSED_EVES, HELSINKI
from somevahti.core.models import Organisation, Unit
from somevahti.inbox.models import (
    BusinessHours,
    ClosedDay,
    Conversation,
    InboxItem,
    ResponseTarget,
)
from somevahti.inbox.models.items import Klass

log = logging.getLogger(__name__)
UTC = dt.UTC
Span = tuple[dt.time, dt.time]
DEFAULT_WEEK: dict[int, Span] = {d: (dt.time(8), dt.time(16)) for d in range(5)}
# A calendar with no open day within this many days is a configuration error, not a loop.
_SEARCH_DAYS = 400
_CACHE_ATTR = "_somevahti_calendar"
_EVES = frozenset({"Midsummer Eve", "Christmas Eve"})  # the eves `holidays` lists for FI

# Built-in targets (business minutes, warn before): used when no ResponseTarget row matches
# and created as rows by ensure_default_targets. "" is the organisation default.
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    Klass.QUESTION: (4 * 60, 60),
    Klass.MEDIA: (2 * 60, 30),
    Klass.CRISIS: (60, 15),
    "": (8 * 60, 60),
}
# The clock is stopped in these states: answered, closed, or our answer awaits the sender.
STOPPED = frozenset(
    {Conversation.State.ANSWERED, Conversation.State.CLOSED, Conversation.State.WAITING}
)
NO_CLOCK = frozenset({Klass.SPAM})  # nobody answers spam, nobody is warned about it


class NoOpenHours(ValueError):
    """The calendar has no open hours within a year: a configuration error."""


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("FI", years=year, language="en_US").items())


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (0 = Monday) minus holidays and closed days."""

    week: dict[int, Span]
    closed_dates: frozenset[dt.date] = frozenset()
    closed_eves: frozenset[str] = DEFAULT_CLOSED_EVES

    def is_closed_day(self, day: dt.date) -> bool:
        if day in self.closed_dates:
            return True
        name = _public_holidays(day.year).get(day)
        if name is None:
            return (day.month, day.day) == (12, 31) and "New Year's Eve" in self.closed_eves
        return name not in _EVES or name in self.closed_eves

    def interval(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The day's opening hours as UTC instants, or None when closed all day."""
        span = self.week.get(day.weekday())
        if span is None or self.is_closed_day(day):
            return None
        opens, closes = span
        start = dt.datetime.combine(day, opens, tzinfo=HELSINKI)
        # Closing at 00:00 means midnight at the end of the day.
        end_day = day + dt.timedelta(days=1) if closes == dt.time(0) else day
        end = dt.datetime.combine(end_day, closes, tzinfo=HELSINKI)
        if end <= start:
            return None
        return start.astimezone(UTC), end.astimezone(UTC)

    def _intervals(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Open intervals that end after ``start``, in order; empty days skipped."""
        day = start.astimezone(HELSINKI).date() - dt.timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            span = self.interval(day)
            if span is not None and span[1] > start:
                yield span
            day += dt.timedelta(days=1)

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The instant ``minutes`` business minutes after ``start`` (UTC)."""
        start = _aware(start).astimezone(UTC)
        left = dt.timedelta(minutes=minutes)
        for opens, closes in self._intervals(start):
            begin = max(opens, start)
            if left <= closes - begin:
                return begin + left
            left -= closes - begin
        raise NoOpenHours("the calendar has no open hours")

    def minutes_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Business minutes from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
        a, b = _aware(a).astimezone(UTC), _aware(b).astimezone(UTC)
        total = dt.timedelta()
        if b <= a:
            return 0
        day, last = a.astimezone(HELSINKI).date(), b.astimezone(HELSINKI).date()
        while day <= last:
            span = self.interval(day)
            if span is not None:
                overlap = min(span[1], b) - max(span[0], a)
                if overlap > dt.timedelta():
                    total += overlap
            day += dt.timedelta(days=1)
        return int(total.total_seconds() // 60)

    def is_open(self, at: dt.datetime) -> bool:
        at = _aware(at).astimezone(UTC)
        span = self.interval(at.astimezone(HELSINKI).date())
        return span is not None and span[0] <= at < span[1]

    def next_open(self, after: dt.datetime) -> dt.datetime:
        """``after`` itself when open then, else the next opening (UTC)."""
        return self.add(after, 0)

    def next_working_day(self, after: dt.date) -> dt.date:
        """The first day after ``after`` with opening hours."""
        day = after + dt.timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            if self.interval(day) is not None:
                return day
            day += dt.timedelta(days=1)
        raise NoOpenHours("the calendar has no open hours")


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError("business-hour arithmetic needs aware datetimes")
    return at


def closed_eves_for(org: Organisation) -> frozenset[str]:
    """The eves an organisation closes: the defaults minus those it keeps open.

    An organisation opens an eve by listing its name (one of DEFAULT_CLOSED_EVES) in
    ``Organisation.open_eves`` (the settings page); a per-year exception is not needed because
    ClosedDay rows already close any single date.
    """
    kept_open: Iterable[str] = org.open_eves or ()
    return DEFAULT_CLOSED_EVES - frozenset(kept_open)


def build_calendar(unit: Unit) -> BusinessCalendar:
    rows = list(
        BusinessHours.objects.filter(organisation_id=unit.organisation_id)
        .filter(Q(unit__isnull=True) | Q(unit__path__in=unit.ancestor_paths()))
        .values_list("unit__depth", "weekday", "opens", "closes")
    )
    week = DEFAULT_WEEK
    if rows:
        # The nearest unit with rows wins; organisation rows (no unit) come last.
        nearest = max(-1 if depth is None else depth for depth, *_ in rows)
        week = {
            wd: (opens, closes)
            for depth, wd, opens, closes in rows
            if (-1 if depth is None else depth) == nearest
        }
    closed = frozenset(
        ClosedDay.objects.filter(organisation_id=unit.organisation_id).values_list(
            "date", flat=True
        )
    )
    return BusinessCalendar(week, closed, closed_eves_for(unit.organisation))


def calendar_for(unit: Unit) -> BusinessCalendar:
    """The unit's calendar, cached on the unit object (one request or task holds one)."""
    cached: BusinessCalendar | None = getattr(unit, _CACHE_ATTR, None)
    if cached is None:
        cached = build_calendar(unit)
        setattr(unit, _CACHE_ATTR, cached)
    return cached


def forget_calendar(unit: Unit) -> None:
    if hasattr(unit, _CACHE_ATTR):
        delattr(unit, _CACHE_ATTR)


# --- response targets ----------------------------------------------------------------


@dataclass(frozen=True)
class TargetTable:
    """An organisation's ResponseTarget rows, keyed (channel id or None, class or "")."""

    rows: dict[tuple[int | None, str], tuple[int, int]]

    def pick(self, channel_id: int | None, klass: str) -> tuple[int, int]:
        """(business minutes, warn before) of the most specific target."""
        for key in ((channel_id, klass), (None, klass), (channel_id, ""), (None, "")):
            if key in self.rows:
                return self.rows[key]
        return DEFAULT_TARGETS.get(klass, DEFAULT_TARGETS[""])


def targets_of(organisation_id: int) -> TargetTable:
    rows = ResponseTarget.objects.filter(organisation_id=organisation_id).values_list(
        "channel_id", "klass", "business_minutes", "warn_before_minutes"
    )
    return TargetTable({(ch, kl): (mins, warn) for ch, kl, mins, warn in rows})


def target_for(conversation: Conversation) -> tuple[int, int]:
    return targets_of(conversation.organisation_id).pick(
        conversation.channel_id, conversation.klass
    )


def ensure_default_targets(org: Organisation) -> list[ResponseTarget]:
    """Create the organisation-level defaults that are missing; existing rows are kept."""
    made = []
    with transaction.atomic():
        have = set(
            ResponseTarget.objects.filter(organisation=org, channel__isnull=True).values_list(
                "klass", flat=True
            )
        )
        for klass, (minutes, warn) in DEFAULT_TARGETS.items():
            if klass not in have:
                made.append(
                    ResponseTarget.objects.create(
                        organisation=org,
                        klass=klass,
                        business_minutes=minutes,
                        warn_before_minutes=warn,
                    )
                )
    return made


# --- the clock -----------------------------------------------------------------------


def clock_running(conversation: Conversation) -> bool:
    """True while an unanswered item waits: a due time, an open state, no answer since."""
    c = conversation
    if c.due_at is None or c.waiting_since is None or c.state in STOPPED:
        return False
    return c.first_response_at is None or c.first_response_at < c.waiting_since


def start_clock(conversation: Conversation, item: InboxItem) -> None:
    """Start the response clock for an incoming item unless it already runs.

    The first unanswered item sets the pace; a later item may only bring the target
    closer (a follow-up that turns a question into a crisis signal), never push it away.
    """
    if item.direction != InboxItem.Direction.IN or conversation.klass in NO_CLOCK:
        return
    cal = calendar_for(conversation.unit)
    minutes, _warn = target_for(conversation)
    changed: dict[str, Any]
    if not clock_running(conversation):
        try:
            due: dt.datetime | None = cal.add(item.received_at, minutes)
        except NoOpenHours:  # a unit with no opening hours: keep the item, show no target
            log.warning("unit %s has no opening hours; no response target", conversation.unit_id)
            due = None
        changed = {
            "waiting_since": item.received_at,
            "due_at": due,
            "warned_at": None,
            "escalated_at": None,
            "first_response_at": None,
        }
    else:
        since, current = conversation.waiting_since, conversation.due_at
        if since is None or current is None:
            return
        closer = cal.add(since, minutes)
        if closer >= current:
            return
        changed = {"due_at": closer, "warned_at": None}
    for name, value in changed.items():
        setattr(conversation, name, value)
    conversation.save(update_fields=list(changed))
