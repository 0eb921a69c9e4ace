"""Four-eyes review per unit: who may change it, the change itself and its page.

A unit without its own setting follows its nearest ancestor (see rules.four_eyes); the
page shows the effective value and where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from somevahti.audit.actions import record
from somevahti.content.models import UnitPublishingSettings
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, require
from somevahti.core.queries import units_visible_to
from somevahti.core.roles import Perm


def can_set_four_eyes(user: User, unit: Unit) -> bool:
    # Editing channels is not enough: the rule binds the whole unit, so the director
    # (or the organisation admin) decides it.
    return has_perm(user, Perm.DECIDE_CHANNEL_REQUEST, unit)


def set_four_eyes(actor: User, unit: Unit, on: bool) -> UnitPublishingSettings:
    """Give ``unit`` its own four-eyes setting; units below it without their own follow it."""
    require(actor, Perm.DECIDE_CHANNEL_REQUEST, unit)  # see can_set_four_eyes
    with transaction.atomic():
        row, _created = UnitPublishingSettings.objects.select_for_update().update_or_create(
            unit=unit, defaults={"four_eyes": on}
        )
        record(actor, "unit.four_eyes_set", unit, data={"four_eyes": on})
    return row


@dataclass(frozen=True)
class Effective:
    four_eyes: bool
    source: Unit | None  # the unit whose setting applies; None = the default (on)


def effective(unit: Unit) -> Effective:
    """The same nearest-ancestor rule as rules.four_eyes, plus where the value comes from."""
    row = (
        UnitPublishingSettings.objects.filter(
            unit__organisation_id=unit.organisation_id, unit__path__in=unit.ancestor_paths()
        )
        .select_related("unit")
        .order_by("-unit__depth")
        .first()
    )
    return Effective(True, None) if row is None else Effective(row.four_eyes, row.unit)


class FourEyesForm(forms.Form):
    four_eyes = forms.TypedChoiceField(
        label=gettext_lazy("A second person must approve posts"),
        choices=[("on", gettext_lazy("On")), ("off", gettext_lazy("Off"))],
        coerce=lambda v: v == "on",
        widget=forms.RadioSelect,
    )


@login_required
def unit_publishing(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    unit = get_object_or_404(units_visible_to(user), pk=pk)  # another organisation → 404
    current = effective(unit)
    form = FourEyesForm(initial={"four_eyes": "on" if current.four_eyes else "off"})
    if request.method == "POST":
        require(user, Perm.DECIDE_CHANNEL_REQUEST, unit)  # 403 before anything is read
        form = FourEyesForm(request.POST)
        if form.is_valid():
            set_four_eyes(user, unit, form.cleaned_data["four_eyes"])
            messages.success(request, _("Publishing setting saved."))
            return redirect("content:unit_publishing", pk=unit.pk)
    ancestors = Unit.objects.filter(
        organisation_id=unit.organisation_id, path__in=unit.ancestor_paths()[:-1]
    ).order_by("depth")
    context = {
        "unit": unit,
        "ancestors": ancestors,
        "current": current,
        "own": current.source is not None and current.source.pk == unit.pk,
        "can_change": can_set_four_eyes(user, unit),
        "form": form,
    }
    return render(
        request, "content/unit_publishing.html", context, status=400 if form.is_bound else 200
    )


urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/publishing/", unit_publishing, name="unit_publishing"),
]
