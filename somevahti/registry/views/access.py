"""IT's pages: tasks, recording and revoking access, the access register; deactivating people."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from somevahti.core.actions import root_unit
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import organisation_of, require, scoped, user_of
from somevahti.core.roles import Perm
from somevahti.registry.actions.access import (
    complete_access_task,
    deactivate_member,
    record_access_grant,
    revoke_access_grant,
)
from somevahti.registry.forms.access import (
    DeactivateForm,
    GrantForm,
    RegisterFilterForm,
    RevokeForm,
    org_people,
)
from somevahti.registry.models import AccessGrant, AccessTask, Channel
from somevahti.registry.queries import access_tasks_for

PAGE_SIZE = 50


def _open_first(qs: QuerySet[AccessTask]) -> QuerySet[AccessTask]:
    rank = Case(When(status=AccessTask.Status.OPEN, then=Value(0)), default=Value(1))
    return qs.annotate(open_rank=rank).order_by("open_rank", "-opened_at", "-id")


def _task_rows(qs: QuerySet[AccessTask]) -> QuerySet[AccessTask]:
    return qs.select_related("channel", "channel__unit", "subject", "done_by")


def _grants_in_reach(user: User) -> QuerySet[AccessGrant]:
    return scoped(AccessGrant.objects.all(), user, Perm.MANAGE_ACCESS, "channel__unit")


def _conflict(request: HttpRequest, message: str, back: str) -> HttpResponse:
    context = {"message": message, "back": back}
    return render(request, "registry/access/conflict.html", context, status=409)


@login_required
@require_GET
def access_tasks(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.MANAGE_ACCESS)
    status = request.GET.get("status", "")
    qs = access_tasks_for(user)
    if status in AccessTask.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(_open_first(_task_rows(qs)), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": AccessTask.Status.choices,
        "query": f"status={status}" if status else "",
    }
    return render(request, "registry/access/tasks.html", context)


def _task_of(user: User, pk: int) -> AccessTask:
    require(user, Perm.MANAGE_ACCESS)
    return get_object_or_404(_task_rows(access_tasks_for(user)), pk=pk)


def _render_task(
    request: HttpRequest,
    task: AccessTask,
    grant_form: GrantForm | None = None,
    error: str = "",
) -> HttpResponse:
    user = user_of(request)
    grants = list(
        AccessGrant.objects.filter(channel_id=task.channel_id)
        .select_related("holder", "recorded_by")
        .order_by("revoked_on", "-granted_on", "pk")
    )
    current = [g for g in grants if g.revoked_on is None]
    to_revoke = [g for g in current if task.subject_id and g.holder_id == task.subject_id]
    context: dict[str, Any] = {
        "task": task,
        "channel": task.channel,
        "current": current,
        "past": [g for g in grants if g.revoked_on is not None],
        "to_revoke": to_revoke,
        "own_access": any(g.holder_id == user.pk for g in current),
        "grant_form": grant_form or GrantForm(user),
        "error": error,
    }
    return render(request, "registry/access/task.html", context)


@login_required
@require_GET
def access_task(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_task(request, _task_of(user_of(request), pk))


@login_required
@require_POST
def access_task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    task = _task_of(user, pk)
    back = reverse("registry:access_task", args=[task.pk])
    try:
        complete_access_task(user, task)
    except Conflict as exc:
        return _conflict(request, str(exc), back)
    except ValidationError as exc:
        return _render_task(request, task, error=" ".join(exc.messages))
    messages.success(request, _("The task is done."))
    return redirect("registry:access_tasks")


def _channel_in_reach(user: User, pk: int) -> Channel:
    require(user, Perm.MANAGE_ACCESS)
    qs = scoped(Channel.objects.select_related("unit"), user, Perm.MANAGE_ACCESS)
    return get_object_or_404(qs, pk=pk)


def _back_to(request: HttpRequest, user: User, fallback: str) -> str:
    """Return to the task the form was opened from, if it is one of the user's."""
    raw = request.POST.get("task") or request.GET.get("task") or ""
    if raw.isdigit() and access_tasks_for(user).filter(pk=int(raw)).exists():
        return reverse("registry:access_task", args=[int(raw)])
    return fallback


