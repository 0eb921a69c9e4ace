"""Rota reminders with a frozen clock: before an empty slot, at it, never twice, DST-correct."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Town
from somevahti.content.models.programme import ReminderSent
from somevahti.content.programme_actions import generate_rota
from somevahti.content.programme_reminders import send_rota_reminders
from somevahti.content.programme_slots import set_reminder_hours
from somevahti.content.tasks import rota_reminders
from somevahti.content.tests.builders import draft
from somevahti.content.tests.programme_builders import NOV_29, editor, people, slot
from somevahti.core import clock
from somevahti.core.models import Notification, User
from somevahti.core.roles import Role

D = dt.date
UTC = dt.UTC
# Friday 3.12.2027 10:00 in Helsinki (winter time) is 08:00 UTC.
FRI_AT = dt.datetime(2027, 12, 3, 8, 0, tzinfo=UTC)


def at(moment: dt.datetime) -> dict[str, int]:
    with clock.frozen(moment):
        return dict(rota_reminders.call_local())


def notes(user: User) -> int:
    return Notification.objects.filter(user=user).count()


@pytest.fixture
def friday(town: Town) -> Any:
    with clock.frozen(NOV_29):
        fri = slot(town, 4, theme="Perjantaivideo")
        (aino,) = people(town, "aino")
        generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 5))
    return fri, aino


def test_the_responsible_person_is_reminded_once_a_day_before(town: Town, friday: Any) -> None:
    _fri, aino = friday
    assert at(FRI_AT - dt.timedelta(hours=24, minutes=1)) == {"before": 0, "empty": 0}
    assert at(FRI_AT - dt.timedelta(hours=23)) == {"before": 1, "empty": 0}
    assert at(FRI_AT - dt.timedelta(hours=22)) == {"before": 0, "empty": 0}
    assert notes(aino) == 1
    note = Notification.objects.get(user=aino)
    assert "Perjantaivideo" in note.text and "/programme/empty/" in note.url
    assert ReminderSent.objects.filter(kind="before").count() == 1


def test_channel_owners_hear_when_the_slot_is_still_empty_at_its_time(
    town: Town, friday: Any
) -> None:
    owner = town.users[Role.CHANNEL_OWNER]
    assert at(FRI_AT - dt.timedelta(minutes=1))["empty"] == 0
    assert notes(owner) == 0
    assert at(FRI_AT + dt.timedelta(minutes=5)) == {"before": 0, "empty": 1}
    assert at(FRI_AT + dt.timedelta(minutes=15)) == {"before": 0, "empty": 0}
    assert notes(owner) == 1
    assert notes(town.users[Role.CONTENT_PRODUCER]) == 0
    # Long after the slot nothing more is sent.
    assert at(FRI_AT + dt.timedelta(days=1)) == {"before": 0, "empty": 0}


def test_a_post_on_the_slots_day_and_channel_fills_it(town: Town, friday: Any) -> None:
    fri, aino = friday
    with clock.frozen(NOV_29):
        post = draft(town, fri.channels.get())
    # 13:00 in Helsinki on the same Friday: the date counts, not the hour.
    type(post).objects.filter(pk=post.pk).update(
        scheduled_at=dt.datetime(2027, 12, 3, 11, 0, tzinfo=UTC)
    )
    assert at(FRI_AT - dt.timedelta(hours=2)) == {"before": 0, "empty": 0}
    assert at(FRI_AT + dt.timedelta(minutes=5)) == {"before": 0, "empty": 0}
    assert notes(aino) == 0 and not ReminderSent.objects.exists()


def test_a_post_on_another_day_does_not_fill_it(town: Town, friday: Any) -> None:
    fri, aino = friday
    with clock.frozen(NOV_29):
        post = draft(town, fri.channels.get())
    # 00:30 Saturday in Helsinki is still Friday in UTC: it is not Friday's post.
    type(post).objects.filter(pk=post.pk).update(
        scheduled_at=dt.datetime(2027, 12, 3, 22, 30, tzinfo=UTC)
    )
    assert at(FRI_AT - dt.timedelta(hours=2))["before"] == 1
    assert notes(aino) == 1


def test_the_unit_sets_how_early_the_reminder_comes(town: Town, friday: Any) -> None:
    _fri, aino = friday
    with clock.frozen(NOV_29):
        set_reminder_hours(editor(town), town.unit, 48)
    assert at(FRI_AT - dt.timedelta(hours=47))["before"] == 1
    assert notes(aino) == 1


def test_reminder_follows_local_time_over_the_spring_dst_change(town: Town) -> None:
    with clock.frozen(dt.datetime(2027, 3, 22, 8, 0, tzinfo=UTC)):
        slot(town, 1)  # Tuesday 10:00 (Easter Monday 29.3.2027 is a holiday)
        (aino,) = people(town, "aino")
        generate_rota(editor(town), town.unit, D(2027, 3, 22), D(2027, 4, 4))
        set_reminder_hours(editor(town), town.unit, 72)
    # Tuesday 30.3. 10:00 is summer time, 07:00 UTC; 72 h before is Saturday 27.3. 07:00 UTC,
    # still winter time there (09:00 in Helsinki).
    assert at(dt.datetime(2027, 3, 27, 6, 59, tzinfo=UTC))["before"] == 0
    assert at(dt.datetime(2027, 3, 27, 7, 0, tzinfo=UTC))["before"] == 1
    assert notes(aino) == 1


def test_running_the_sweep_directly_twice_sends_nothing_new(town: Town, friday: Any) -> None:
    with clock.frozen(FRI_AT + dt.timedelta(minutes=1)):
        first = send_rota_reminders()
        second = send_rota_reminders()
    assert (first.empty, second.empty) == (1, 0)
    assert ReminderSent.objects.count() == 1
