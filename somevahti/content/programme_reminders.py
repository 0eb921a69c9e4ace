"""Rota reminders, run by a periodic task. Safe to run any number of times: each reminder is
a ReminderSent row (unique per turn and kind) written in the same transaction as the
notification, so a second run, or a second worker, sends nothing again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from somevahti.content.models.programme import ReminderSent, RotaEntry
from somevahti.content.programme import filled_days, is_filled, occurrence_at, reminder_hours
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.models import User
from somevahti.core.permissions import users_with_role_over
from somevahti.core.roles import Role
from somevahti.registry.models import Channel

K = ReminderSent.Kind
# An empty slot is reported to the channel owners up to this long after its time; older ones
# (e.g. when the worker was down for days) are history, not news.
EMPTY_GRACE = dt.timedelta(hours=6)
MAX_LEAD_DAYS = 8  # reminder_hours is at most 168


@dataclass
class ReminderCounts:
    before: int = 0
    empty: int = 0


def _when(entry: RotaEntry) -> str:
    at = occurrence_at(entry.date, entry.slot.time).astimezone(clock.HELSINKI)
    return date_format(at, "SHORT_DATETIME_FORMAT")


def _claim(entry: RotaEntry, kind: str) -> bool:
    """Write the ReminderSent row; False when another run already did."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(entry=entry, kind=kind, sent_at=clock.now())
    except IntegrityError:
        return False
    return True


def _remind_responsible(entry: RotaEntry) -> bool:
    person = entry.responsible
    if person is None or not person.is_active:
        return False
    with transaction.atomic():
        if not _claim(entry, K.BEFORE):
            return False
        notify(
            person,
            lambda: (
                _("Rota reminder: “%(theme)s” on %(when)s has no post yet. It is your turn.")
                % {"theme": entry.slot.theme, "when": _when(entry)}
            ),
            url_for(person, "content:empty_slots"),
            lambda: _("Rota reminder: %(theme)s") % {"theme": entry.slot.theme},
        )
    return True


def _report_empty(entry: RotaEntry) -> bool:
    owners: list[User] = list(users_with_role_over(entry.slot.unit, [Role.CHANNEL_OWNER]))
    with transaction.atomic():
        if not _claim(entry, K.EMPTY):
            return False
        for owner in owners:
            notify(
                owner,
                lambda: (
                    _("The programme slot “%(theme)s” on %(when)s went by without a post.")
                    % {"theme": entry.slot.theme, "when": _when(entry)}
                ),
                url_for(owner, "content:empty_slots"),
                lambda: _("Empty programme slot: %(theme)s") % {"theme": entry.slot.theme},
            )
    return True


def send_rota_reminders() -> ReminderCounts:
    """Remind the responsible person ``reminder_hours`` before an empty slot, and the unit's
    channel owners when its time has come and it is still empty."""
    now = clock.now()
    today = clock.today()
    start, end = today - dt.timedelta(days=1), today + dt.timedelta(days=MAX_LEAD_DAYS)
    entries = list(
        RotaEntry.objects.filter(slot__active=True, date__gte=start, date__lte=end)
        .exclude(reminders__kind=K.EMPTY)
        .select_related("slot__unit", "responsible")
        .prefetch_related(
            Prefetch("slot__channels", Channel.objects.only("pk")),
            Prefetch("reminders", ReminderSent.objects.only("entry_id", "kind")),
        )
    )
    hours = reminder_hours({e.slot.unit_id for e in entries})
    filled = filled_days({c.pk for e in entries for c in e.slot.channels.all()}, start, end)
    counts = ReminderCounts()
    for entry in entries:
        if is_filled(entry.slot, entry.date, filled):
            continue
        at = occurrence_at(entry.date, entry.slot.time)
        sent = {r.kind for r in entry.reminders.all()}
        lead = dt.timedelta(hours=hours[entry.slot.unit_id])
        if at - lead <= now < at and K.BEFORE not in sent:
            counts.before += _remind_responsible(entry)
        elif at <= now < at + EMPTY_GRACE:
            counts.empty += _report_empty(entry)
    return counts
