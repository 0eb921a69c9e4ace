"""The target-group matrix: audiences × platforms, editing, and platform suggestions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from somevahti.core.forms import add_form_errors
from somevahti.core.permissions import require, user_of
from somevahti.core.roles import Perm
from somevahti.registry.actions.matrix import can_edit_matrix, create_audience, set_matrix_cell
from somevahti.registry.forms.matrix import AudienceForm, MatrixCellForm, SuggestForm
from somevahti.registry.models import MatrixCell, Platform
from somevahti.registry.queries import audiences_of, suggest_platforms

# The matrix columns: every named platform ("other" has no shared purpose).
PLATFORMS = [p for p in Platform if p != Platform.OTHER]


@login_required
@require_GET
def matrix(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    audiences = list(audiences_of(user).prefetch_related("cells"))
    rows = []
    for audience in audiences:
        cells = {c.platform: c for c in audience.cells.all()}
        rows.append({"audience": audience, "cells": [(p, cells.get(p)) for p in PLATFORMS]})
    context = {"platforms": PLATFORMS, "rows": rows, "can_edit": can_edit_matrix(user)}
    return render(request, "registry/matrix/matrix.html", context)


def _cell_context(audience: Any, platform: Platform, cell: MatrixCell | None) -> dict[str, Any]:
    return {"audience": audience, "platform": platform, "cell": cell, "can_edit": True}


@login_required
def matrix_edit(request: HttpRequest, audience_pk: int, platform: str) -> HttpResponse:
    user = user_of(request)
    audience = get_object_or_404(audiences_of(user), pk=audience_pk)
    if platform not in Platform.values or platform == Platform.OTHER:
        raise Http404
    if not can_edit_matrix(user):
        raise PermissionDenied
    chosen = Platform(platform)
    cell = audience.cells.filter(platform=platform).first()
    form = MatrixCellForm(
        request.POST or None,
        initial={"purpose": cell.purpose if cell else ""},
        # Unique ids when several cells are edited inline on one page.
        prefix=f"cell-{audience.pk}-{platform}",
    )
    inline = bool(getattr(request, "htmx", False))
    if request.method == "POST" and form.is_valid():
        try:
            cell = set_matrix_cell(user, audience, platform, form.cleaned_data["purpose"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            if inline:
                return render(
                    request, "registry/matrix/_cell.html", _cell_context(audience, chosen, cell)
                )
            messages.success(request, _("The target-group matrix was saved."))
            return redirect(reverse("registry:matrix") + f"#audience-{audience.pk}")
    context = {"audience": audience, "platform": chosen, "form": form, "cell": cell}
    template = "registry/matrix/_cell_form.html" if inline else "registry/matrix/edit.html"
    return render(request, template, context)


@login_required
def audience_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not can_edit_matrix(user):
        raise PermissionDenied
    form = AudienceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            audience = create_audience(
                user, form.cleaned_data["name"], form.cleaned_data["description"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The target group was added."))
            return redirect(reverse("registry:matrix") + f"#audience-{audience.pk}")
    return render(request, "registry/matrix/audience_new.html", {"form": form})


@login_required
@require_GET
def matrix_suggest(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = SuggestForm(user, request.GET or None)
    suggestions = None
    chosen: list[Any] = []
    if form.is_bound and form.is_valid():
        chosen = list(form.cleaned_data["audiences"])
        suggestions = [
            {"code": code, "label": label, "reasons": reasons, "covers": len(reasons)}
            for code, label, reasons in suggest_platforms(user, chosen)
        ]
    context = {"form": form, "suggestions": suggestions, "chosen": chosen}
    return render(request, "registry/matrix/suggest.html", context)


urlpatterns: list[URLPattern] = [
    path("matrix/", matrix, name="matrix"),
    path("matrix/suggest/", matrix_suggest, name="matrix_suggest"),
    path("matrix/audiences/new/", audience_new, name="audience_new"),
    path("matrix/<int:audience_pk>/<str:platform>/", matrix_edit, name="matrix_edit"),
]
