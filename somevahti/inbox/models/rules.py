"""Rules the organisation reads and edits: how items are classified and where they go."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from somevahti.inbox.models.items import Klass


class ClassificationRule(models.Model):
    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Word (any inflected form)")
        SENDER = "sender", _("Known sender")
        DOMAIN = "domain", _("Sender's domain")
        SENTIMENT = "sentiment", _("Negative word")
        SPIKE = "spike", _("Many messages on one topic")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="classification_rules"
    )
    klass = models.CharField(_("class"), max_length=20, choices=Klass.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # A word's base form (matched through Voikko), a handle, a domain; blank for spikes.
    pattern = models.CharField(_("word, sender or domain"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    # Spikes: {"minutes": 60, "items": 10}
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(_("in use"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("classification rule")
        verbose_name_plural = _("classification rules")
        ordering = ["klass", "kind", "pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "klass", "kind", "pattern"],
                name="classification_rule_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.klass}: {self.kind} {self.pattern}"


class RoutingRule(models.Model):
    """Where one class goes: an ordered list of targets, the first one found wins."""

    class Target(models.TextChoices):
        CHANNEL_OWNER = "channel_owner", _("The channel's responsible person")
        UNIT_DIRECTOR = "unit_director", _("The unit's director")
        CITY_MANAGER = "city_manager", _("The city manager")
        COMMUNICATIONS = "communications", _("Communications")
        PERSON = "person", _("A named person")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="routing_rules"
    )
    klass = models.CharField(_("class"), max_length=20, choices=Klass.choices)
    # e.g. ["channel_owner", "unit_director", "city_manager"]; "person" uses ``person``.
    targets = models.JSONField(_("targets in order"), default=list)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("named person"),
    )
    instructions = models.TextField(_("instructions for the receiver"), blank=True)
    suggest_crisis = models.BooleanField(_("suggest crisis mode"), default=False)
    enabled = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["klass"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "klass"], name="routing_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.klass} → {', '.join(self.targets)}"
