"""The weekly programme: occurrences of slots in time, the rotation, and scoped reads.

Writes live in ``programme_actions``; reminders in ``programme_reminders``. A slot's time is
Helsinki wall-clock time; every occurrence is turned into an aware UTC moment on its own date,
so 10:00 stays 10:00 on both sides of a DST change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import holidays
from django.db.models import Q, QuerySet

from somevahti.content.models import Post, PostVariant
from somevahti.content.models.programme import (
    DEFAULT_REMINDER_HOURS,
    Absence,
    ProgrammeSettings,
    RotaEntry,
    RotaMember,
    WeeklySlot,
)
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, org_id, scoped
from somevahti.core.roles import Perm

HELSINKI = clock.HELSINKI
# Posts in these states do not fill a slot: nothing is going out.
NOT_FILLING = (Post.State.CANCELLED, Post.State.FAILED, Post.State.REJECTED)
MAX_RANGE_DAYS = 366
Span = tuple[dt.date, dt.date]


# --- Time -------------------------------------------------------------------------------


def occurrence_at(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware UTC moment of ``time`` (Helsinki wall clock) on ``day``.

    A wall time inside the spring-forward gap (03:00–04:00 on the last Sunday of March) does
    not exist; zoneinfo then reads it with the winter offset, i.e. an hour later by the clock.
    In the autumn's repeated hour the first (summer-time) reading is used.
    """
    return dt.datetime.combine(day, time, tzinfo=HELSINKI).astimezone(dt.UTC)


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone(HELSINKI).date()


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def is_closed(day: dt.date) -> bool:
    """A public holiday or closed eve. On weekdays this is the organisation calendar; a
    weekend slot is affected only when a public holiday falls on it."""
    if day.weekday() < 5:
        return not clock.is_working_day(day)
    if (day.month, day.day) == (12, 31):
        return True
    return day in holidays.country_holidays("FI", years=day.year)


def next_working_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not clock.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


@dataclass
class Occurrence:
    """One slot on one day. ``original`` is the slot's own weekday in that week; ``date`` the
    day it happens (later when a holiday moved it); ``skipped`` when a holiday cancels it."""

    slot: WeeklySlot
    original: dt.date
    date: dt.date
    skipped: bool = False
    entry: RotaEntry | None = None
    filled: bool = False

    @property
    def at(self) -> dt.datetime:
        return occurrence_at(self.date, self.slot.time)

    @property
    def moved_from(self) -> dt.date | None:
        return self.original if self.date != self.original else None

    @property
    def week(self) -> dt.date:
        return monday_of(self.original)


def occurrences(slot: WeeklySlot, start: dt.date, end: dt.date) -> list[Occurrence]:
    """The slot's occurrences whose own weekday falls in [start, end], holidays applied."""
    out = []
    first = start + dt.timedelta(days=(slot.weekday - start.weekday()) % 7)
    day = first
    while day <= end:
        if not is_closed(day):
            out.append(Occurrence(slot, day, day))
        elif slot.holiday_policy == WeeklySlot.HolidayPolicy.MOVE:
            out.append(Occurrence(slot, day, next_working_day(day)))
        else:
            out.append(Occurrence(slot, day, day, skipped=True))
        day += dt.timedelta(days=7)
    return out


# --- Rotation ---------------------------------------------------------------------------


