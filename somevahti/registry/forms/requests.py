"""Forms for the five-question channel request and the director's decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from somevahti.core.models import Unit, User
from somevahti.core.permissions import units_for
from somevahti.core.roles import Perm
from somevahti.registry.forms.channels import PeopleChoiceField, UnitChoiceField, people_of
from somevahti.registry.models import Audience, ChannelRequest, Platform
from somevahti.registry.queries import audiences_of

MULTI_FIELDS = ("audiences", "proposed_responsibles")


class ChannelRequestForm(forms.Form):
    """The answers; saving goes through actions.requests.submit_channel_request."""

    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The unit that will own the channel. Its director decides the request."),
    )
    name = forms.CharField(
        label=_("Name of the channel"),
        max_length=200,
        help_text=_("The name people will see, e.g. the unit's name and the topic."),
    )
    purpose = forms.CharField(
        label=_("1. Why is the channel needed?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A good answer names the need: whom we do not reach today, and why our existing "
            "channels are not enough."
        ),
    )
    content_plan = forms.CharField(
        label=_("2. What content will it publish?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A good answer lists the kinds of posts (events, tips, pictures, video), how often, "
            "and who makes them."
        ),
    )
    audiences = forms.ModelMultipleChoiceField(
        label=_("3. Which target groups should it reach?"),
        queryset=Audience.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Choose the groups the channel is for. The target-group matrix suggests platforms "
            "for them below."
        ),
    )
    platform = forms.ChoiceField(
        label=_("Platform"),
        choices=[("", "—"), *Platform.choices],
        help_text=_("Choose the platform that best reaches the groups above."),
    )
    promotion_plan = forms.CharField(
        label=_("4. How will it be made known?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A good answer tells where people will hear of the channel: our other channels, "
            "the website, posters, partners, events."
        ),
    )
    evaluation_plan = forms.CharField(
        label=_("5. How will its effectiveness be evaluated?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A good answer names what is measured (e.g. followers, reactions, visitors), what "
            "counts as success, and what happens if the channel does not work."
        ),
    )
    first_evaluation_on = forms.DateField(
        label=_("First evaluation date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When the channel is first evaluated against the plan above."),
    )
    target_per_week = forms.DecimalField(
        label=_("Target posts per week"),
        max_digits=5,
        decimal_places=1,
        min_value=0.1,
        initial=2,
        help_text=_("How often the channel should post. A channel that cannot keep up is closed."),
    )
    proposed_responsibles = PeopleChoiceField(
        label=_("Responsible people"),
        queryset=User.objects.none(),
        help_text=_("At least one. Hold Ctrl (or Cmd) to choose several."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, Perm.REQUEST_CHANNEL).order_by("path")  # type: ignore[attr-defined]
        self.fields["audiences"].queryset = audiences_of(user)  # type: ignore[attr-defined]
        self.fields["proposed_responsibles"].queryset = people_of(user)  # type: ignore[attr-defined]
        if not self.is_bound and "proposed_responsibles" not in self.initial:
            self.initial["proposed_responsibles"] = [user.pk]

    def answers(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["audiences"] = list(data["audiences"])
        data["proposed_responsibles"] = list(data["proposed_responsibles"])
        return data


def initial_from(data: QueryDict) -> dict[str, Any]:
    """What the person typed, as initial values: shown again without error messages."""
    initial: dict[str, Any] = {}
    for name in ChannelRequestForm.base_fields:
        if name in MULTI_FIELDS:
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Shown to the requester and kept in the audit trail."),
    )
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.HiddenInput,
    )


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *ChannelRequest.Status.choices],
    )
