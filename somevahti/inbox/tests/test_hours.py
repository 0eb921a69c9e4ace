"""The business calendar: holidays, eves, closed days, unit hours, DST; the response clock."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from conftest import Town
from somevahti.core import clock
from somevahti.core.clock import DEFAULT_CLOSED_EVES, HELSINKI
from somevahti.core.models import Unit
from somevahti.core.roles import Role
from somevahti.inbox.hours import (
    DEFAULT_WEEK,
    BusinessCalendar,
    calendar_for,
    closed_eves_for,
    ensure_default_targets,
    start_clock,
)
from somevahti.inbox.models import BusinessHours, ClosedDay, Conversation, InboxItem, ResponseTarget
from somevahti.registry.models import Channel
from tests import factories as f

_seq = itertools.count(1)
PLAIN = BusinessCalendar(DEFAULT_WEEK)


def hki(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HELSINKI)  # type: ignore[misc]


def local(at: dt.datetime | None) -> dt.datetime:
    assert at is not None
    return at.astimezone(HELSINKI).replace(tzinfo=None)


def page(town: Town, platform: str = "facebook") -> Channel:
    return f.channel(town.unit, town.users[Role.CHANNEL_OWNER], platform=platform)


def incoming(
    town: Town,
    at: dt.datetime,
    text: str = "Milloin kirjasto on auki pääsiäisenä?",
    *,
    channel: Channel | None = None,
    unit: Unit | None = None,
    kind: str = Conversation.Kind.MESSAGE,
    klass: str = "question",
    source: str = "facebook",
    language: str = "",
    sent_at: dt.datetime | None = None,
) -> tuple[Conversation, InboxItem]:
    """A conversation with one received item, as ingest leaves it before the clock starts."""
    n = next(_seq)
    conv = Conversation.objects.create(
        organisation=town.org,
        channel=channel,
        unit=unit or town.unit,
        kind=kind,
        thread_key=f"{source}:{n}",
        author_handle=f"55500{n}",
        author_name="Maija Meikäläinen",
        klass=klass,
        last_item_at=at,
        created_at=at,
    )
    return conv, follow_up(conv, at, text, source=source, language=language, sent_at=sent_at)


def follow_up(
    conv: Conversation,
    at: dt.datetime,
    text: str = "Vastaisitteko pian?",
    *,
    source: str = "facebook",
    language: str = "",
    sent_at: dt.datetime | None = None,
) -> InboxItem:
    return InboxItem.objects.create(
        organisation=conv.organisation,
        conversation=conv,
        channel=conv.channel,
        external_id=f"m-{next(_seq)}",
        source=source,
        author_handle=conv.author_handle,
        text=text,
        language=language,
        sent_at=sent_at or at,
        received_at=at,
        klass=conv.klass,
    )


# --- the calendar --------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2027, 12, 6),  # Independence Day, a Monday
        dt.date(2027, 1, 6),  # Epiphany, a Wednesday
        dt.date(2027, 3, 26),  # Good Friday
        dt.date(2027, 3, 29),  # Easter Monday
        dt.date(2027, 5, 6),  # Ascension Day
        dt.date(2027, 6, 25),  # Midsummer Eve: closed by default
        dt.date(2027, 12, 24),  # Christmas Eve: closed by default
        dt.date(2027, 12, 31),  # New Year's Eve: closed by default, not in `holidays`
    ],
)
def test_public_holidays_and_default_eves_are_closed(day: dt.date) -> None:
    assert not PLAIN.is_open(dt.datetime.combine(day, dt.time(10), tzinfo=HELSINKI))
    before = day - dt.timedelta(days=1)
    assert PLAIN.interval(before) is None or PLAIN.is_open(
        dt.datetime.combine(before, dt.time(10), tzinfo=HELSINKI)
    )


def test_the_clock_stops_at_closing_and_skips_the_weekend() -> None:
    assert PLAIN.is_open(hki(2027, 3, 19, 15, 59)) and not PLAIN.is_open(hki(2027, 3, 19, 16))
    assert local(PLAIN.add(hki(2027, 3, 19, 15), 120)) == dt.datetime(2027, 3, 22, 9)
    assert local(PLAIN.next_open(hki(2027, 3, 20, 11))) == dt.datetime(2027, 3, 22, 8)
    assert PLAIN.next_open(hki(2027, 3, 22, 9, 30)) == hki(2027, 3, 22, 9, 30)
    assert PLAIN.minutes_between(hki(2027, 3, 19, 15), hki(2027, 3, 22, 9)) == 120
    assert PLAIN.minutes_between(hki(2027, 3, 22, 9), hki(2027, 3, 19, 15)) == 0


def test_easter_moves_a_thursday_evening_target_to_tuesday() -> None:
    due = PLAIN.add(hki(2027, 3, 25, 17), 240)
    assert local(due) == dt.datetime(2027, 3, 30, 12)


def test_an_organisation_that_keeps_new_years_eve_open(town: Town) -> None:
    # Organisation.open_eves (asked of the lead) lists the default eves kept open.
    town.org.open_eves = ["New Year's Eve"]  # type: ignore[attr-defined]
    eves = closed_eves_for(town.org)
    assert eves == DEFAULT_CLOSED_EVES - {"New Year's Eve"}
    cal = BusinessCalendar(DEFAULT_WEEK, closed_eves=eves)
    assert cal.is_open(hki(2027, 12, 31, 10))
    assert not cal.is_open(hki(2027, 12, 24, 10))  # Christmas Eve stays closed
    assert not cal.is_open(hki(2027, 12, 6, 10))  # a public holiday cannot be opened
    # A closed day of its own still closes an opened eve in one particular year.
    closed = BusinessCalendar(DEFAULT_WEEK, frozenset({dt.date(2027, 12, 31)}), eves)
    assert not closed.is_open(hki(2027, 12, 31, 10))
    assert closed.is_open(hki(2026, 12, 31, 10))
    assert closed_eves_for(f.organisation()) == DEFAULT_CLOSED_EVES


def test_closed_days_and_unit_hours_nearest_ancestor_wins(town: Town) -> None:
    org = town.org
    ClosedDay.objects.create(organisation=org, date=dt.date(2027, 2, 12), name="Koulutuspäivä")
    for wd in range(5):
        BusinessHours.objects.create(
            organisation=org, weekday=wd, opens=dt.time(9), closes=dt.time(17)
        )
    for wd in range(4):  # the sector closes on Fridays and at 15
        BusinessHours.objects.create(
            organisation=org, unit=town.sector, weekday=wd, opens=dt.time(8), closes=dt.time(15)
        )
    BusinessHours.objects.create(
        organisation=org, unit=town.subunit, weekday=5, opens=dt.time(10), closes=dt.time(14)
    )
    sector, unit, sub = (
        calendar_for(town.sector),
        calendar_for(town.unit),
        calendar_for(town.subunit),
    )
    other = calendar_for(town.other_sector)
    thursday, friday, saturday = hki(2027, 2, 4, 14, 30), hki(2027, 2, 5, 16), hki(2027, 2, 6, 11)
    assert sector.is_open(thursday) and not sector.is_open(friday)
    assert unit.is_open(thursday) and not unit.is_open(friday)  # inherited from the sector
    assert sub.is_open(saturday) and not sub.is_open(thursday)  # its own week only
    assert other.is_open(friday) and not other.is_open(hki(2027, 2, 4, 8, 30))
    assert not other.is_open(hki(2027, 2, 12, 10))  # the organisation's training day
    assert not calendar_for(f.root(f.organisation())).is_open(hki(2027, 2, 5, 16))


def test_calendar_is_built_once_per_unit_object(town: Town, django_assert_num_queries: Any) -> None:
    unit = Unit.objects.get(pk=town.unit.pk)
    with django_assert_num_queries(3):  # hours, closed days, organisation
        calendar_for(unit)
    with django_assert_num_queries(0):
        calendar_for(unit)


def test_a_target_across_the_october_dst_change_counts_real_hours() -> None:
    # Friday 23 Oct 2026 15.00 EEST; clocks go back on Sunday 25 Oct.
    due = PLAIN.add(hki(2026, 10, 23, 15), 240)
    assert local(due) == dt.datetime(2026, 10, 26, 11)
    assert due == dt.datetime(2026, 10, 26, 9, tzinfo=dt.UTC)
    assert PLAIN.minutes_between(hki(2026, 10, 23, 15), due) == 240
    spring = PLAIN.add(hki(2026, 3, 27, 15), 240)  # clocks go forward on 29 March
    assert spring == dt.datetime(2026, 3, 30, 8, tzinfo=dt.UTC)


def test_a_round_the_clock_service_gets_a_25_hour_day_in_october() -> None:
    always = BusinessCalendar({d: (dt.time(0), dt.time(0)) for d in range(7)})
    saturday, sunday = hki(2026, 10, 24, 12), hki(2026, 10, 25, 12)
    assert always.minutes_between(saturday, sunday) == 25 * 60
    assert local(always.add(saturday, 24 * 60)) == dt.datetime(2026, 10, 25, 11)


# --- the clock -------------------------------------------------------------------------


def test_the_most_specific_target_wins(town: Town) -> None:
    ch, other = page(town), page(town, "instagram")
    org = town.org
    ResponseTarget.objects.create(organisation=org, business_minutes=600)
    ResponseTarget.objects.create(organisation=org, klass="question", business_minutes=300)
    ResponseTarget.objects.create(organisation=org, channel=ch, business_minutes=200)
    ResponseTarget.objects.create(
        organisation=org, channel=ch, klass="question", business_minutes=100
    )
    monday = hki(2027, 3, 15, 8)
    expected = {
        (ch, "question"): dt.datetime(2027, 3, 15, 9, 40),
        (ch, "feedback"): dt.datetime(2027, 3, 15, 11, 20),
        (other, "question"): dt.datetime(2027, 3, 15, 13),
        (other, "feedback"): dt.datetime(2027, 3, 16, 10),
    }
    for (channel, klass), due in expected.items():
        conv, item = incoming(town, monday, channel=channel, klass=klass)
        start_clock(conv, item)
        conv.refresh_from_db()
        assert (conv.waiting_since, local(conv.due_at)) == (monday, due), (channel, klass)


def test_default_targets_without_rows_and_created_once(town: Town) -> None:
    friday = hki(2027, 3, 19, 15)
    dues = {}
    for klass in ("question", "media", "crisis", "feedback"):
        conv, item = incoming(town, friday, klass=klass)
        start_clock(conv, item)
        dues[klass] = local(conv.due_at)
    assert dues == {
        "question": dt.datetime(2027, 3, 22, 11),
        "media": dt.datetime(2027, 3, 22, 9),
        "crisis": dt.datetime(2027, 3, 19, 16),
        "feedback": dt.datetime(2027, 3, 22, 15),
    }
    assert len(ensure_default_targets(town.org)) == 4
    assert ensure_default_targets(town.org) == []
    ResponseTarget.objects.filter(organisation=town.org, klass="question").update(
        business_minutes=30
    )
    conv, item = incoming(town, friday)
    start_clock(conv, item)
    assert local(conv.due_at) == dt.datetime(2027, 3, 19, 15, 30)


def test_a_waiting_conversation_keeps_its_clock_unless_the_target_gets_closer(
    town: Town,
) -> None:
    conv, item = incoming(town, hki(2027, 3, 15, 9))
    start_clock(conv, item)
    assert local(conv.due_at) == dt.datetime(2027, 3, 15, 13)
    start_clock(conv, follow_up(conv, hki(2027, 3, 15, 11)))
    conv.refresh_from_db()
    assert local(conv.waiting_since) == dt.datetime(2027, 3, 15, 9)
    assert local(conv.due_at) == dt.datetime(2027, 3, 15, 13)
    conv.klass = "crisis"  # classify found a crisis signal in the follow-up
    start_clock(conv, follow_up(conv, hki(2027, 3, 15, 9, 30)))
    conv.refresh_from_db()
    assert local(conv.due_at) == dt.datetime(2027, 3, 15, 10)


@pytest.mark.parametrize("state", ["answered", "closed", "waiting", "new"])
def test_an_answered_conversation_restarts_with_the_new_item(town: Town, state: str) -> None:
    conv, item = incoming(town, hki(2027, 3, 15, 9))
    start_clock(conv, item)
    # Answered at 10; "new" is how ingest leaves an answered conversation it reopened.
    Conversation.objects.filter(pk=conv.pk).update(
        state=state,
        first_response_at=hki(2027, 3, 15, 10),
        warned_at=hki(2027, 3, 15, 12),
        escalated_at=hki(2027, 3, 15, 13),
    )
    conv.refresh_from_db()
    start_clock(conv, follow_up(conv, hki(2027, 3, 16, 14)))
    conv.refresh_from_db()
    assert local(conv.waiting_since) == dt.datetime(2027, 3, 16, 14)
    assert local(conv.due_at) == dt.datetime(2027, 3, 17, 10)
    assert (conv.warned_at, conv.escalated_at, conv.first_response_at) == (None, None, None)


def test_no_clock_for_spam_or_our_own_replies(town: Town) -> None:
    conv, item = incoming(town, hki(2027, 3, 15, 9), "Osta halpoja kelloja!", klass="spam")
    start_clock(conv, item)
    assert conv.due_at is None
    conv, item = incoming(town, hki(2027, 3, 15, 9))
    item.direction = InboxItem.Direction.OUT
    with clock.frozen(hki(2027, 3, 15, 9)):
        start_clock(conv, item)
    assert Conversation.objects.get(pk=conv.pk).due_at is None


def test_a_unit_without_any_open_hours_keeps_the_item_but_sets_no_target(town: Town) -> None:
    BusinessHours.objects.create(
        organisation=town.org, unit=town.subunit, weekday=0, opens=dt.time(12), closes=dt.time(12)
    )
    conv, item = incoming(town, hki(2027, 3, 19, 18), unit=town.subunit)
    start_clock(conv, item)
    conv.refresh_from_db()
    assert conv.waiting_since == hki(2027, 3, 19, 18) and conv.due_at is None
