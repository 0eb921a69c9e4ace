"""Forms for the target-group matrix."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from somevahti.core.models import User
from somevahti.registry.models import Audience
from somevahti.registry.queries import audiences_of


class AudienceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who belongs to this group, in a sentence or two."),
    )


class MatrixCellForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What this platform is for with this target group. Leave empty to remove."),
    )


class SuggestForm(forms.Form):
    audiences = forms.ModelMultipleChoiceField(
        label=_("Target groups"),
        queryset=Audience.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose the groups the channel should reach."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audiences"].queryset = audiences_of(user)  # type: ignore[attr-defined]
