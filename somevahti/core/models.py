from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from somevahti.core.roles import Role


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    # Dormancy thresholds: a channel is under-maintained when it posted less than
    # this share of its target rhythm over the window, dormant after this many idle days.
    under_maintained_ratio = models.DecimalField(
        _("under-maintained below share of target"), max_digits=3, decimal_places=2, default=0.5
    )
    activity_window_weeks = models.PositiveSmallIntegerField(
        _("activity window (weeks)"), default=8
    )
    dormant_after_days = models.PositiveSmallIntegerField(_("dormant after idle days"), default=90)
    # Eves (from core.clock.DEFAULT_CLOSED_EVES) this organisation keeps open for business.
    open_eves = models.JSONField(_("eves open for business"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A node in the organisation's tree. ``path`` is a materialised path
    (``"0001.0004."``) so that a subtree is one indexed prefix query."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        SECTOR = "sector", _("Sector")
        UNIT = "unit", _("Unit")
        SUBUNIT = "subunit", _("Sub-unit")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="units", verbose_name=_("organisation")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.UNIT)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "path"], name="unit_unique_path"),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestor_paths(self) -> list[str]:
        parts = self.path.split(".")[:-1]
        return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]

    def is_within(self, other: Unit) -> bool:
        return self.organisation_id == other.organisation_id and self.path.startswith(other.path)


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisation"),
    )
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=200, blank=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        blank=True,
        choices=[("fi", "suomi"), ("sv", "svenska"), ("en", "English")],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="role_unique"),
        ]
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail copy: delivered by a task; a failure is kept and retried by the sweep.
    email_subject = models.CharField(max_length=200, blank=True)
    email_state = models.CharField(
        max_length=10,
        default="none",
        choices=[("none", "none"), ("pending", "pending"), ("sent", "sent"), ("failed", "failed")],
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text
