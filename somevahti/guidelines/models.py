from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Guideline(models.Model):
    """The organisation's general guideline (unit empty) or a unit-specific one."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="guidelines"
    )
    unit = models.ForeignKey(
        "core.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guidelines",
        verbose_name=_("unit"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"))

    class Meta:
        verbose_name = _("guideline")
        verbose_name_plural = _("guidelines")
        ordering = ["unit__path", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="guideline_unique_slug")
        ]

    def __str__(self) -> str:
        return self.title


class GuidelineVersion(models.Model):
    guideline = models.ForeignKey(Guideline, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text (Markdown)"))
    approved_by_body = models.CharField(
        _("approved by"), max_length=200, help_text=_("For example: Town board")
    )
    approved_on = models.DateField(_("approval date"))
    approval_section = models.CharField(
        _("section"), max_length=50, blank=True, help_text=_("For example: § 384")
    )
    effective_from = models.DateField(_("in force from"))
    change_summary = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("guideline version")
        verbose_name_plural = _("guideline versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["guideline", "number"], name="guideline_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.guideline} v{self.number}"

    @property
    def approval_record(self) -> str:
        """E.g. "Kunnanhallitus 8.11.2017 § 384"."""
        when = f"{self.approved_on.day}.{self.approved_on.month}.{self.approved_on.year}"
        return " ".join(p for p in (self.approved_by_body, when, self.approval_section) if p)
