"""Human names for the checker's rules, categories and severities (pages and settings)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from somevahti.checks.engine import RULES
from somevahti.checks.findings import CATEGORIES

CATEGORY_LABELS: dict[str, Promise] = {
    "privacy": _("Personal data"),
    "language": _("Language"),
    "tone": _("Tone"),
    "channel": _("Channel fit"),
}

SEVERITY_LABELS: dict[str, Promise] = {
    "block": _("Blocks publishing"),
    "warn": _("Warning"),
    "info": _("Tip"),
    "off": _("Off"),
}

RULE_LABELS: dict[str, Promise] = {
    "privacy.hetu": _("Personal identity code"),
    "privacy.business_id": _("Business ID"),
    "privacy.iban": _("Bank account number"),
    "privacy.phone": _("Phone number"),
    "privacy.email": _("E-mail address"),
    "privacy.address": _("Street address"),
    "privacy.plate": _("Vehicle registration plate"),
    "privacy.person_name": _("Name of a person"),
    "privacy.sensitive": _("Sensitive detail next to a name"),
    "language.spelling": _("Spelling"),
    "language.long_sentence": _("Long sentence"),
    "language.long_compound": _("Long compound word"),
    "language.nominal_style": _("Heavy noun style"),
    "language.passive_chain": _("Many passive verbs"),
    "language.bureaucratic": _("Bureaucratic phrase"),
    "language.abbreviation": _("Unexplained abbreviation"),
    "tone.shouting": _("Shouting"),
    "tone.insult": _("Insulting wording"),
    "tone.sarcasm": _("Sarcasm"),
    "tone.arguing": _("Arguing with the customer"),
    "channel.length": _("Too long for the channel"),
    "channel.hashtags": _("Too many hashtags"),
    "channel.alt_text": _("Image without alt text"),
    "channel.captions": _("Video without captions"),
    "channel.link_shortener": _("Link shortener"),
    "channel.broken_link": _("Broken-looking link"),
}


def rule_label(rule: str) -> str:
    return str(RULE_LABELS.get(rule, rule))


def rules_by_category() -> list[tuple[str, list[str]]]:
    """(category, rule ids) in the engine's order; rules the labels miss are included."""
    return [(c, [r for r in RULES if r.split(".", 1)[0] == c]) for c in CATEGORIES]
