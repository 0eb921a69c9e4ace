"""Forms for IT's access register, its tasks, and deactivating a person."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.permissions import org_id
from somevahti.registry.forms.channels import PersonChoiceField, people_of
from somevahti.registry.models import AccessGrant, Channel

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GrantForm(forms.Form):
    holder = PersonChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        help_text=_("Who holds the access. Record your own access too."),
    )
    kind = forms.ChoiceField(label=_("Kind of access"), choices=AccessGrant.Kind.choices)
    method = forms.CharField(
        label=_("Method"),
        max_length=300,
        help_text=_("For example: page admin role, or the password vault entry."),
    )
    granted_on = forms.DateField(label=_("Granted"), widget=_DATE)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "grant")
        kwargs.setdefault("initial", {"holder": user.pk, "granted_on": clock.today()})
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = people_of(user)  # type: ignore[attr-defined]


class RevokeForm(forms.Form):
    revoked_on = forms.DateField(label=_("Revoked"), widget=_DATE)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        help_text=_("For example: the person left the organisation."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("revoked_on", clock.today())
        super().__init__(*args, **kwargs)


class RegisterFilterForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False, empty_label=_("All")
    )
    holder = PersonChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    current = forms.BooleanField(label=_("Only current access"), required=False)

    def __init__(self, grants: QuerySet[AccessGrant], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only channels and people that appear in the register are worth offering.
        self.fields["channel"].queryset = Channel.objects.filter(  # type: ignore[attr-defined]
            pk__in=grants.values("channel_id")
        ).order_by("name", "pk")
        self.fields["holder"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            pk__in=grants.values("holder_id")
        ).order_by("last_name", "first_name", "username")

    def apply(self, grants: QuerySet[AccessGrant]) -> QuerySet[AccessGrant]:
        if not self.is_bound or not self.is_valid():
            return grants
        if channel := self.cleaned_data.get("channel"):
            grants = grants.filter(channel=channel)
        if holder := self.cleaned_data.get("holder"):
            grants = grants.filter(holder=holder)
        if self.cleaned_data.get("current"):
            grants = grants.filter(revoked_on__isnull=True)
        return grants


class DeactivateForm(forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("For example: left the organisation on 31 May."),
    )

    def __init__(self, admin: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Everyone of the organisation: deactivating someone already gone is a conflict (409).
        self.fields["user"].queryset = (  # type: ignore[attr-defined]
            org_people(admin).exclude(pk=admin.pk).order_by("last_name", "first_name", "username")
        )


def org_people(user: User) -> QuerySet[User]:
    """Everyone of the user's organisation, active or not (the register keeps the departed)."""
    return User.objects.filter(organisation_id=org_id(user))
