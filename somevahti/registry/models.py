from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    LINKEDIN = "linkedin", "LinkedIn"
    YOUTUBE = "youtube", "YouTube"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    THREADS = "threads", "Threads"
    TIKTOK = "tiktok", "TikTok"
    OTHER = "other", _("Other")


class ChannelStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    OPENING = "opening", _("Opening")
    ACTIVE = "active", _("Active")
    UNDER_MAINTAINED = "under_maintained", _("Under-maintained")
    DORMANT = "dormant", _("Dormant")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


class Audience(models.Model):
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="audiences"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="audience_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class MatrixCell(models.Model):
    """The purpose of one platform for one audience (the target-group matrix)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="matrix_cells"
    )
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="cells")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    purpose = models.TextField(_("purpose"))

    class Meta:
        verbose_name = _("matrix cell")
        verbose_name_plural = _("matrix cells")
        constraints = [
            models.UniqueConstraint(fields=["audience", "platform"], name="matrix_unique_cell")
        ]

    def __str__(self) -> str:
        return f"{self.audience} × {self.get_platform_display()}"


class Channel(models.Model):
    """One identity on one platform."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="channels"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="channels", verbose_name=_("unit")
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=200)
    handle = models.CharField(_("handle"), max_length=200, blank=True)
    url = models.URLField(_("address"), blank=True)
    responsibles = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="responsible_channels",
        verbose_name=_("responsible people"),
    )
    audiences = models.ManyToManyField(
        Audience, blank=True, related_name="channels", verbose_name=_("audiences")
    )
    purpose = models.TextField(_("purpose"), blank=True)
    target_per_week = models.DecimalField(
        _("target posts per week"), max_digits=5, decimal_places=1, default=2
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ChannelStatus.choices,
        default=ChannelStatus.ACTIVE,
        db_index=True,
    )
    opened_on = models.DateField(_("opened"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    # Until the publishing desk exists, activity is entered by hand or imported.
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    followers = models.PositiveIntegerField(_("followers"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["organisation", "platform"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"


class FollowerSnapshot(models.Model):
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="follower_snapshots"
    )
    date = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("followers"))

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "date"], name="follower_snapshot_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.date}: {self.count}"


class ActivityRecord(models.Model):
    """A post or other activity on a channel, as far as the registry knows it
    (entered by hand or imported until the publishing desk records its own)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="activity")
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.occurred_at:%Y-%m-%d}"


class ChannelRequest(models.Model):
    """A request to open a new channel: five questions, decided by a unit director."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="channel_requests"
    )
    unit = models.ForeignKey("core.Unit", on_delete=models.PROTECT, verbose_name=_("unit"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="channel_requests"
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("channel name"), max_length=200)
    purpose = models.TextField(_("Why is the channel needed?"))
    content_plan = models.TextField(_("What content will it publish?"))
    audiences = models.ManyToManyField(Audience, verbose_name=_("Which target groups?"))
    promotion_plan = models.TextField(_("How will it be made known?"))
    evaluation_plan = models.TextField(_("How will its effectiveness be evaluated?"))
    first_evaluation_on = models.DateField(_("first evaluation date"))
    target_per_week = models.DecimalField(
        _("target posts per week"), max_digits=5, decimal_places=1, default=2
    )
    proposed_responsibles = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("proposed responsible people")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    channel = models.OneToOneField(
        Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="opening_request"
    )

    class Meta:
        verbose_name = _("channel request")
        verbose_name_plural = _("channel requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"


class AccessTask(models.Model):
    """Work for IT: take access to a new channel, or revoke someone's access."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Take access")
        REVOKE = "revoke", _("Revoke access")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="access_tasks")
    kind = models.CharField(_("task"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # For revocations: whose access is to be removed.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("IT task")
        verbose_name_plural = _("IT tasks")
        ordering = ["status", "-opened_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.channel}"


class AccessGrant(models.Model):
    """Who holds access to a channel, how, and since when (the access register)."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        EDITOR = "editor", _("Editor")
        ANALYST = "analyst", _("Analyst / read only")
        CREDENTIALS = "credentials", _("Holds the credentials")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="access_grants")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_grants",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind of access"), max_length=20, choices=Kind.choices)
    method = models.CharField(
        _("method"),
        max_length=300,
        help_text=_("For example: page admin role, or the password vault entry."),
    )
    granted_on = models.DateField(_("granted"))
    revoked_on = models.DateField(_("revoked"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("access grant")
        verbose_name_plural = _("access grants")
        ordering = ["revoked_on", "-granted_on"]

    def __str__(self) -> str:
        return f"{self.holder} · {self.channel}"


class DormancyReview(models.Model):
    """A revive-or-close decision opened when a channel goes dormant."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for decision")
        REVIVED = "revived", _("Revived")
        CLOSING = "closing", _("Closing")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="dormancy_reviews")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    opened_at = models.DateTimeField(_("opened"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    revive_plan = models.TextField(_("plan for reviving"), blank=True)
    # Closing checklist
    successor = models.ForeignKey(
        Channel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("channel to follow instead"),
    )
    farewell_url = models.URLField(_("farewell post address"), blank=True)
    farewell_done_at = models.DateTimeField(null=True, blank=True)
    archive_done_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("revive-or-close decision")
        verbose_name_plural = _("revive-or-close decisions")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=models.Q(status__in=["open", "closing"]),
                name="dormancy_one_open_review",
            )
        ]

    def __str__(self) -> str:
        return str(self.channel)
