"""Pages: the weekly programme per unit (slots with edit forms), the rota (weeks × slots with
swap, absence, rotation and generate forms) and this week's empty slots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from somevahti.content.models.programme import (
    DEFAULT_REMINDER_HOURS,
    ProgrammeSettings,
    RotaMember,
    WeeklySlot,
)
from somevahti.content.programme import (
    can_edit_programme,
    empty_slots,
    entries_visible_to,
    monday_of,
    rota_grid,
    slot_rows,
    slots_visible_to,
)
from somevahti.content.programme_actions import (
    generate_rota,
    record_absence,
    set_rota_members,
    swap_entries,
)
from somevahti.content.programme_forms import (
    AbsenceForm,
    GenerateForm,
    MembersForm,
    SettingsForm,
    SlotForm,
    SwapForm,
    candidates,
    slot_initial,
    week_param,
)
from somevahti.content.programme_slots import create_slot, set_reminder_hours, update_slot
from somevahti.core import clock
from somevahti.core.forms import add_form_errors
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, require, units_for, user_of
from somevahti.core.roles import Perm

ROTA_WEEKS = 8


def _unit(user: User, unit_id: int) -> Unit:
    """The unit in the user's organisation (another organisation's is 404), in their reach."""
    unit = get_object_or_404(Unit, pk=unit_id, organisation_id=org_id(user))
    require(user, Perm.VIEW_REGISTRY, unit)
    return unit


@login_required
@require_GET
def programme_index(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    units = (
        units_for(user, Perm.VIEW_REGISTRY)
        .annotate(slot_count=Count("weekly_slots", filter=Q(weekly_slots__active=True)))
        .order_by("path")
    )
    editable = {u.pk for u in units_for(user, Perm.EDIT_CHANNEL)}
    rows = [u for u in units if u.slot_count or u.pk in editable]
    return render(request, "content/programme/index.html", {"units": rows, "editable": editable})


def _unit_page(
    request: HttpRequest,
    unit: Unit,
    slot_form: SlotForm | None = None,
    settings_form: SettingsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    editor = can_edit_programme(user, unit)
    hours = (
        ProgrammeSettings.objects.filter(unit=unit).values_list("reminder_hours", flat=True).first()
        or DEFAULT_REMINDER_HOURS
    )
    context = {
        "unit": unit,
        "slots": slot_rows(WeeklySlot.objects.filter(unit=unit)),
        "editor": editor,
        "reminder_hours": hours,
        "slot_form": slot_form or (SlotForm(unit) if editor else None),
        "settings_form": settings_form
        or (SettingsForm(initial={"reminder_hours": hours}) if editor else None),
    }
    return render(request, "content/programme/unit.html", context, status=status)


@login_required
def programme_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = user_of(request)
    unit = _unit(user, unit_id)
    if request.method != "POST":
        return _unit_page(request, unit)
    require(user, Perm.EDIT_CHANNEL, unit)
    if request.POST.get("form") == "settings":
        settings_form = SettingsForm(request.POST)
        if settings_form.is_valid():
            try:
                set_reminder_hours(user, unit, settings_form.cleaned_data["reminder_hours"])
            except ValidationError as exc:
                add_form_errors(settings_form, exc)
            else:
                messages.success(request, _("The reminder time was saved."))
                return redirect("content:programme_unit", unit_id=unit.pk)
        return _unit_page(request, unit, settings_form=settings_form, status=400)
    form = SlotForm(unit, request.POST)
    if form.is_valid():
        try:
            create_slot(user, unit, form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The slot was added to the programme."))
            return redirect("content:programme_unit", unit_id=unit.pk)
    return _unit_page(request, unit, slot_form=form, status=400)


@login_required
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    slot = get_object_or_404(slot_rows(slots_visible_to(user)), pk=pk)
    require(user, Perm.EDIT_CHANNEL, slot.unit)
    if request.method == "POST":
        form = SlotForm(slot.unit, request.POST)
        if form.is_valid():
            try:
                update_slot(user, slot, form.cleaned_data)
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("The slot was saved."))
                return redirect("content:programme_unit", unit_id=slot.unit_id)
        status = 400
    else:
        form, status = SlotForm(slot.unit, initial=slot_initial(slot)), 200
    return render(
        request, "content/programme/slot_edit.html", {"slot": slot, "form": form}, status=status
    )


def _rota_entries(user: User, unit: Unit) -> Any:
    today = clock.today()
    return (
        entries_visible_to(user)
        .filter(slot__unit=unit, date__gte=today, date__lt=today + dt.timedelta(weeks=12))
        .select_related("slot", "responsible")
        .order_by("date", "slot__time")
    )


def _absence_people(user: User, unit: Unit, editor: bool) -> Any:
    if editor:
        return candidates(unit)
    return User.objects.filter(pk=user.pk)


def _rota_page(
    request: HttpRequest, unit: Unit, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    editor = can_edit_programme(user, unit)
    start = monday_of(week_param(request.GET.get("from"), clock.today()))
    slots = list(slot_rows(WeeklySlot.objects.filter(unit=unit, active=True)))
    members = list(RotaMember.objects.filter(unit=unit).select_related("user").order_by("order"))
    current = {m.user_id: m.order for m in members}
    today = clock.today()
    context: dict[str, Any] = {
        "unit": unit,
        "editor": editor,
        "slots": slots,
        "weeks": rota_grid(slots, start, ROTA_WEEKS),
        "members": members,
        "previous": start - dt.timedelta(weeks=ROTA_WEEKS),
        "next": start + dt.timedelta(weeks=ROTA_WEEKS),
        "this_week": monday_of(today),
        "swap_form": SwapForm(_rota_entries(user, unit)),
        "absence_form": AbsenceForm(_absence_people(user, unit, editor), initial={"user": user.pk}),
    }
    if editor:
        context["generate_form"] = GenerateForm(
            initial={"start": today, "end": today + dt.timedelta(weeks=12)}
        )
        context["members_form"] = MembersForm(list(candidates(unit)), current)
    context.update(forms or {})
    return render(request, "content/programme/rota.html", context, status=status)


@login_required
@require_GET
def rota(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _rota_page(request, _unit(user_of(request), unit_id))


def _rota_do(user: User, unit: Unit, verb: str, data: Any) -> tuple[str, Any, str]:
    """(form name, form, success message); an empty message means the form was invalid."""
    editor = can_edit_programme(user, unit)
    if verb == "swap":
        form: Any = SwapForm(_rota_entries(user, unit), data)
        if form.is_valid():
            swap_entries(user, form.cleaned_data["entry"], form.cleaned_data["other"])
            return "swap_form", form, _("The turns were swapped; both people were told.")
        return "swap_form", form, ""
    if verb == "absence":
        form = AbsenceForm(_absence_people(user, unit, editor), data)
        if form.is_valid():
            d = form.cleaned_data
            record_absence(user, d["user"], d["start"], d["end"], d["reason"])
            return "absence_form", form, _("The absence was recorded.")
        return "absence_form", form, ""
    require(user, Perm.EDIT_CHANNEL, unit)
    if verb == "generate":
        form = GenerateForm(data)
        if form.is_valid():
            n = generate_rota(user, unit, form.cleaned_data["start"], form.cleaned_data["end"])
            return "generate_form", form, _("The rota was made: %(n)s turns.") % {"n": n}
        return "generate_form", form, ""
    if verb == "members":
        current = dict(RotaMember.objects.filter(unit=unit).values_list("user_id", "order"))
        form = MembersForm(list(candidates(unit)), current, data)
        if form.is_valid():
            set_rota_members(user, unit, form.ordered())
            return "members_form", form, _("The rotation was saved.")
        return "members_form", form, ""
    raise PermissionDenied


@login_required
@require_POST
def rota_act(request: HttpRequest, unit_id: int, verb: str) -> HttpResponse:
    user = user_of(request)
    unit = _unit(user, unit_id)
    if verb not in ("swap", "absence", "generate", "members"):
        raise Http404
    try:
        name, form, done = _rota_do(user, unit, verb, request.POST)
    except ValidationError as exc:
        name, form, done = _rota_do_form(user, unit, verb, request.POST)
        add_form_errors(form, exc)
    if not done:
        return _rota_page(request, unit, {name: form}, status=400)
    messages.success(request, done)
    return redirect("content:rota", unit_id=unit.pk)


def _rota_do_form(user: User, unit: Unit, verb: str, data: Any) -> tuple[str, Any, str]:
    """The bound, validated form of ``verb`` for showing an action's errors."""
    editor = can_edit_programme(user, unit)
    forms: dict[str, tuple[str, Any]] = {
        "swap": ("swap_form", lambda: SwapForm(_rota_entries(user, unit), data)),
        "absence": ("absence_form", lambda: AbsenceForm(_absence_people(user, unit, editor), data)),
        "generate": ("generate_form", lambda: GenerateForm(data)),
        "members": (
            "members_form",
            lambda: MembersForm(
                list(candidates(unit)),
                dict(RotaMember.objects.filter(unit=unit).values_list("user_id", "order")),
                data,
            ),
        ),
    }
    name, build = forms[verb]
    form = build()
    form.is_valid()
    return name, form, ""