@login_required
def access_grant_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    channel = _channel_in_reach(user, pk)
    back = _back_to(request, user, reverse("registry:access_register") + f"?channel={channel.pk}")
    form = GrantForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_access_grant(
                user, channel, data["holder"], data["kind"], data["method"], data["granted_on"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The access was recorded."))
            return redirect(back)
    context = {"channel": channel, "form": form, "back": back, "task": request.GET.get("task")}
    return render(request, "registry/access/grant_form.html", context)


@login_required
def access_grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.MANAGE_ACCESS)
    grant = get_object_or_404(_grants_in_reach(user).select_related("channel", "holder"), pk=pk)
    back = _back_to(request, user, reverse("registry:access_register"))
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_access_grant(
                user, grant, form.cleaned_data["revoked_on"], form.cleaned_data["reason"]
            )
        except Conflict as exc:
            return _conflict(request, str(exc), back)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The access was revoked."))
            return redirect(back)
    context = {"grant": grant, "form": form, "back": back, "task": request.GET.get("task")}
    return render(request, "registry/access/revoke_form.html", context)


@login_required
@require_GET
def access_register(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.MANAGE_ACCESS)
    grants = _grants_in_reach(user)
    form = RegisterFilterForm(grants, request.GET or None)
    rows = form.apply(grants).select_related("channel", "channel__unit", "holder", "recorded_by")
    rows = rows.order_by("channel__name", "channel_id", "revoked_on", "-granted_on", "pk")
    page = Paginator(rows, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    to_revoke = _task_rows(
        access_tasks_for(user).filter(
            kind=AccessTask.Kind.REVOKE, status=AccessTask.Status.OPEN, subject__is_active=False
        )
    ).order_by("subject__username", "channel__name")
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "to_revoke": to_revoke, "query": params.urlencode()}
    return render(request, "registry/access/register.html", context)


@login_required
def deactivate_user(request: HttpRequest) -> HttpResponse:
    """The organisation admin deactivates a person and sees which access IT must revoke."""
    admin = user_of(request)
    require(admin, Perm.MANAGE_USERS, root_unit(organisation_of(admin)))
    form = DeactivateForm(admin, request.POST or None)
    conflict = ""
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["user"]
        try:
            deactivate_member(admin, person, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        except Conflict as exc:
            conflict = str(exc)
        else:
            messages.success(
                request,
                _("%(who)s was deactivated. IT has been asked to revoke their access.")
                % {"who": person},
            )
            return redirect(reverse("registry:deactivate_user") + f"?user={person.pk}")
    # Which person the page is about: the one chosen in the form, or the one just deactivated.
    raw = request.POST.get("user") or request.GET.get("user") or ""
    person = org_people(admin).filter(pk=int(raw)).first() if raw.isdigit() else None
    grants: list[AccessGrant] = []
    tasks: list[AccessTask] = []
    if person is not None:
        grants = list(
            AccessGrant.objects.filter(holder=person, revoked_on__isnull=True)
            .select_related("channel", "channel__unit")
            .order_by("channel__name")
        )
        tasks = list(
            AccessTask.objects.filter(
                subject=person, kind=AccessTask.Kind.REVOKE, status=AccessTask.Status.OPEN
            ).select_related("channel")
        )
        if request.method == "GET" and person.is_active and not form.is_bound:
            form = DeactivateForm(admin, initial={"user": person.pk})
    context = {
        "form": form,
        "person": person,
        "grants": grants,
        "tasks": tasks,
        "conflict": conflict,
    }
    return render(
        request, "registry/access/deactivate.html", context, status=409 if conflict else 200
    )


urlpatterns: list[URLPattern] = [
    path("it/", access_tasks, name="access_tasks"),
    path("it/tasks/<int:pk>/", access_task, name="access_task"),
    path("it/tasks/<int:pk>/complete/", access_task_complete, name="access_task_complete"),
    path("it/access/", access_register, name="access_register"),
    path("it/channels/<int:pk>/grants/new/", access_grant_new, name="access_grant_new"),
    path("it/grants/<int:pk>/revoke/", access_grant_revoke, name="access_grant_revoke"),
    path("users/deactivate/", deactivate_user, name="deactivate_user"),
]
