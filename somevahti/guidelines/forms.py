"""Forms for a new guideline and a new approved version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from somevahti.core.models import Unit, User
from somevahti.core.permissions import units_for
from somevahti.core.roles import Perm


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "\u00a0\u00a0" * int(obj.depth) + str(obj.name)


class GuidelineForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=50,
        help_text=_("Used in the page address, for example: some-ohje."),
    )
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("The whole organisation (general guideline)"),
        help_text=_("Leave empty for the organisation's general guideline."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units: QuerySet[Unit] = units_for(user, Perm.EDIT_GUIDELINES).order_by("path")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=_("Markdown: # heading, - list item, **bold**, [link](https://…)."),
    )
    approved_by_body = forms.CharField(
        label=_("Approved by"), max_length=200, help_text=_("For example: Town board")
    )
    approved_on = forms.DateField(
        label=_("Approval date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    approval_section = forms.CharField(
        label=_("Section"), max_length=50, required=False, help_text=_("For example: § 384")
    )
    effective_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    change_summary = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DiffForm(forms.Form):
    a = forms.IntegerField(label=_("Older version"), min_value=1)
    b = forms.IntegerField(label=_("Newer version"), min_value=1)
