"""Writes for the weekly programme's slots and the unit's programme settings. Changing a
slot's day, holiday rule or use rebuilds the rota from today on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content.models import ContentTag
from somevahti.content.models.programme import ProgrammeSettings, RotaEntry, WeeklySlot
from somevahti.content.programme import channels_for_slot, monday_of
from somevahti.content.programme_actions import generate_slots
from somevahti.content.rules import POSTABLE_STATUSES
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import require
from somevahti.core.roles import Perm
from somevahti.registry.models import Channel

P = WeeklySlot.HolidayPolicy

# --- Slots ------------------------------------------------------------------------------


def _clean_slot(unit: Unit, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    theme = str(data.get("theme") or "").strip()
    if not theme:
        errors["theme"] = [_("Give the slot a theme, e.g. “Monday book tip”.")]
    if data.get("weekday") not in range(7):
        errors["weekday"] = [_("Choose a weekday.")]
    if not isinstance(data.get("time"), dt.time):
        errors["time"] = [_("Give the time as hours and minutes, e.g. 10:00.")]
    if data.get("holiday_policy", P.SKIP) not in P.values:
        errors["holiday_policy"] = [_("Choose what happens on a public holiday.")]
    channels: list[Channel] = list(data.get("channels") or [])
    allowed = set(
        Channel.objects.filter(channels_for_slot(unit), status__in=POSTABLE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    if not channels:
        errors["channels"] = [_("Choose at least one channel.")]
    elif any(c.pk not in allowed for c in channels):
        errors["channels"] = [_("Choose open channels of this unit or the units above it.")]
    tag: ContentTag | None = data.get("content_type")
    if tag is not None and tag.organisation_id != unit.organisation_id:
        errors["content_type"] = [_("Choose a content type from the list.")]
    if errors:
        raise ValidationError(errors)
    return {
        "weekday": data["weekday"],
        "time": data["time"].replace(second=0, microsecond=0),
        "theme": theme,
        "content_type": tag,
        "active": bool(data.get("active", True)),
        "holiday_policy": data.get("holiday_policy") or P.SKIP,
        "channels": channels,
    }


def _audit_data(slot: WeeklySlot, channels: Sequence[Channel]) -> dict[str, Any]:
    return {
        "weekday": slot.weekday,
        "time": slot.time.strftime("%H:%M"),
        "theme": slot.theme,
        "active": slot.active,
        "holiday_policy": slot.holiday_policy,
        "channels": sorted(c.pk for c in channels),
    }


def create_slot(actor: User, unit: Unit, data: dict[str, Any]) -> WeeklySlot:
    require(actor, Perm.EDIT_CHANNEL, unit)
    clean = _clean_slot(unit, data)
    channels = clean.pop("channels")
    now = clock.now()
    with transaction.atomic():
        slot = WeeklySlot.objects.create(
            organisation_id=unit.organisation_id, unit=unit, created_at=now, updated_at=now, **clean
        )
        slot.channels.set(channels)
        record(
            actor,
            "weekly_slot.created",
            slot,
            data={"unit": unit.pk, **_audit_data(slot, channels)},
        )
    return slot


def update_slot(actor: User, slot: WeeklySlot, data: dict[str, Any]) -> WeeklySlot:
    """Save a slot. When its day, holiday rule or use changes, the rota from today on is
    rebuilt so no turn is left on a day the slot no longer has."""
    require(actor, Perm.EDIT_CHANNEL, slot.unit)
    clean = _clean_slot(slot.unit, data)
    channels = clean.pop("channels")
    with transaction.atomic():
        slot = WeeklySlot.objects.select_for_update().select_related("unit").get(pk=slot.pk)
        before = _audit_data(slot, list(slot.channels.all()))
        moved = any(clean[k] != getattr(slot, k) for k in ("weekday", "holiday_policy", "active"))
        for key, value in clean.items():
            setattr(slot, key, value)
        slot.updated_at = clock.now()
        slot.save()
        slot.channels.set(channels)
        after = _audit_data(slot, channels)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        record(actor, "weekly_slot.updated", slot, data=changed)
        if moved:
            _rebuild_future(slot)
    return slot


def _rebuild_future(slot: WeeklySlot) -> None:
    today = clock.today()
    future = RotaEntry.objects.annotate(orig=Coalesce(F("moved_from"), F("date"))).filter(
        slot=slot, orig__gte=today
    )
    last = max(future.values_list("orig", flat=True), default=None)
    future.delete()
    if slot.active and last is not None:
        # To the end of the last planned week, wherever the slot's new day falls in it.
        generate_slots(slot.unit, [slot], today, monday_of(last) + dt.timedelta(days=6))


def set_reminder_hours(actor: User, unit: Unit, hours: int) -> ProgrammeSettings:
    require(actor, Perm.EDIT_CHANNEL, unit)
    if not isinstance(hours, int) or not (1 <= hours <= 168):
        raise ValidationError({"reminder_hours": [_("Give between 1 and 168 hours.")]})
    with transaction.atomic():
        row, _created = ProgrammeSettings.objects.select_for_update().get_or_create(unit=unit)
        old, row.reminder_hours = row.reminder_hours, hours
        row.save()
        record(
            actor,
            "programme.settings_updated",
            unit,
            data={"reminder_hours": [old, hours]},
            organisation=unit.organisation,
        )
    return row
