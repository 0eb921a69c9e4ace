"""Forms for the try-it page and the checker settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from somevahti.checks.engine import RULES
from somevahti.checks.findings import Media
from somevahti.checks.labels import CATEGORY_LABELS, SEVERITY_LABELS, rule_label, rules_by_category
from somevahti.checks.models import LIST_FIELDS, SEVERITY_CHOICES
from somevahti.registry.models import Platform

MEDIA_ROWS = 3
MAX_TEXT = 100_000


class CheckForm(forms.Form):
    text = forms.CharField(
        label=_("Text to check"),
        # Not stripped: the highlights point into the text exactly as written.
        strip=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("Paste a post or a reply. Nothing is saved or published."),
    )
    lang = forms.ChoiceField(
        label=_("Language of the text"),
        choices=[("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("No particular channel")), *Platform.choices],
        help_text=_("Length limits and hashtag advice depend on the channel."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, MEDIA_ROWS + 1):
            self.fields[f"media_{n}_type"] = forms.ChoiceField(
                label=_("Kind"),
                required=False,
                choices=[("", _("None")), ("image", _("Image")), ("video", _("Video"))],
            )
            self.fields[f"media_{n}_alt"] = forms.CharField(
                label=_("Alt text of the image"), required=False, max_length=2000
            )
            self.fields[f"media_{n}_captions"] = forms.BooleanField(
                label=_("The video has captions"), required=False
            )

    def media_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "number": n,
                "type": self[f"media_{n}_type"],
                "alt": self[f"media_{n}_alt"],
                "captions": self[f"media_{n}_captions"],
            }
            for n in range(1, MEDIA_ROWS + 1)
        ]

    def has_media(self) -> bool:
        return any(self.data.get(f"media_{n}_type") for n in range(1, MEDIA_ROWS + 1))

    def media_items(self) -> list[Media]:
        data = self.cleaned_data
        items = []
        for n in range(1, MEDIA_ROWS + 1):
            kind = data.get(f"media_{n}_type")
            if kind:
                alt = data.get(f"media_{n}_alt") or ""
                items.append(Media(kind, alt, bool(data.get(f"media_{n}_captions"))))
        return items


def severity_field_name(rule: str) -> str:
    return "severity_" + rule.replace(".", "__")


class CheckSettingsForm(forms.Form):
    phones = forms.CharField(
        label=_("Own phone numbers"),
        help_text=_("Published service numbers, one per line, e.g. 09 310 1234."),
    )
    email_domains = forms.CharField(
        label=_("Own e-mail domains"),
        help_text=_("One per line, e.g. kunta.fi. Sub-domains are included."),
    )
    ibans = forms.CharField(
        label=_("Own bank accounts (IBAN)"),
        help_text=_("The organisation's accounts that may be published, one per line."),
    )
    addresses = forms.CharField(
        label=_("Own published addresses"),
        help_text=_("Street addresses of offices and services, one per line."),
    )
    staff_names = forms.CharField(
        label=_("Other staff and officials"),
        help_text=_(
            "First name and surname, one per line. People with a user account here are "
            "recognised anyway."
        ),
    )
    words = forms.CharField(
        label=_("Extra words for the spelling check"),
        help_text=_("Local names and terms the dictionary does not know, one per line."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in LIST_FIELDS:
            field = self.fields[name]
            field.required = False
            field.strip = False  # type: ignore[attr-defined]
            field.widget = forms.Textarea(attrs={"rows": 4})
        for rule, default in RULES.items():
            self.fields[severity_field_name(rule)] = forms.ChoiceField(
                label=rule_label(rule),
                choices=[(s, SEVERITY_LABELS[s]) for s in SEVERITY_CHOICES],
                initial=default,
                help_text=_("Default: %(severity)s") % {"severity": SEVERITY_LABELS[default]},
            )

    @classmethod
    def initial_from(cls, data: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {f: "\n".join(data[f]) for f in LIST_FIELDS}
        for rule, severity in data["severities"].items():
            initial[severity_field_name(rule)] = severity
        return initial

    def list_fields(self) -> list[forms.BoundField]:
        return [self[f] for f in LIST_FIELDS]

    def severity_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (CATEGORY_LABELS[c], [self[severity_field_name(r)] for r in rules])
            for c, rules in rules_by_category()
        ]

    def action_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {f: self.cleaned_data.get(f, "") for f in LIST_FIELDS}
        data["severities"] = {rule: self.cleaned_data[severity_field_name(rule)] for rule in RULES}
        return data
