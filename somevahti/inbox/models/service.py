"""Service levels: business hours, closed days, response targets, auto-reply, saved replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from somevahti.inbox.models.items import Klass


class BusinessHours(models.Model):
    """Opening hours per weekday, for the organisation or (overriding it) one unit."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="business_hours"
    )
    unit = models.ForeignKey(
        "core.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="business_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["unit_id", "weekday"]
        # Two constraints: NULLs are distinct in a unique index on PostgreSQL.
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit", "weekday"],
                condition=models.Q(unit__isnull=False),
                name="business_hours_unique_unit_day",
            ),
            models.UniqueConstraint(
                fields=["organisation", "weekday"],
                condition=models.Q(unit__isnull=True),
                name="business_hours_unique_org_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}–{self.closes}"


class ClosedDay(models.Model):
    """A day the organisation is closed beyond public holidays (e.g. a staff training day)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "date"], name="closed_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ResponseTarget(models.Model):
    """Answer within this many business minutes; the most specific target wins (channel and
    class, then class, then channel, then the organisation's default)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="response_targets"
    )
    channel = models.ForeignKey(
        "registry.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("channel"),
    )
    klass = models.CharField(_("class"), max_length=20, choices=Klass.choices, blank=True)
    business_minutes = models.PositiveIntegerField(_("answer within (business minutes)"))
    warn_before_minutes = models.PositiveIntegerField(_("warn before (minutes)"), default=60)

    class Meta:
        verbose_name = _("response target")
        verbose_name_plural = _("response targets")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "channel", "klass"],
                condition=models.Q(channel__isnull=False),
                name="response_target_unique_channel",
            ),
            models.UniqueConstraint(
                fields=["organisation", "klass"],
                condition=models.Q(channel__isnull=True),
                name="response_target_unique_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.klass or '*'}: {self.business_minutes} min"


class AutoReplySettings(models.Model):
    organisation = models.OneToOneField(
        "core.Organisation", on_delete=models.CASCADE, related_name="auto_reply"
    )
    enabled = models.BooleanField(_("answer private messages outside business hours"), default=True)
    public_comments = models.BooleanField(_("answer public comments too"), default=False)
    # Own wording per language ({"fi": "...", "sv": "...", "en": "..."}); {when} is filled in.
    texts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("auto-reply settings")
        verbose_name_plural = _("auto-reply settings")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.enabled}"


class SavedReply(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="saved_replies"
    )
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    text = models.TextField(_("text"))
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title", "language"]

    def __str__(self) -> str:
        return self.title
