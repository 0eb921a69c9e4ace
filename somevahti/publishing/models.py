"""Connected accounts, delivery jobs and the record of every attempt.

A scheduled post becomes one ``Delivery`` per channel when it falls due; the delivery
carries the idempotency key (stored before the platform is called) and its state, and
every call to the platform leaves a ``DeliveryAttempt``. State changes live in
``publishing.engine`` and ``publishing.actions``; nothing here has logic in ``save()``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Connection(models.Model):
    """The credentials that let Somevahti publish on one channel, encrypted at rest."""

    class Status(models.TextChoices):
        OK = "ok", _("Connected")
        EXPIRED = "expired", _("Connection expired")
        REVOKED = "revoked", _("Access removed")
        DISCONNECTED = "disconnected", _("Disconnected")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="connections"
    )
    channel = models.OneToOneField(
        "registry.Channel",
        on_delete=models.CASCADE,
        related_name="connection",
        verbose_name=_("channel"),
    )
    platform = models.CharField(_("platform"), max_length=20)
    account_id = models.CharField(_("account id on the platform"), max_length=300, blank=True)
    account_name = models.CharField(_("account"), max_length=300, blank=True)
    base_url = models.URLField(_("server address"), blank=True)
    secret = models.TextField(blank=True)  # core.crypto.encrypt_json(credentials)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OK, db_index=True
    )
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Expiry warnings already sent for the current expiry date, e.g. [14, 3].
    warned_days = models.JSONField(default=list, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(_("connected"))
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    # Where the inbox poller stopped: the connector's own cursor, opaque here.
    inbox_cursor = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        ordering = ["channel__name", "id"]

    def __str__(self) -> str:
        return f"{self.platform}: {self.account_name or self.account_id}"

    @property
    def usable(self) -> bool:
        return self.status == self.Status.OK


class PlatformApp(models.Model):
    """The organisation's app registration for OAuth on one platform (or Mastodon instance)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="platform_apps"
    )
    platform = models.CharField(_("platform"), max_length=20)
    base_url = models.URLField(_("server address"), blank=True)
    client_id = models.CharField(_("client id"), max_length=300)
    secret = models.TextField(blank=True)  # encrypted {"client_secret": ...}
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("platform app")
        verbose_name_plural = _("platform apps")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "platform", "base_url"], name="platform_app_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.base_url}".strip()


class Delivery(models.Model):
    """One post on one channel: the unit the engine claims, sends and reconciles."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        CLAIMED = "claimed", _("Being prepared")
        SENDING = "sending", _("Being sent")
        RETRYING = "retrying", _("Will try again")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")
        UNCONFIRMED = "unconfirmed", _("Unconfirmed: check on the platform")
        MANUAL = "manual", _("To be published by hand")
        CANCELLED = "cancelled", _("Cancelled")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="deliveries"
    )
    post = models.ForeignKey("content.Post", on_delete=models.CASCADE, related_name="deliveries")
    variant = models.ForeignKey(
        "content.PostVariant", on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.ForeignKey(
        "registry.Channel",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("channel"),
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    # Stored before the platform is called; a resend after an unknown outcome reuses it.
    idempotency_key = models.CharField(max_length=64, unique=True)
    due_at = models.DateTimeField(_("due"))
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_by = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    platform_id = models.CharField(_("id on the platform"), max_length=300, blank=True)
    url = models.URLField(_("address on the platform"), max_length=500, blank=True)
    error_kind = models.CharField(max_length=40, blank=True)
    error_detail = models.TextField(_("platform's reason"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["post_id", "channel_id", "id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["state", "lease_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.channel_id} ({self.state})"


class DeliveryAttempt(models.Model):
    """One call to the platform, kept for the record and the channel owner."""

    class Result(models.TextChoices):
        PUBLISHED = "published", _("Published")
        RETRY = "retry", _("Temporary error, tried again later")
        REJECTED = "rejected", _("Refused by the platform")
        AUTH = "auth", _("Connection not valid")
        UNKNOWN = "unknown", _("Outcome unknown")
        FOUND = "found", _("Found on the platform")
        NOT_FOUND = "not_found", _("Not found on the platform")
        ABANDONED = "abandoned", _("Worker stopped")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts_log")
    number = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=20, default="publish")  # publish | lookup
    worker = models.CharField(_("worker"), max_length=120)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    request = models.JSONField(_("request"), default=dict)
    response = models.JSONField(_("response"), default=dict)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery_id", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.result}"
