"""Forms for the programme and rota pages. Saving goes through the programme actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from somevahti.content.models import ContentTag
from somevahti.content.models.programme import RotaEntry, WeeklySlot
from somevahti.content.programme import channels_for_slot
from somevahti.content.rules import POSTABLE_STATUSES
from somevahti.core.models import Unit, User
from somevahti.registry.models import Channel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TURN_PREFIX = "turn_"


class ChannelField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_platform_display()})"


class SlotForm(forms.Form):
    theme = forms.CharField(
        label=_("Theme"), max_length=200, help_text=_("E.g. “Wednesday: a face from our staff”.")
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=WeeklySlot.Weekday.choices, coerce=int
    )
    time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Finnish time."),
    )
    channels = ChannelField(
        label=_("Channels"), queryset=Channel.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    content_type = forms.ModelChoiceField(
        label=_("Content type"), queryset=ContentTag.objects.none(), required=False
    )
    holiday_policy = forms.ChoiceField(
        label=_("On a public holiday or closed eve"),
        choices=WeeklySlot.HolidayPolicy.choices,
        initial=WeeklySlot.HolidayPolicy.SKIP,
        widget=forms.RadioSelect,
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, unit: Unit, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = (  # type: ignore[attr-defined]
            Channel.objects.filter(channels_for_slot(unit), status__in=POSTABLE_STATUSES)
            .select_related("unit")
            .order_by("name", "id")
        )
        self.fields["content_type"].queryset = ContentTag.objects.filter(  # type: ignore[attr-defined]
            organisation_id=unit.organisation_id
        )


def slot_initial(slot: WeeklySlot) -> dict[str, Any]:
    return {
        "theme": slot.theme,
        "weekday": slot.weekday,
        "time": slot.time,
        "channels": [c.pk for c in slot.channels.all()],
        "content_type": slot.content_type_id,
        "holiday_policy": slot.holiday_policy,
        "active": slot.active,
    }


class SettingsForm(forms.Form):
    reminder_hours = forms.IntegerField(
        label=_("Remind this many hours before a slot"),
        min_value=1,
        max_value=168,
        help_text=_("The responsible person is reminded if the slot has no post by then."),
    )


class GenerateForm(forms.Form):
    prefix = "generate"  # the rota page has several date forms: keep their ids apart
    start = forms.DateField(label=_("First day"), widget=DATE)
    end = forms.DateField(label=_("Last day"), widget=DATE)


class EntryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        who = str(obj.responsible) if obj.responsible else _("nobody")
        return f"{date_format(obj.date, 'SHORT_DATE_FORMAT')} {obj.slot.theme} – {who}"


class SwapForm(forms.Form):
    prefix = "swap"
    entry = EntryChoice(label=_("Turn"), queryset=RotaEntry.objects.none())
    other = EntryChoice(label=_("Swap with"), queryset=RotaEntry.objects.none())

    def __init__(self, entries: QuerySet[RotaEntry], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries  # type: ignore[attr-defined]
        self.fields["other"].queryset = entries  # type: ignore[attr-defined]


class AbsenceForm(forms.Form):
    prefix = "absence"
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    start = forms.DateField(label=_("First day"), widget=DATE)
    end = forms.DateField(label=_("Last day"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=200,
        required=False,
        help_text=_("Shown to the people who plan the rota. No health details."),
    )

    def __init__(self, people: QuerySet[User], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people  # type: ignore[attr-defined]


def candidates(unit: Unit) -> QuerySet[User]:
    """People who may be in the unit's rotation: anyone with a role on the unit's line."""
    line = Q(role_assignments__unit__path__in=unit.ancestor_paths()) | Q(
        role_assignments__unit__path__startswith=unit.path
    )
    return (
        User.objects.filter(line, organisation_id=unit.organisation_id, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class MembersForm(forms.Form):
    """One number field per person: the order of turns; blank leaves the person out."""

    def __init__(
        self, people: list[User], current: dict[int, int], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = people
        for person in people:
            self.fields[f"{TURN_PREFIX}{person.pk}"] = forms.IntegerField(
                label=str(person),
                required=False,
                min_value=1,
                max_value=999,
                initial=current.get(person.pk),
                widget=forms.NumberInput(attrs={"aria-describedby": "members-help"}),
            )

    def ordered(self) -> list[User]:
        picked = [
            (self.cleaned_data[f"{TURN_PREFIX}{p.pk}"], n, p)
            for n, p in enumerate(self.people)
            if self.cleaned_data.get(f"{TURN_PREFIX}{p.pk}") is not None
        ]
        return [p for _turn, _n, p in sorted(picked, key=lambda t: (t[0], t[1]))]


def week_param(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
