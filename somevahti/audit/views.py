"""The audit log page: the organisation's events with filters, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from somevahti.audit.labels import target_label, verb_label
from somevahti.audit.models import AuditEvent
from somevahti.audit.queries import events_of_organisation
from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.permissions import org_id, require
from somevahti.core.roles import Perm

PAGE_SIZE = 50


class ActorField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else str(obj.username)


class MomentField(forms.CharField):
    """A date (a whole Helsinki day) or an exact ISO 8601 date-time."""

    def __init__(self, *, end: bool, **kwargs: Any) -> None:
        self.end = end
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        raw = str(super().clean(value) or "").strip()
        if not raw:
            return None
        moment: dt.datetime | None = None
        day: dt.date | None = None
        try:
            # A bare date is a whole day (parse_datetime would read it as midnight).
            day = parse_date(raw)
            moment = None if day else parse_datetime(raw)
        except ValueError:
            pass
        if moment is not None:
            return moment if timezone.is_aware(moment) else moment.replace(tzinfo=clock.HELSINKI)
        if day is None:
            raise forms.ValidationError(_("Enter a date, for example 2026-01-31."))
        if self.end:
            # An end date includes the whole day.
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=clock.HELSINKI)


class EventFilterForm(forms.Form):
    """Filters shared by the log page and the API."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Words in the object's name or the reason"),
    )
    # Free text with a select of the codes seen so far: an API filter for a code
    # that has not happened yet simply finds nothing.
    verb = forms.CharField(label=_("Action"), required=False, widget=forms.Select)
    actor = ActorField(
        label=_("Who"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    target_type = forms.CharField(label=_("Kind of object"), required=False, widget=forms.Select)
    target_id = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    since = MomentField(label=_("From"), required=False, end=False)
    until = MomentField(label=_("To"), required=False, end=True)

    def __init__(self, user: User, *args: Any, choices: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choices:
            # order_by() drops the default ordering so DISTINCT works on the code alone.
            events = AuditEvent.objects.filter(organisation_id=org_id(user)).order_by()
            verbs = set(events.values_list("verb", flat=True).distinct())
            types = set(events.values_list("target_type", flat=True).distinct())
            any_ = [("", _("All"))]
            self.fields["verb"].widget.choices = any_ + sorted(  # type: ignore[attr-defined]
                ((v, verb_label(v)) for v in verbs), key=lambda c: c[1].lower()
            )
            self.fields["target_type"].widget.choices = any_ + sorted(  # type: ignore[attr-defined]
                ((t, target_label(t)) for t in types), key=lambda c: c[1].lower()
            )
        self.fields["actor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organisation_id=org_id(user)
        ).order_by("last_name", "first_name", "username")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            self.add_error("until", _("The end must be after the start."))
        return data

    def apply(self, qs: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if not self.is_bound or not self.is_valid():
            return qs
        data = self.cleaned_data
        if data.get("q"):
            qs = qs.filter(Q(target_repr__icontains=data["q"]) | Q(reason__icontains=data["q"]))
        for name in ("verb", "target_type", "target_id"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("actor"):
            qs = qs.filter(actor=data["actor"])
        if data.get("since"):
            qs = qs.filter(created_at__gte=data["since"])
        if data.get("until"):
            qs = qs.filter(created_at__lt=data["until"])
        return qs


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require(user, Perm.VIEW_AUDIT)
    form = EventFilterForm(user, request.GET or None)
    events = form.apply(events_of_organisation(user)).order_by("-created_at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {"form": form, "page": page, "query": params.urlencode()}
    return render(request, "audit/log.html", context, status=status)
