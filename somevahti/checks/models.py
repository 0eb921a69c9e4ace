"""Per-organisation checker settings: its own published data and rule severities."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from somevahti.checks.engine import RULES

# A rule set to "off" is not reported at all.
SEVERITY_CHOICES = ("block", "warn", "info", "off")
# Allowlist fields, in the order the settings page shows them.
LIST_FIELDS = ("phones", "email_domains", "ibans", "addresses", "staff_names", "words")


def validate_severities(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_("Severities must be a mapping from rule to severity."))
    unknown = sorted(str(k) for k in value if k not in RULES)
    if unknown:
        raise ValidationError(_("Unknown rules: %(rules)s"), params={"rules": ", ".join(unknown)})
    if any(v not in SEVERITY_CHOICES for v in value.values()):
        raise ValidationError(_("A severity must be one of: block, warn, info, off."))


class CheckSettings(models.Model):
    """The organisation's own numbers, domains, accounts, addresses and names are not
    flagged as personal data; ``severities`` overrides the engine's defaults per rule."""

    organisation = models.OneToOneField(
        "core.Organisation",
        on_delete=models.CASCADE,
        related_name="check_settings",
        verbose_name=_("organisation"),
    )
    phones = models.JSONField(_("own phone numbers"), default=list, blank=True)
    email_domains = models.JSONField(_("own e-mail domains"), default=list, blank=True)
    ibans = models.JSONField(_("own bank accounts (IBAN)"), default=list, blank=True)
    addresses = models.JSONField(_("own published addresses"), default=list, blank=True)
    staff_names = models.JSONField(_("other staff and officials' names"), default=list, blank=True)
    words = models.JSONField(_("extra words for the spelling check"), default=list, blank=True)
    severities = models.JSONField(
        _("rule severities"), default=dict, blank=True, validators=[validate_severities]
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("checker settings")
        verbose_name_plural = _("checker settings")

    def __str__(self) -> str:
        return str(_("Checker settings of %(org)s") % {"org": self.organisation.name})
