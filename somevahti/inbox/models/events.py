"""What arrives, stored before anything else: the raw event and the keys that sign it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RawEvent(models.Model):
    """One webhook delivery or polled event exactly as received. Processing happens in a
    task; an event that cannot be parsed stays here for an admin to inspect."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Could not be read")
        IGNORED = "ignored", _("Nothing to do")

    organisation = models.ForeignKey(
        "core.Organisation", null=True, on_delete=models.CASCADE, related_name="raw_events"
    )
    source = models.CharField(_("source"), max_length=30)  # meta, ingest, bluesky, mastodon, ...
    channel = models.ForeignKey(
        "registry.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The same event twice is one row: the platform's event id, else a hash of the body.
    dedup_key = models.CharField(max_length=200, unique=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    oversized = models.BooleanField(default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("raw event")
        verbose_name_plural = _("raw events")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.dedup_key}"


class IngestKey(models.Model):
    """A shared secret for the signed REST ingest (a feedback system, an e-mail gateway)."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="ingest_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    key_id = models.SlugField(_("key id"), max_length=40, unique=True)
    secret = models.TextField()  # core.crypto.encrypt
    channel = models.ForeignKey(
        "registry.Channel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("channel the messages belong to"),
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ingest key")
        verbose_name_plural = _("ingest keys")

    def __str__(self) -> str:
        return self.name


class WebhookRejection(models.Model):
    """A count of refused deliveries per source and reason (forged, replayed, unsigned)."""

    source = models.CharField(max_length=30)
    reason = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "reason"], name="webhook_rejection_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.reason}: {self.count}"
