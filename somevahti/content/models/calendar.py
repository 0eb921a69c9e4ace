"""Secret-token iCalendar feeds of the editorial calendar."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedToken(models.Model):
    """A calendar subscription address. Only a SHA-256 of the token is kept: the address is
    shown once, when it is made, and a leaked database does not reveal working addresses.
    Without a unit the feed is personal (the owner's own posts); with one, the unit subtree."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    unit = models.ForeignKey(
        "core.Unit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("unit"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.unit_id or 'personal'}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