@login_required
@require_GET
def empty_slots_view(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    unit = None
    if (unit_id := request.GET.get("unit", "")).isdigit():
        unit = _unit(user, int(unit_id))
    week = monday_of(week_param(request.GET.get("week"), clock.today()))
    found = empty_slots(user, unit, week)
    context = {
        "unit": unit,
        "units": units_for(user, Perm.VIEW_REGISTRY).order_by("path"),
        "week": week,
        "week_end": week + dt.timedelta(days=6),
        "previous": week - dt.timedelta(weeks=1),
        "next": week + dt.timedelta(weeks=1),
        "occurrences": found,
        "mine": [o for o in found if o.entry and o.entry.responsible_id == user.pk],
    }
    return render(request, "content/programme/empty.html", context)


urlpatterns: list[URLPattern] = [
    path("programme/", programme_index, name="programme"),
    path("programme/empty/", empty_slots_view, name="empty_slots"),
    path("programme/units/<int:unit_id>/", programme_unit, name="programme_unit"),
    path("programme/slots/<int:pk>/", slot_edit, name="slot_edit"),
    path("programme/units/<int:unit_id>/rota/", rota, name="rota"),
    path("programme/units/<int:unit_id>/rota/<slug:verb>/", rota_act, name="rota_act"),
]
