from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from somevahti.core.models import Organisation, Unit, User
from somevahti.core.roles import Role


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, k.label) for k in (Unit.Kind.SECTOR, Unit.Kind.UNIT, Unit.Kind.SUBUNIT)],
        initial=Unit.Kind.UNIT,
    )


class RenameUnitForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=200)


class GrantRoleForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, organisation_id: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organisation_id=organisation_id, is_active=True
        ).order_by("last_name", "first_name", "username")


EVE_CHOICES = [
    ("Christmas Eve", _("Christmas Eve")),
    ("Midsummer Eve", _("Midsummer Eve")),
    ("New Year's Eve", _("New Year's Eve")),
]


class OrganisationSettingsForm(forms.ModelForm):
    open_eves = forms.MultipleChoiceField(
        label=_("Eves open for business"),
        choices=EVE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Unticked eves are closed days for response times and auto-replies."),
    )

    class Meta:
        model = Organisation
        fields = [
            "under_maintained_ratio",
            "activity_window_weeks",
            "dormant_after_days",
            "open_eves",
        ]
        help_texts = {
            "under_maintained_ratio": _(
                "A channel is under-maintained when it posts less than this share of its target "
                "rhythm, e.g. 0.5 = under half."
            ),
            "activity_window_weeks": _("How many past weeks the rhythm is counted over."),
            "dormant_after_days": _("With no activity for this many days a channel is dormant."),
        }


def add_form_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show an action's ValidationError next to the fields it names, the rest above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
