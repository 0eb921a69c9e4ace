"""Crisis mode: the city manager takes over communication in a unit subtree.

Post states are not touched by the model: a paused post is moved from scheduled back to
approved (an allowed move), and its previous time is kept in a ``CrisisPause`` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["CrisisApproval", "CrisisDelegate", "CrisisMode", "CrisisPause"]


class CrisisDelegate(models.Model):
    """Someone the city manager lets switch crisis mode in a unit subtree."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="crisis_delegates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="crisis_delegations",
        verbose_name=_("person"),
    )
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("scope")
    )
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("crisis delegate")
        verbose_name_plural = _("crisis delegates")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit}"


class CrisisMode(models.Model):
    """One period of crisis mode over ``unit`` and everything below it (the root unit means
    the whole organisation). Active while ``ended_at`` is empty."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="crises"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("scope")
    )
    reason = models.TextField(_("reason"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("crisis mode")
        verbose_name_plural = _("crisis modes")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organisation", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.ended_at is None


class CrisisPause(models.Model):
    """A scheduled post held back by a crisis; resolved when someone resumes, reschedules
    or cancels it after the crisis."""

    class Resolution(models.TextChoices):
        RESUMED = "resumed", _("Resumed at its time")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", _("Cancelled")

    crisis = models.ForeignKey(CrisisMode, on_delete=models.CASCADE, related_name="pauses")
    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="crisis_pauses")
    previous_scheduled_at = models.DateTimeField(_("was to be published"))
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("paused post")
        verbose_name_plural = _("paused posts")
        ordering = ["previous_scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["crisis", "post"], name="crisis_pause_unique")
        ]

    def __str__(self) -> str:
        return f"{self.crisis_id} · {self.post_id}"


class CrisisApproval(models.Model):
    """The crisis owner's (or delegate's) approval of a post during a crisis."""

    crisis = models.ForeignKey(CrisisMode, on_delete=models.CASCADE, related_name="approvals")
    post = models.ForeignKey(
        "content.Post", on_delete=models.CASCADE, related_name="crisis_approvals"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("crisis approval")
        verbose_name_plural = _("crisis approvals")
        constraints = [
            models.UniqueConstraint(fields=["crisis", "post"], name="crisis_approval_unique")
        ]

    def __str__(self) -> str:
        return f"{self.crisis_id} · {self.post_id}"
