"""Writes for the rota: the rotation list, generating the rota, swaps, absences and
hand-made assignments (slots: ``programme_slots``). Each checks permission, validates, writes in one
transaction and records the audit entry there."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from somevahti.audit.actions import record
from somevahti.content.models.programme import (
    Absence,
    RotaEntry,
    RotaMember,
    WeeklySlot,
)
from somevahti.content.programme import (
    MAX_RANGE_DAYS,
    occurrences,
    rotation_for,
)
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, org_id, require
from somevahti.core.roles import Perm

P = WeeklySlot.HolidayPolicy


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- Rotation list and generation --------------------------------------------------------


def set_rota_members(actor: User, unit: Unit, users: Sequence[User]) -> list[RotaMember]:
    """Replace the unit's rotation with ``users`` in this order."""
    require(actor, Perm.EDIT_CHANNEL, unit)
    if len({u.pk for u in users}) != len(users):
        raise ValidationError({"users": [_("Each person can be in the rotation only once.")]})
    if any(u.organisation_id != unit.organisation_id or not u.is_active for u in users):
        raise ValidationError({"users": [_("Choose active people of your organisation.")]})
    with transaction.atomic():
        RotaMember.objects.filter(unit=unit).delete()
        rows = RotaMember.objects.bulk_create(
            [RotaMember(unit=unit, user=u, order=n) for n, u in enumerate(users, start=1)]
        )
        record(
            actor,
            "rota.members_set",
            unit,
            data={"users": [u.username for u in users]},
            organisation=unit.organisation,
        )
    return rows


def _check_range(start: dt.date, end: dt.date) -> None:
    errors = {}
    if start < clock.today():
        errors["start"] = [_("Make the rota from today onwards.")]
    if end < start:
        errors["end"] = [_("The last day cannot be before the first.")]
    elif (end - start).days > MAX_RANGE_DAYS:
        errors["end"] = [_("Make the rota for at most a year at a time.")]
    if errors:
        raise ValidationError(errors)


def generate_slots(unit: Unit, slots: Sequence[WeeklySlot], start: dt.date, end: dt.date) -> int:
    """Replace generated turns whose own day is in [start, end]; swaps and hand-made
    assignments stay. Running it twice gives the same rota."""
    rotation = rotation_for(unit, start, end + dt.timedelta(days=7))
    ids = [s.pk for s in slots]
    RotaEntry.objects.annotate(orig=Coalesce(F("moved_from"), F("date"))).filter(
        slot__in=ids, source=RotaEntry.Source.GENERATED, orig__gte=start, orig__lte=end
    ).delete()
    taken = set(
        RotaEntry.objects.filter(slot__in=ids, date__gte=start).values_list("slot_id", "date")
    )
    now = clock.now()
    new = []
    for slot in slots:
        for occ in occurrences(slot, start, end):
            if occ.skipped or (slot.pk, occ.date) in taken:
                continue
            taken.add((slot.pk, occ.date))
            new.append(
                RotaEntry(
                    slot=slot,
                    date=occ.date,
                    moved_from=occ.moved_from,
                    responsible=rotation.responsible(occ.week, occ.date),
                    source=RotaEntry.Source.GENERATED,
                    updated_at=now,
                )
            )
    RotaEntry.objects.bulk_create(new)
    return len(new)


def generate_rota(actor: User, unit: Unit, start: dt.date, end: dt.date) -> int:
    """Make the rota of the unit's slots for [start, end] from its rotation list."""
    require(actor, Perm.EDIT_CHANNEL, unit)
    _check_range(start, end)
    if not RotaMember.objects.filter(unit=unit, user__is_active=True).exists():
        raise ValidationError(_("Add people to the rotation first."))
    slots = list(WeeklySlot.objects.filter(unit=unit, active=True).order_by("weekday", "time"))
    if not slots:
        raise ValidationError(_("The unit has no slots in use."))
    with transaction.atomic():
        # Lock the unit's slots so two generations of the same rota do not interleave.
        list(WeeklySlot.objects.select_for_update().filter(pk__in=[s.pk for s in slots]))
        count = generate_slots(unit, slots, start, end)
        record(
            actor,
            "rota.generated",
            unit,
            data={"start": start.isoformat(), "end": end.isoformat(), "entries": count},
            organisation=unit.organisation,
        )
    return count


# --- Changes to single turns --------------------------------------------------------------


def _may_change(actor: User, entry: RotaEntry) -> bool:
    return entry.responsible_id == actor.pk or has_perm(actor, Perm.EDIT_CHANNEL, entry.slot.unit)


def _tell(user: User | None, entry: RotaEntry, text: Any) -> None:
    if user is None or not user.is_active:
        return
    notify(user, text, url_for(user, "content:rota", entry.slot.unit_id))


