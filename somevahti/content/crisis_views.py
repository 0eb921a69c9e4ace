"""Pages for crisis mode: switch on and off, handle paused posts, approve, delegate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.content import actions, crisis
from somevahti.content.forms import ScheduleForm
from somevahti.content.models import CrisisMode, Post
from somevahti.content.queries import posts_visible_to
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, user_of
from somevahti.registry.forms.channels import PersonChoiceField, UnitChoiceField

S = Post.State


class StartForm(forms.Form):
    unit = UnitChoiceField(
        label=gettext_lazy("Scope"),
        queryset=Unit.objects.none(),
        help_text=gettext_lazy("The whole organisation or a unit with everything below it."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to everyone in the banner."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "start-%s")
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = crisis.switchable_units(user)  # type: ignore[attr-defined]


class DelegateForm(forms.Form):
    user = PersonChoiceField(label=gettext_lazy("Person"), queryset=User.objects.none())
    unit = UnitChoiceField(label=gettext_lazy("Scope"), queryset=Unit.objects.none())

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "delegate-%s")
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            organisation_id=org_id(user), is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["unit"].queryset = crisis.switchable_units(user, own_only=True)  # type: ignore[attr-defined]


def _list_page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = user_of(request)
    all_crises = crisis.crises_visible_to(user).order_by("-started_at", "-id")
    owner = crisis.switchable_units(user, own_only=True).exists()
    context = {
        "active": [c for c in all_crises if c.ended_at is None],
        "past": [c for c in all_crises[:30] if c.ended_at is not None],
        "start_form": StartForm(user),
        "can_start": crisis.switchable_units(user).exists(),
        "waiting": crisis.waiting_for_approval(user),
        "is_owner": owner,
        "delegations": crisis.delegations_of(user).order_by("-created_at")[:100] if owner else [],
        "delegate_form": DelegateForm(user) if owner else None,
        **extra,
    }
    return render(request, "content/crisis/list.html", context, status=status)


@login_required
@require_GET
def crisis_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _crisis(user: User, pk: int) -> CrisisMode:
    return get_object_or_404(crisis.crises_visible_to(user), pk=pk)


@login_required
@require_POST
def crisis_start(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = StartForm(user, request.POST)
    if form.is_valid():
        try:
            item = crisis.start(user, form.cleaned_data["unit"], form.cleaned_data["reason"])
        except Conflict as exc:
            return _list_page(request, 409, conflict=str(exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Crisis mode is on."))
            return redirect("content:crisis_detail", pk=item.pk)
    elif "unit" in form.errors and not crisis.switchable_units(user).exists():
        raise PermissionDenied
    return _list_page(request, 400, start_form=form)


def _detail(
    request: HttpRequest, item: CrisisMode, status: int = 200, **extra: Any
) -> HttpResponse:
    user = user_of(request)
    allowed = crisis.can_switch(user, item.unit)
    pauses = list(crisis.pauses_of(item)) if allowed else []
    rows = [{"pause": p, "open": crisis.pause_is_open(p)} for p in pauses]
    context = {
        "crisis": item,
        "can_switch": allowed,
        "rows": rows,
        "open_count": sum(1 for r in rows if r["open"]),
        "schedule_form": ScheduleForm(),
        "history": events_for(user, item)[:50] if allowed else [],
        **extra,
    }
    return render(request, "content/crisis/detail.html", context, status=status)


@login_required
@require_GET
def crisis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _crisis(user_of(request), pk))


@login_required
@require_POST
def crisis_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    item = _crisis(user, pk)
    try:
        crisis.end(user, item)
    except Conflict as exc:
        return _detail(request, _crisis(user, pk), 409, conflict=str(exc))
    messages.success(request, _("Crisis mode is off. Decide what happens to the paused posts."))
    return redirect("content:crisis_detail", pk=item.pk)


def _time(request: HttpRequest) -> tuple[Any, ScheduleForm]:
    form = ScheduleForm(request.POST)
    if request.POST.get("scheduled_at") and form.is_valid():
        return form.cleaned_data["scheduled_at"], form
    return None, form


@login_required
@require_POST
def pause_act(request: HttpRequest, pk: int, pause: int, verb: str) -> HttpResponse:
    user = user_of(request)
    item = _crisis(user, pk)
    row = get_object_or_404(item.pauses.all(), pk=pause)
    at, form = _time(request)
    try:
        crisis.resolve(user, row, verb, at)
    except Conflict as exc:
        return _detail(request, item, 409, conflict=str(exc))
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _detail(request, item, 400, schedule_form=form, failed_pause=row.pk)
    messages.success(request, _("Done."))
    return redirect("content:crisis_detail", pk=item.pk)


@login_required
@require_POST
def pauses_all(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = user_of(request)
    item = _crisis(user, pk)
    at, form = _time(request)
    try:
        result = crisis.resolve_all(user, item, verb, at)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _detail(request, item, 400, schedule_form=form)
    if result["left"]:
        messages.warning(
            request,
            _("%(done)s post(s) handled; %(left)s need a decision one by one.")
            % {"done": len(result["done"]), "left": len(result["left"])},
        )
    else:
        messages.success(request, _("%(done)s post(s) handled.") % {"done": len(result["done"])})
    return redirect("content:crisis_detail", pk=item.pk)


@login_required
@require_POST
def crisis_approve(request: HttpRequest, post: int) -> HttpResponse:
    user = user_of(request)
    target = get_object_or_404(posts_visible_to(user).select_related("unit"), pk=post)
    try:
        if target.state == S.IN_REVIEW:
            actions.approve(user, target)
        else:
            crisis.crisis_approve(user, target)
    except Conflict as exc:
        return _list_page(request, 409, conflict=str(exc))
    messages.success(request, _("The post was approved."))
    return redirect("content:crisis_list")


@login_required
@require_POST
def delegate_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = DelegateForm(user, request.POST)
    if form.is_valid():
        try:
            crisis.add_delegate(user, form.cleaned_data["user"], form.cleaned_data["unit"])
        except Conflict as exc:
            return _list_page(request, 409, conflict=str(exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The delegation was added."))
            return redirect("content:crisis_list")
    elif not crisis.switchable_units(user, own_only=True).exists():
        raise PermissionDenied
    return _list_page(request, 400, delegate_form=form)


@login_required
@require_POST
def delegate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    item = get_object_or_404(crisis.delegations_of(user), pk=pk)
    try:
        crisis.revoke_delegate(user, item)
    except Conflict as exc:
        return _list_page(request, 409, conflict=str(exc))
    messages.success(request, _("The delegation was revoked."))
    return redirect("content:crisis_list")


urlpatterns: list[URLPattern] = [
    path("crisis/", crisis_list, name="crisis_list"),
    path("crisis/start/", crisis_start, name="crisis_start"),
    path("crisis/<int:pk>/", crisis_detail, name="crisis_detail"),
    path("crisis/<int:pk>/end/", crisis_end, name="crisis_end"),
    path("crisis/<int:pk>/paused/<int:pause>/<slug:verb>/", pause_act, name="crisis_pause"),
    path("crisis/<int:pk>/paused/all/<slug:verb>/", pauses_all, name="crisis_pauses_all"),
    path("crisis/approve/<int:post>/", crisis_approve, name="crisis_approve"),
    path("crisis/delegates/", delegate_add, name="crisis_delegate_add"),
    path("crisis/delegates/<int:pk>/revoke/", delegate_revoke, name="crisis_delegate_revoke"),
]
