"""Staff tips: a member of staff suggests something to post; channel owners triage it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from somevahti.content.models.posts import get_media_storage

__all__ = ["Tip", "TipMessage", "TipPhoto"]


class Tip(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("Waiting for triage")
        WAITING = "waiting", _("More information asked")
        DRAFTED = "drafted", _("Turned into a draft")
        DECLINED = "declined", _("Declined with thanks")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="tips"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="tips", verbose_name=_("unit")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tips_sent",
        verbose_name=_("sender"),
    )
    text = models.TextField(_("tip"))
    event_date = models.DateField(_("date of the event"))
    shows_people = models.BooleanField(_("the photos show recognisable people"), default=False)
    consent_confirmed = models.BooleanField(_("the people agreed"), default=False)
    consent_how = models.TextField(_("how the consent was obtained"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.NEW, db_index=True
    )
    post = models.ForeignKey(
        "content.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tips",
        verbose_name=_("draft"),
    )
    decline_reason = models.TextField(_("reason"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return self.text[:80]


class TipPhoto(models.Model):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to="tips/%Y/%m/", storage=get_media_storage)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tip photo")
        verbose_name_plural = _("tip photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class TipMessage(models.Model):
    """A question from triage or the sender's answer to it."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        ANSWER = "answer", _("Answer")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(_("message"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tip message")
        verbose_name_plural = _("tip messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]
