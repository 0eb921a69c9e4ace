"""Rota generation: rotation order, holidays (skip or move), absences, swaps, DST."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content.models.programme import RotaEntry
from somevahti.content.programme import occurrence_at, occurrences
from somevahti.content.programme_actions import (
    assign_entry,
    generate_rota,
    record_absence,
    swap_entries,
)
from somevahti.content.programme_slots import update_slot
from somevahti.content.tests.programme_builders import (
    MOVE,
    NOV_29,
    SKIP,
    editor,
    people,
    slot,
)
from somevahti.core import clock
from somevahti.core.models import Notification
from somevahti.core.roles import Role

D = dt.date


def rota(*slots: object) -> list[tuple[int, dt.date, str | None, dt.date | None]]:
    return [
        (
            e.slot_id,
            e.date,
            e.responsible.username.split("-")[-1] if e.responsible else None,
            e.moved_from,
        )
        for e in RotaEntry.objects.filter(slot__in=slots).order_by("date", "slot__time")
    ]


@pytest.fixture(autouse=True)
def frozen_clock() -> object:
    with clock.frozen(NOV_29) as now:
        yield now


def test_rotation_goes_week_by_week_in_list_order_and_skips_the_holiday(town: Town) -> None:
    mon, fri = slot(town, 0, holiday_policy=SKIP), slot(town, 4, dt.time(14, 0), "Perjantaivideo")
    people(town, "aino", "bertta", "cecilia")
    count = generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 19))
    assert rota(mon, fri) == [
        (mon.pk, D(2027, 11, 29), "aino", None),
        (fri.pk, D(2027, 12, 3), "aino", None),
        # Monday 6.12. is Independence Day: the Monday slot is skipped that week.
        (fri.pk, D(2027, 12, 10), "bertta", None),
        (mon.pk, D(2027, 12, 13), "cecilia", None),
        (fri.pk, D(2027, 12, 17), "cecilia", None),
    ]
    assert count == 5
    assert AuditEvent.objects.filter(verb="rota.generated", target_id=str(town.unit.pk)).exists()


def test_holiday_moves_to_the_next_working_day_when_the_unit_chooses_so(town: Town) -> None:
    mon = slot(town, 0, holiday_policy=MOVE)
    fri = slot(town, 4, theme="Perjantaivideo", holiday_policy=MOVE)
    people(town, "aino", "bertta", "cecilia", "daniel", "eero")
    generate_rota(editor(town), town.unit, D(2027, 12, 6), D(2027, 12, 26))
    entries = rota(mon, fri)
    assert (mon.pk, D(2027, 12, 7), "aino", D(2027, 12, 6)) in entries
    # Christmas Eve (Friday 24.12.) is a closed day; the weekend and Christmas follow.
    assert (fri.pk, D(2027, 12, 27), "cecilia", D(2027, 12, 24)) in entries
    assert not RotaEntry.objects.filter(date__in=[D(2027, 12, 6), D(2027, 12, 24)]).exists()


def test_christmas_eve_and_new_years_eve_are_skipped_by_default(town: Town) -> None:
    fri = slot(town, 4)
    people(town, "aino")
    generate_rota(editor(town), town.unit, D(2027, 12, 20), D(2027, 12, 31))
    assert rota(fri) == []


def test_generating_twice_gives_the_same_rota_and_the_next_run_continues_the_rotation(
    town: Town,
) -> None:
    mon = slot(town, 0)
    people(town, "aino", "bertta", "cecilia")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 12))
    first = rota(mon)
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 12))
    assert rota(mon) == first == [(mon.pk, D(2027, 11, 29), "aino", None)]
    generate_rota(editor(town), town.unit, D(2027, 12, 13), D(2027, 12, 26))
    assert [e[2] for e in rota(mon)] == ["aino", "bertta", "cecilia"]


def test_an_absent_person_is_skipped_to_the_next_in_rotation(town: Town) -> None:
    mon, fri = slot(town, 0), slot(town, 4, theme="Perjantaivideo")
    _a, bertta, _c = people(town, "aino", "bertta", "cecilia")
    record_absence(bertta, bertta, D(2027, 12, 13), D(2027, 12, 15), "loma")
    generate_rota(editor(town), town.unit, D(2027, 12, 6), D(2027, 12, 19))
    # A fresh rota starts with aino; Monday 6.12. is a holiday and skipped; in bertta's week
    # her Monday goes to cecilia, the next one in the list, and she is back for Friday.
    assert [(e[1], e[2]) for e in rota(mon, fri)] == [
        (D(2027, 12, 10), "aino"),
        (D(2027, 12, 13), "cecilia"),
        (D(2027, 12, 17), "bertta"),
    ]


def test_absence_recorded_after_the_rota_hands_the_turns_on_and_tells_the_substitute(
    town: Town,
) -> None:
    fri = slot(town, 4)
    aino, bertta, cecilia = people(town, "aino", "bertta", "cecilia")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 19))
    assert [e[2] for e in rota(fri)] == ["aino", "bertta", "cecilia"]
    record_absence(editor(town), bertta, D(2027, 12, 6), D(2027, 12, 12), "")
    assert [e[2] for e in rota(fri)] == ["aino", "cecilia", "cecilia"]
    assert Notification.objects.filter(user=cecilia).count() == 1
    assert AuditEvent.objects.filter(verb="rota.absence_recorded").count() == 1
    del aino


def test_only_the_person_or_an_editor_records_an_absence(town: Town) -> None:
    slot(town, 4)
    aino, bertta = people(town, "aino", "bertta")
    with pytest.raises(PermissionDenied):
        record_absence(aino, bertta, D(2027, 12, 6), D(2027, 12, 12))
    with pytest.raises(ValidationError) as exc:
        record_absence(bertta, bertta, D(2027, 12, 12), D(2027, 12, 6))
    assert "end" in exc.value.message_dict


def test_swap_exchanges_the_people_and_tells_both(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    fri = slot(town, 4)
    aino, bertta = people(town, "aino", "bertta")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 19))
    first = RotaEntry.objects.get(slot=fri, date=D(2027, 12, 3))
    second = RotaEntry.objects.get(slot=fri, date=D(2027, 12, 10))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        swap_entries(aino, first, second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.responsible, second.responsible) == (bertta, aino)
    assert {first.source, second.source} == {RotaEntry.Source.SWAP}
    assert Notification.objects.filter(user__in=[aino, bertta]).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([aino.email, bertta.email])
    # Regenerating keeps the swap.
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 19))
    assert RotaEntry.objects.get(pk=first.pk).responsible == bertta


def test_a_bystander_cannot_swap_other_peoples_turns(town: Town) -> None:
    fri = slot(town, 4)
    people(town, "aino", "bertta")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 12))
    a, b = RotaEntry.objects.filter(slot=fri).order_by("date")
    with pytest.raises(PermissionDenied):
        swap_entries(town.users[Role.CONTENT_PRODUCER], a, b)
    assert RotaEntry.objects.get(pk=a.pk).source == RotaEntry.Source.GENERATED


def test_manual_assignment_and_slot_day_change_rebuilds_the_future(town: Town) -> None:
    mon = slot(town, 0)
    aino, bertta = people(town, "aino", "bertta")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 19))
    entry = RotaEntry.objects.get(slot=mon, date=D(2027, 11, 29))
    assign_entry(editor(town), entry, bertta)
    assert RotaEntry.objects.get(pk=entry.pk).source == RotaEntry.Source.MANUAL
    data = {
        "weekday": 2,
        "time": mon.time,
        "theme": mon.theme,
        "channels": list(mon.channels.all()),
        "holiday_policy": SKIP,
    }
    update_slot(editor(town), mon, data)
    assert [e[1].weekday() for e in rota(mon)] == [2, 2, 2]
    del aino


def test_generation_needs_people_and_a_future_range(town: Town) -> None:
    slot(town, 0)
    with pytest.raises(ValidationError):
        generate_rota(editor(town), town.unit, D(2027, 12, 1), D(2027, 12, 31))
    people(town, "aino")
    with pytest.raises(ValidationError) as exc:
        generate_rota(editor(town), town.unit, D(2027, 11, 1), D(2027, 11, 30))
    assert "start" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        generate_rota(town.users[Role.CONTENT_PRODUCER], town.unit, D(2027, 12, 1), D(2027, 12, 31))


@pytest.mark.parametrize(
    ("day", "time", "utc"),
    [
        # The last Sunday of March 2027 is 28.3.: 10:00 is 08:00 UTC before, 07:00 UTC after.
        (D(2027, 3, 26), dt.time(10, 0), dt.datetime(2027, 3, 26, 8, 0, tzinfo=dt.UTC)),
        (D(2027, 3, 29), dt.time(10, 0), dt.datetime(2027, 3, 29, 7, 0, tzinfo=dt.UTC)),
        # 03:30 does not exist on 28.3.: read with the winter offset (04:30 summer time).
        (D(2027, 3, 28), dt.time(3, 30), dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)),
        # The last Sunday of October 2027 is 31.10.: 10:00 is 07:00 UTC before, 08:00 after.
        (D(2027, 10, 29), dt.time(10, 0), dt.datetime(2027, 10, 29, 7, 0, tzinfo=dt.UTC)),
        (D(2027, 11, 1), dt.time(10, 0), dt.datetime(2027, 11, 1, 8, 0, tzinfo=dt.UTC)),
        # 03:30 happens twice on 31.10.: the first (summer-time) one.
        (D(2027, 10, 31), dt.time(3, 30), dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)),
    ],
)
def test_occurrences_keep_the_wall_clock_time_across_dst(
    day: dt.date, time: dt.time, utc: dt.datetime
) -> None:
    assert occurrence_at(day, time) == utc


def test_a_weekly_slot_over_both_dst_changes_stays_at_ten_local(town: Town) -> None:
    fri = slot(town, 4)
    for start in (D(2027, 3, 22), D(2027, 10, 25)):
        found = occurrences(fri, start, start + dt.timedelta(days=13))
        local = [o.at.astimezone(clock.HELSINKI) for o in found]
        assert [t.hour for t in local] == [10, 10]
        assert {o.at.astimezone(dt.UTC).hour for o in found} == {7, 8}
