"""Forms for the channel list filters, editing a channel, its records, and import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, units_for
from somevahti.core.queries import units_visible_to
from somevahti.core.roles import Perm
from somevahti.registry import importing
from somevahti.registry.actions.channels import MANUAL_TRANSITIONS
from somevahti.registry.models import Audience, Channel, ChannelStatus, Platform
from somevahti.registry.queries import audiences_of

# Sort key → ordering; "-key" reverses. Empty values sort last either way.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "platform": ("platform", "name"),
    "unit": ("unit__name", "name"),
    "status": ("status", "name"),
    "followers": ("followers", "name"),
    "last_activity": ("last_activity_at", "name"),
}
_NULLABLE = {"followers", "last_activity_at"}
DEFAULT_SORT = "name"


def ordering_for(sort: str) -> list[Any]:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    ordering: list[Any] = []
    for i, name in enumerate(SORTS.get(key, SORTS[DEFAULT_SORT])):
        # Only the chosen column is reversed; ties stay alphabetical by name.
        desc = descending and i == 0
        if name in _NULLABLE:
            expr = F(name)
            ordering.append(expr.desc(nulls_last=True) if desc else expr.asc(nulls_last=True))
        else:
            ordering.append(f"-{name}" if desc else name)
    return [*ordering, "id"]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # Indentation shows the tree in a plain select.
        return "\u00a0\u00a0" * int(obj.depth) + str(obj.name)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else str(obj.username)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else str(obj.username)


def people_of(user: User) -> QuerySet[User]:
    return User.objects.filter(organisation_id=org_id(user), is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class ChannelFilterForm(forms.Form):
    """The list's GET filters; also used by the CSV export and the API."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.SearchInput)
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("All units"),
        help_text=_("Includes the units below it."),
    )
    platform = forms.ChoiceField(
        label=_("Platform"), choices=_blank(Platform.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(ChannelStatus.choices), required=False
    )
    audience = forms.ModelChoiceField(
        label=_("Target group"),
        queryset=Audience.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    responsible = PersonChoiceField(
        label=_("Responsible person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Anyone"),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(k, k) for key in SORTS for k in (key, f"-{key}")],
        widget=forms.HiddenInput,
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user).order_by("path")  # type: ignore[attr-defined]
        self.fields["audience"].queryset = audiences_of(user)  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = people_of(user)  # type: ignore[attr-defined]

    def valid_data(self) -> dict[str, Any]:
        """The filters that are valid; an invalid one is shown with its error and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    @property
    def sort_key(self) -> str:
        return self.valid_data().get("sort") or DEFAULT_SORT

    def apply(self, qs: QuerySet[Channel]) -> QuerySet[Channel]:
        """Filter and sort ``qs`` (already scoped to the user) by the valid filters."""
        data = self.valid_data()
        if q := (data.get("q") or "").strip():
            qs = qs.filter(Q(name__icontains=q) | Q(handle__icontains=q) | Q(url__icontains=q))
        if unit := data.get("unit"):
            qs = qs.filter(
                unit__organisation_id=unit.organisation_id, unit__path__startswith=unit.path
            )
        if platform := data.get("platform"):
            qs = qs.filter(platform=platform)
        if status := data.get("status"):
            qs = qs.filter(status=status)
        if audience := data.get("audience"):
            qs = qs.filter(audiences=audience)
        if person := data.get("responsible"):
            qs = qs.filter(responsibles=person)
        return qs.order_by(*ordering_for(self.sort_key))


class ChannelForm(forms.ModelForm):
    """Editing a channel. Saving goes through actions.channels.update_channel."""

    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    url = forms.URLField(label=_("Address"), required=False, assume_scheme="https")
    responsibles = PeopleChoiceField(
        label=_("Responsible people"),
        queryset=User.objects.none(),
        help_text=_("At least one. Hold Ctrl (or Cmd) to choose several."),
    )

    class Meta:
        model = Channel
        fields = [
            "name",
            "platform",
            "handle",
            "url",
            "unit",
            "responsibles",
            "audiences",
            "purpose",
            "target_per_week",
            "status",
            "opened_on",
            "closed_on",
        ]
        widgets = {
            "opened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "audiences": forms.CheckboxSelectMultiple,
            "purpose": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, Perm.EDIT_CHANNEL).order_by("path")  # type: ignore[attr-defined]
        self.fields["responsibles"].queryset = people_of(user)  # type: ignore[attr-defined]
        self.fields["audiences"].queryset = audiences_of(user)  # type: ignore[attr-defined]
        current = self.instance.status
        allowed = {current, *MANUAL_TRANSITIONS.get(current, frozenset())}
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (code, label) for code, label in ChannelStatus.choices if code in allowed
        ]
        self.fields["status"].help_text = _(
            "Opening, dormancy and closing move through their own steps, not by editing."
        )

    def _post_clean(self) -> None:
        # The model is validated by update_channel against the stored row, not here.
        pass

    def changed_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class FollowerForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    count = forms.IntegerField(label=_("Followers"), min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": clock.today()})
        kwargs.setdefault("prefix", "followers")
        super().__init__(*args, **kwargs)


class ActivityForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("Time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=300,
        help_text=_("For example: a post made in the platform's own app."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "activity")
        super().__init__(*args, **kwargs)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Channel list (CSV or XLSX)"),
        help_text=_("At most 5 MB and 5,000 rows. The first row holds the column names."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large. The limit is %(mb)s MB."),
                params={"mb": importing.MAX_BYTES // 1024 // 1024},
            )
        return upload
