"""Builders for the weekly programme and rota tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Town
from somevahti.content.models.programme import WeeklySlot
from somevahti.content.programme_actions import set_rota_members
from somevahti.content.programme_slots import create_slot
from somevahti.content.tests.builders import channel
from somevahti.core.models import User
from somevahti.core.roles import Role
from somevahti.registry.models import Channel
from tests import factories as f

# Monday 29.11.2027, a week before Independence Day (Monday 6.12.2027).
NOV_29 = dt.datetime(2027, 11, 29, 6, 0, tzinfo=dt.UTC)
SKIP = WeeklySlot.HolidayPolicy.SKIP
MOVE = WeeklySlot.HolidayPolicy.MOVE


def editor(town: Town) -> User:
    return town.users[Role.COMMUNICATIONS]


def slot(
    town: Town,
    weekday: int = 0,
    at: dt.time = dt.time(10, 0),
    theme: str = "Maanantain kirjavinkki",
    channels: list[Channel] | None = None,
    **extra: Any,
) -> WeeklySlot:
    data = {
        "weekday": weekday,
        "time": at,
        "theme": theme,
        "channels": channels or [channel(town)],
        **extra,
    }
    return create_slot(editor(town), town.unit, data)


def people(town: Town, *names: str) -> list[User]:
    """Staff of the unit, in the rotation in this order."""
    users = [
        f.user(town.org, (Role.CONTENT_PRODUCER, town.unit), username=f"{town.org.slug}-{n}")
        for n in names
    ]
    set_rota_members(editor(town), town.unit, users)
    return users
