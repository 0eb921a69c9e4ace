"""Forms for the revive-or-close decision and the closing checklist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from somevahti.core.models import User
from somevahti.registry.models import Channel, ChannelStatus


def _person_label(obj: Any) -> str:
    full = obj.get_full_name()
    return f"{full} ({obj.username})" if full else str(obj.username)


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person_label(obj)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("revive", _("Revive: new responsible people and a plan")),
            ("close", _("Close the channel")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log with your decision."),
    )
    responsibles = PeopleField(
        label=_("Responsible people from now on"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Needed when reviving. They replace the current responsible people."),
    )
    plan = forms.CharField(
        label=_("Plan for keeping the channel active"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Needed when reviving: who posts what, and how often."),
    )

    def __init__(self, channel: Channel, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people: QuerySet[User] = User.objects.filter(
            organisation_id=channel.organisation_id, is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["responsibles"].queryset = people  # type: ignore[attr-defined]
        self.fields["responsibles"].widget.attrs["size"] = 6


class ChannelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_platform_display()})"


class FarewellForm(forms.Form):
    farewell_url = forms.URLField(
        label=_("Address of the farewell post"),
        assume_scheme="https",
        help_text=_("The last post tells followers where to find you from now on."),
    )
    successor = ChannelChoiceField(
        label=_("Channel to follow instead"),
        queryset=Channel.objects.none(),
    )

    def __init__(self, channel: Channel, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (  # type: ignore[attr-defined]
            Channel.objects.filter(organisation_id=channel.organisation_id)
            .exclude(pk=channel.pk)
            .exclude(status__in=[ChannelStatus.CLOSING, ChannelStatus.CLOSED])
            .order_by("name", "pk")
        )