def swap_entries(actor: User, first: RotaEntry, second: RotaEntry) -> tuple[RotaEntry, RotaEntry]:
    """Swap the people of two turns of the same unit; both people are told."""
    if first.pk == second.pk:
        raise ValidationError({"other": [_("Choose another turn to swap with.")]})
    if first.slot.unit_id != second.slot.unit_id:
        raise ValidationError({"other": [_("Both turns must be in the same unit's rota.")]})
    if not (_may_change(actor, first) or _may_change(actor, second)):
        raise PermissionDenied
    if min(first.date, second.date) < clock.today():
        raise ValidationError({"other": [_("Past turns cannot be swapped.")]})
    with transaction.atomic():
        a, b = (
            RotaEntry.objects.select_for_update()
            .select_related("slot__unit")
            .filter(pk__in=[first.pk, second.pk])
            .order_by("pk")
        )
        now = clock.now()
        a.responsible_id, b.responsible_id = b.responsible_id, a.responsible_id
        for e in (a, b):
            e.source, e.updated_at = RotaEntry.Source.SWAP, now
            e.save(update_fields=["responsible", "source", "updated_at"])
        record(
            actor,
            "rota.swapped",
            a,
            data={"entries": [a.pk, b.pk], "dates": [a.date.isoformat(), b.date.isoformat()]},
            organisation=a.slot.unit.organisation,
        )
        for mine, theirs in ((a, b), (b, a)):
            _tell(
                mine.responsible,
                mine,
                lambda m=mine, t=theirs: (
                    _(
                        "Rota swap: you now have “%(theme)s” on %(day)s instead of “%(other)s” on "
                        "%(other_day)s."
                    )
                    % {
                        "theme": m.slot.theme,
                        "day": _day(m.date),
                        "other": t.slot.theme,
                        "other_day": _day(t.date),
                    }
                ),
            )
    return a, b


def assign_entry(actor: User, entry: RotaEntry, user: User | None) -> RotaEntry:
    """Set the responsible person of one turn by hand."""
    require(actor, Perm.EDIT_CHANNEL, entry.slot.unit)
    if user is not None and (
        user.organisation_id != entry.slot.organisation_id or not user.is_active
    ):
        raise ValidationError({"responsible": [_("Choose an active person of your organisation.")]})
    with transaction.atomic():
        entry = RotaEntry.objects.select_for_update().select_related("slot__unit").get(pk=entry.pk)
        old = entry.responsible_id
        entry.responsible, entry.source, entry.updated_at = (
            user,
            RotaEntry.Source.MANUAL,
            clock.now(),
        )
        entry.save(update_fields=["responsible", "source", "updated_at"])
        record(
            actor,
            "rota.assigned",
            entry,
            data={"from": old, "to": user.pk if user else None, "date": entry.date.isoformat()},
            organisation=entry.slot.unit.organisation,
        )
        if user is not None and user.pk != old:
            _tell(
                user,
                entry,
                lambda: (
                    _("You are responsible for “%(theme)s” on %(day)s.")
                    % {"theme": entry.slot.theme, "day": _day(entry.date)}
                ),
            )
    return entry


def record_absence(
    actor: User, user: User, start: dt.date, end: dt.date, reason: str = ""
) -> Absence:
    """Record that ``user`` is away. Their generated turns in the period go to the next
    present person in each unit's rotation, who is told."""
    if user.organisation_id != actor.organisation_id:
        raise ValidationError({"user": [_("Choose a person from the list.")]})
    units = Unit.objects.filter(rota_members__user=user)
    if actor.pk == user.pk:
        require(actor, Perm.VIEW_REGISTRY)
    elif not any(has_perm(actor, Perm.EDIT_CHANNEL, u) for u in units):
        raise PermissionDenied
    errors = {}
    if end < start:
        errors["end"] = [_("The last day cannot be before the first.")]
    elif (end - start).days > MAX_RANGE_DAYS:
        errors["end"] = [_("Record at most a year at a time.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence = Absence.objects.create(
            organisation_id=org_id(actor),
            user=user,
            start=start,
            end=end,
            reason=reason.strip()[:200],
            created_by=actor,
            created_at=clock.now(),
        )
        moved = _reassign(user, max(start, clock.today()), end)
        record(
            actor,
            "rota.absence_recorded",
            absence,
            reason=absence.reason,
            data={
                "user": user.username,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reassigned": moved,
            },
            organisation=user.organisation,
        )
    return absence


def _reassign(user: User, start: dt.date, end: dt.date) -> int:
    if end < start:
        return 0
    entries = list(
        RotaEntry.objects.select_for_update()
        .select_related("slot__unit")
        .filter(responsible=user, source=RotaEntry.Source.GENERATED, date__gte=start, date__lte=end)
    )
    given: dict[int, list[RotaEntry]] = defaultdict(list)
    people: dict[int, User] = {}
    rotations = {}
    for e in entries:
        unit = e.slot.unit
        if unit.pk not in rotations:
            rotations[unit.pk] = rotation_for(unit, start, end)
        substitute = rotations[unit.pk].substitute_for(user, e.date)
        e.responsible, e.updated_at = substitute, clock.now()
        e.save(update_fields=["responsible", "updated_at"])
        if substitute is not None:
            given[substitute.pk].append(e)
            people[substitute.pk] = substitute
    for pk, turns in given.items():
        first = turns[0]
        _tell(
            people[pk],
            first,
            lambda t=turns: (
                ngettext(
                    "You were given a rota turn on %(day)s while a colleague is away.",
                    "You were given %(n)s rota turns while a colleague is away, "
                    "the first on %(day)s.",
                    len(t),
                )
                % {"n": len(t), "day": _day(t[0].date)}
            ),
        )
    return len(entries)