@dataclass
class Rotation:
    """Whose week it is: week n of a run goes to member (offset + n) mod len; an absent
    person's turn goes to the next one in the list who is present that day."""

    members: Sequence[User]
    start_week: dt.date
    offset: int = 0
    absences: dict[int, list[Span]] = field(default_factory=dict)

    def regular(self, week: dt.date) -> int:
        return (self.offset + (week - self.start_week).days // 7) % len(self.members)

    def is_absent(self, user: User, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in self.absences.get(user.pk, []))

    def responsible(self, week: dt.date, day: dt.date) -> User | None:
        if not self.members:
            return None
        first = self.regular(week)
        for step in range(len(self.members)):
            person = self.members[(first + step) % len(self.members)]
            if not self.is_absent(person, day):
                return person
        return None

    def substitute_for(self, user: User, day: dt.date) -> User | None:
        """The next present person after ``user`` in the list (used when an absence is
        recorded after the rota was made)."""
        ids = [m.pk for m in self.members]
        if user.pk not in ids:
            return None
        i = ids.index(user.pk)
        for step in range(1, len(self.members)):
            person = self.members[(i + step) % len(self.members)]
            if not self.is_absent(person, day):
                return person
        return None


def absences_of(users: Iterable[User], start: dt.date, end: dt.date) -> dict[int, list[Span]]:
    rows = Absence.objects.filter(user__in=list(users), start__lte=end, end__gte=start)
    out: dict[int, list[Span]] = defaultdict(list)
    for a in rows.values_list("user_id", "start", "end"):
        out[a[0]].append((a[1], a[2]))
    return dict(out)


def members_of(unit: Unit) -> list[User]:
    rows = RotaMember.objects.filter(unit=unit).select_related("user").order_by("order", "id")
    return [m.user for m in rows if m.user.is_active]


def rotation_for(unit: Unit, start: dt.date, end: dt.date) -> Rotation:
    """A rotation that continues after whoever had the last generated turn before ``start``."""
    members = members_of(unit)
    rotation = Rotation(members, monday_of(start), 0, absences_of(members, start, end))
    before = (
        RotaEntry.objects.filter(
            slot__unit=unit, source=RotaEntry.Source.GENERATED, date__lt=monday_of(start)
        )
        .exclude(responsible=None)
        .order_by("-date", "-slot__time")
        .values_list("responsible_id", flat=True)
        .first()
    )
    ids = [m.pk for m in members]
    if before in ids:
        rotation.offset = ids.index(before) + 1
    return rotation


def reminder_hours(unit_ids: Iterable[int]) -> dict[int, int]:
    own = dict(
        ProgrammeSettings.objects.filter(unit_id__in=list(unit_ids)).values_list(
            "unit_id", "reminder_hours"
        )
    )
    return defaultdict(lambda: DEFAULT_REMINDER_HOURS, own)


# --- Reads ------------------------------------------------------------------------------


def slots_visible_to(user: User) -> QuerySet[WeeklySlot]:
    return scoped(WeeklySlot.objects.filter(organisation_id=org_id(user)), user, Perm.VIEW_REGISTRY)


def slot_rows(qs: QuerySet[WeeklySlot]) -> QuerySet[WeeklySlot]:
    return qs.select_related("unit", "content_type").prefetch_related("channels")


def entries_visible_to(user: User) -> QuerySet[RotaEntry]:
    return scoped(
        RotaEntry.objects.filter(slot__organisation_id=org_id(user)),
        user,
        Perm.VIEW_REGISTRY,
        "slot__unit",
    )


def entry_rows(qs: QuerySet[RotaEntry]) -> QuerySet[RotaEntry]:
    return qs.select_related("slot__unit", "responsible")


def can_edit_programme(user: User, unit: Unit) -> bool:
    return has_perm(user, Perm.EDIT_CHANNEL, unit)


def channels_for_slot(unit: Unit) -> Q:
    """Channels a slot of ``unit`` may use: those of the unit, its sub-units and ancestors."""
    return Q(organisation_id=unit.organisation_id) & (
        Q(unit__path__in=unit.ancestor_paths()) | Q(unit__path__startswith=unit.path)
    )


def filled_days(
    channel_ids: Iterable[int], start: dt.date, end: dt.date
) -> set[tuple[int, dt.date]]:
    """(channel id, Helsinki date) pairs that have a post scheduled on them."""
    ids = set(channel_ids)
    if not ids:
        return set()
    lo = occurrence_at(start, dt.time.min)
    hi = occurrence_at(end + dt.timedelta(days=1), dt.time.min)
    rows = (
        PostVariant.objects.filter(
            channel_id__in=ids, post__scheduled_at__gte=lo, post__scheduled_at__lt=hi
        )
        .exclude(post__state__in=NOT_FILLING)
        .values_list("channel_id", "post__scheduled_at")
    )
    return {(channel, local_date(at)) for channel, at in rows if at is not None}


def is_filled(slot: WeeklySlot, day: dt.date, filled: set[tuple[int, dt.date]]) -> bool:
    return any((c.pk, day) in filled for c in slot.channels.all())


def programme(slots: Sequence[WeeklySlot], start: dt.date, end: dt.date) -> list[Occurrence]:
    """Occurrences of ``slots`` (prefetched channels) with their rota entry and whether a post
    fills them, in time order. Three queries whatever the number of slots."""
    occ = [o for s in slots for o in occurrences(s, start, end)]
    if not occ:
        return []
    last = max(o.date for o in occ)
    entries = entry_rows(
        RotaEntry.objects.filter(slot__in=[s.pk for s in slots], date__gte=start, date__lte=last)
    )
    by_day = {(e.slot_id, e.date): e for e in entries}
    filled = filled_days({c.pk for s in slots for c in s.channels.all()}, start, last)
    for o in occ:
        o.entry = by_day.get((o.slot.pk, o.date))
        o.filled = not o.skipped and is_filled(o.slot, o.date, filled)
    return sorted(occ, key=lambda o: (o.date, o.slot.time, o.slot.pk))


def empty_slots(user: User, unit: Unit | None, week: dt.date) -> list[Occurrence]:
    """This week's occurrences in the unit's subtree (or everything the user sees) that no
    post fills yet."""
    qs = slots_visible_to(user).filter(active=True)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    start = monday_of(week)
    found = programme(list(slot_rows(qs)), start, start + dt.timedelta(days=6))
    return [o for o in found if not o.skipped and not o.filled]


@dataclass
class RotaWeek:
    monday: dt.date
    cells: list[Occurrence | None]


def rota_grid(slots: Sequence[WeeklySlot], start: dt.date, weeks: int) -> list[RotaWeek]:
    """Weeks × slots for the rota page; a cell is None when the slot has no occurrence."""
    first = monday_of(start)
    end = first + dt.timedelta(days=7 * weeks - 1)
    found = programme(slots, first, end)
    cell = {(o.slot.pk, o.week): o for o in found}
    out = []
    for n in range(weeks):
        monday = first + dt.timedelta(days=7 * n)
        out.append(RotaWeek(monday, [cell.get((s.pk, monday)) for s in slots]))
    return out
