from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.tasks import check_tasks
from somevahti.core import clock
from somevahti.core.actions import (
    add_unit,
    grant_role,
    rename_unit,
    revoke_role,
    root_unit,
    update_organisation_settings,
)
from somevahti.core.dashboard import dashboard_context
from somevahti.core.errors import Conflict
from somevahti.core.forms import (
    GrantRoleForm,
    OrganisationSettingsForm,
    RenameUnitForm,
    UnitForm,
    add_form_errors,
)
from somevahti.core.models import Organisation, RoleAssignment, Unit, User
from somevahti.core.permissions import has_perm, organisation_of, require
from somevahti.core.queries import notifications_of, unit_tree, units_visible_to
from somevahti.core.roles import Perm


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {"database": "ok", "tasks": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        parts["database"] = "unavailable"
    try:
        check_tasks(settings.HUEY)
    except Exception:
        parts["tasks"] = "unavailable"
    ok = all(v == "ok" for v in parts.values())
    body = {"status": "ok" if ok else "unavailable", **parts}
    return JsonResponse(body, status=200 if ok else 503)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", dashboard_context(request.user))  # type: ignore[arg-type]


@login_required
def units(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_REGISTRY)  # type: ignore[arg-type]
    return render(request, "core/units.html", {"tree": unit_tree(request.user)})  # type: ignore[arg-type]


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = notifications_of(request.user)[:100]  # type: ignore[arg-type]
    return render(request, "core/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_of(request.user).filter(read_at__isnull=True).update(  # type: ignore[arg-type]
        read_at=clock.now()
    )
    return redirect("core:notifications")


def _unit_in_org(request: HttpRequest, pk: int) -> Unit:
    """A unit of the user's own organisation the user may see; anything else is 404."""
    return get_object_or_404(units_visible_to(request.user), pk=pk)  # type: ignore[arg-type]


def _apply(
    request: HttpRequest, form: forms.BaseForm, do: Callable[[], object], ok: str
) -> HttpResponse | None:
    """Run an action for a valid form; field errors go back onto the form, 409 to a message."""
    if not form.is_valid():
        return None
    try:
        do()
    except ValidationError as exc:
        add_form_errors(form, exc)
        return None
    except Conflict as exc:
        messages.error(request, str(exc))
        return None
    messages.success(request, ok)
    return redirect(request.path)


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    unit = _unit_in_org(request, pk)
    can_manage = has_perm(user, Perm.MANAGE_ORGANISATION, unit)
    forms_: dict[str, forms.BaseForm] = {
        "add": UnitForm(prefix="add"),
        "rename": RenameUnitForm(prefix="rename", initial={"name": unit.name}),
        "grant": GrantRoleForm(unit.organisation_id, prefix="grant"),
    }
    if request.method == "POST":
        require(user, Perm.MANAGE_ORGANISATION, unit)
        op = request.POST.get("op")
        response: HttpResponse | None = None
        if op == "add":
            f = forms_["add"] = UnitForm(request.POST, prefix="add")
            response = _apply(
                request,
                f,
                lambda: add_unit(user, unit, f.cleaned_data["name"], f.cleaned_data["kind"]),
                _("Unit added."),
            )
        elif op == "rename":
            fr = forms_["rename"] = RenameUnitForm(request.POST, prefix="rename")
            response = _apply(
                request,
                fr,
                lambda: rename_unit(user, unit, fr.cleaned_data["name"]),
                _("Unit renamed."),
            )
        elif op == "grant":
            fg = forms_["grant"] = GrantRoleForm(unit.organisation_id, request.POST, prefix="grant")
            response = _apply(
                request,
                fg,
                lambda: grant_role(user, fg.cleaned_data["user"], unit, fg.cleaned_data["role"]),
                _("Role granted."),
            )
        elif op == "revoke":
            assignment = get_object_or_404(
                RoleAssignment.objects.select_related("user"),
                pk=request.POST.get("assignment"),
                unit=unit,
            )
            response = _apply(
                request,
                forms.Form({}),
                lambda: revoke_role(user, assignment),
                _("Role removed."),
            )
        if response is not None:
            return response
    context = {
        "unit": unit,
        "ancestors": Unit.objects.filter(
            organisation_id=unit.organisation_id, path__in=unit.ancestor_paths()[:-1]
        ),
        "children": unit.children.order_by("path"),
        "assignments": unit.role_assignments.select_related("user").order_by(
            "role", "user__last_name"
        ),
        "inherited": RoleAssignment.objects.filter(
            unit__organisation_id=unit.organisation_id, unit__path__in=unit.ancestor_paths()[:-1]
        )
        .select_related("user", "unit")
        .order_by("unit__path", "role"),
        "channel_count": unit.channels.count(),
        "can_manage": can_manage,
        "forms": forms_,
    }
    return render(request, "core/unit_detail.html", context)


@login_required
def organisation_settings(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    org = organisation_of(user)
    require(user, Perm.MANAGE_ORGANISATION, root_unit(org))
    form = OrganisationSettingsForm(request.POST or None, instance=Organisation(pk=org.pk))
    if request.method == "POST":
        response = _apply(
            request,
            form,
            lambda: update_organisation_settings(user, org, form.cleaned_data),
            _("Settings saved."),
        )
        if response is not None:
            return response
    elif not form.is_bound:
        form = OrganisationSettingsForm(instance=org)
    return render(request, "core/settings.html", {"form": form, "organisation": org})
