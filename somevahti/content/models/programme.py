"""The weekly programme (recurring slots) and its rota (who makes which occurrence).

Dates on rota rows are Helsinki calendar dates; a slot's time is Helsinki wall-clock time, turned
into an aware UTC moment per occurrence (see ``content.programme.occurrence_at``) so DST is right.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_REMINDER_HOURS = 24


class ProgrammeSettings(models.Model):
    """Per-unit rota settings; a unit without a row uses the defaults."""

    unit = models.OneToOneField(
        "core.Unit", on_delete=models.CASCADE, related_name="programme_settings"
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind this many hours before"),
        default=DEFAULT_REMINDER_HOURS,
        help_text=_("The responsible person is reminded if the slot has no post by then."),
    )

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.reminder_hours} h"


class WeeklySlot(models.Model):
    """A recurring place in a unit's week, e.g. "Monday book tip" at 10:00."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class HolidayPolicy(models.TextChoices):
        SKIP = "skip", _("Skip the slot that week")
        MOVE = "move_to_next_working_day", _("Move it to the next working day")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="weekly_slots"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.CASCADE, related_name="weekly_slots", verbose_name=_("unit")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    time = models.TimeField(_("time"), help_text=_("Finnish time."))
    theme = models.CharField(_("theme"), max_length=200)
    channels = models.ManyToManyField(
        "registry.Channel", related_name="weekly_slots", verbose_name=_("channels")
    )
    content_type = models.ForeignKey(
        "content.ContentTag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="weekly_slots",
        verbose_name=_("content type"),
    )
    active = models.BooleanField(_("in use"), default=True)
    holiday_policy = models.CharField(
        _("on a public holiday"),
        max_length=30,
        choices=HolidayPolicy.choices,
        default=HolidayPolicy.SKIP,
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("weekly programme slot")
        verbose_name_plural = _("weekly programme slots")
        ordering = ["unit__path", "weekday", "time", "id"]

    def __str__(self) -> str:
        return self.theme


class RotaMember(models.Model):
    """One person in a unit's rotation; ``order`` sets whose turn comes next."""

    unit = models.ForeignKey("core.Unit", on_delete=models.CASCADE, related_name="rota_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rota_memberships"
    )
    order = models.PositiveSmallIntegerField(_("turn"))

    class Meta:
        verbose_name = _("rota member")
        verbose_name_plural = _("rota members")
        ordering = ["unit_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="rota_member_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}#{self.order}: {self.user_id}"


class RotaEntry(models.Model):
    """Who is responsible for one occurrence of a slot. ``date`` is the day it actually
    happens; ``moved_from`` the original day when a holiday moved it."""

    class Source(models.TextChoices):
        GENERATED = "generated", _("From the rotation")
        SWAP = "swap", _("Swapped")
        MANUAL = "manual", _("Set by hand")

    slot = models.ForeignKey(WeeklySlot, on_delete=models.CASCADE, related_name="rota_entries")
    date = models.DateField(_("date"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rota_entries",
        verbose_name=_("responsible"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.GENERATED
    )
    moved_from = models.DateField(_("moved from"), null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("rota entry")
        verbose_name_plural = _("rota entries")
        ordering = ["date", "slot__time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "date"], name="rota_entry_unique_day")
        ]
        indexes = [models.Index(fields=["responsible", "date"])]

    def __str__(self) -> str:
        return f"{self.slot_id} {self.date}"


class Absence(models.Model):
    """A person away from the rota; generation gives their turns to the next in line."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="absences"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("person"),
    )
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["user", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.start}–{self.end}"


class ReminderSent(models.Model):
    """One reminder of one kind per rota entry: the unique row makes the task idempotent."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before the slot")
        EMPTY = "empty", _("Slot still empty")

    entry = models.ForeignKey(RotaEntry, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind"], name="reminder_sent_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind}"


__all__ = [
    "DEFAULT_REMINDER_HOURS",
    "Absence",
    "ProgrammeSettings",
    "ReminderSent",
    "RotaEntry",
    "RotaMember",
    "WeeklySlot",
]
