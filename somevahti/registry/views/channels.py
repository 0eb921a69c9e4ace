"""Channel list (filters, sorting, CSV export), detail, editing, records and import."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.core import clock
from somevahti.core.forms import add_form_errors
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, org_id, require, user_of
from somevahti.core.roles import Perm
from somevahti.registry import importing
from somevahti.registry.actions import channels as actions
from somevahti.registry.forms.channels import (
    ActivityForm,
    ChannelFilterForm,
    ChannelForm,
    FollowerForm,
    ImportForm,
)
from somevahti.registry.models import Channel, ChannelRequest
from somevahti.registry.queries import channels_visible_to

PAGE_SIZE = 50
COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("platform", gettext_lazy("Platform")),
    ("unit", gettext_lazy("Unit")),
    ("status", gettext_lazy("Status")),
    ("followers", gettext_lazy("Followers")),
    ("last_activity", gettext_lazy("Last activity")),
]


def with_relations(qs: QuerySet[Channel], audiences: bool = False) -> QuerySet[Channel]:
    """Everything a channel row shows, in a fixed number of queries."""
    qs = qs.select_related("unit").prefetch_related(
        Prefetch("responsibles", queryset=User.objects.order_by("last_name", "username"))
    )
    return qs.prefetch_related("audiences") if audiences else qs


def _can_import(user: User) -> bool:
    if user.organisation_id is None:
        return False
    root = Unit.objects.filter(organisation_id=user.organisation_id, parent__isnull=True).first()
    return root is not None and has_perm(user, Perm.IMPORT_CHANNELS, root)


def _sort_headers(request: HttpRequest, current: str) -> list[dict[str, Any]]:
    headers = []
    for key, label in COLUMNS:
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = f"-{key}" if active and not descending else key
        headers.append(
            {
                "key": key,
                "label": label,
                "url": f"?{params.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if active else "",
            }
        )
    return headers


@login_required
@require_GET
def channel_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = ChannelFilterForm(user, request.GET or None)
    channels = with_relations(form.apply(channels_visible_to(user)))
    page = Paginator(channels, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "headers": _sort_headers(request, form.sort_key),
        "query": params.urlencode(),
        "can_import": _can_import(user),
    }
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        return render(request, "registry/channels/_results.html", context)
    return render(request, "registry/channels/list.html", context)


def _unit_labels(organisation_id: int) -> dict[int, str]:
    """Unit → "Sector / Unit", the form the importer reads back."""
    units = list(
        Unit.objects.filter(organisation_id=organisation_id).values_list("pk", "path", "name")
    )
    names = {p: n for _pk, p, n in units}
    labels = {}
    for pk, unit_path, name in units:
        parts = unit_path.split(".")[:-1]
        chain = [names[".".join(parts[: i + 1]) + "."] for i in range(1, len(parts))]
        labels[pk] = " / ".join(chain) or name
    return labels


def _fi_date(day: dt.date | None) -> str:
    return f"{day.day}.{day.month}.{day.year}" if day else ""


@login_required
@require_GET
def channel_export(request: HttpRequest) -> HttpResponse:
    """The filtered, sorted list as CSV for Finnish Excel: UTF-8 with BOM, semicolons."""
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = ChannelFilterForm(user, request.GET or None)
    channels = with_relations(form.apply(channels_visible_to(user)), audiences=True)
    units = _unit_labels(org_id(user))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"kanavat-{clock.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(importing.EXPORT_HEADERS.values())
    safe = importing.safe_cell
    # One evaluation: three queries in all (iterator() would prefetch per chunk).
    for c in channels:
        last = timezone.localtime(c.last_activity_at) if c.last_activity_at else None
        writer.writerow(
            [
                safe(units.get(c.unit_id, c.unit.name)),
                c.get_platform_display(),
                safe(c.name),
                safe(c.handle),
                safe(c.url),
                ", ".join(p.username for p in c.responsibles.all()),
                safe(", ".join(a.name for a in c.audiences.all())),
                safe(c.purpose),
                str(c.target_per_week).replace(".", ","),
                importing.STATUS_FI.get(c.status, c.status),
                _fi_date(c.opened_on),
                _fi_date(c.closed_on),
                "" if c.followers is None else c.followers,
                f"{_fi_date(last)} {last:%H:%M}" if last else "",
            ]
        )
    return response


def _visible_channel(user: User, pk: int) -> Channel:
    qs = channels_visible_to(user).select_related("unit", "opening_request")
    return get_object_or_404(qs, pk=pk)


def _opening_request(channel: Channel) -> ChannelRequest | None:
    try:
        return channel.opening_request
    except ChannelRequest.DoesNotExist:
        return None


def _render_detail(
    request: HttpRequest,
    channel: Channel,
    follower_form: FollowerForm | None = None,
    activity_form: ActivityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    opening = _opening_request(channel)
    grants = list(channel.access_grants.select_related("holder").order_by("-granted_on"))
    context = {
        "channel": channel,
        "opening_request": opening,
        "responsibles": channel.responsibles.order_by("last_name", "username"),
        "audiences": channel.audiences.all(),
        "snapshots": channel.follower_snapshots.all()[:100],
        "activity": channel.activity.all()[:20],
        "current_grants": [g for g in grants if g.revoked_on is None],
        "past_grants": [g for g in grants if g.revoked_on is not None],
        "history": events_for(user, channel, *([opening] if opening else []))[:100],
        "can_edit": has_perm(user, Perm.EDIT_CHANNEL, channel.unit),
        "can_keep": actions.may_keep_records(user, channel),
        "follower_form": follower_form or FollowerForm(),
        "activity_form": activity_form or ActivityForm(),
    }
    return render(request, "registry/channels/detail.html", context, status=status)


@login_required
@require_GET
def channel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _visible_channel(user_of(request), pk))


@login_required
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    channel = _visible_channel(user, pk)
    require(user, Perm.EDIT_CHANNEL, channel.unit)
    form = ChannelForm(user, request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_channel(user, channel, form.changed_fields())
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The channel was saved."))
            return redirect("registry:channel_detail", pk=channel.pk)
    return render(request, "registry/channels/edit.html", {"channel": channel, "form": form})


@login_required
@require_POST
def channel_followers(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    channel = _visible_channel(user, pk)
    if not actions.may_keep_records(user, channel):
        raise PermissionDenied
    form = FollowerForm(request.POST)
    if form.is_valid():
        try:
            actions.record_followers(
                user, channel, form.cleaned_data["date"], form.cleaned_data["count"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The follower count was saved."))
            return redirect(reverse("registry:channel_detail", args=[pk]) + "#followers")
    return _render_detail(request, channel, follower_form=form)


@login_required
@require_POST
def channel_activity(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    channel = _visible_channel(user, pk)
    if not actions.may_keep_records(user, channel):
        raise PermissionDenied
    form = ActivityForm(request.POST)
    if form.is_valid():
        try:
            actions.record_activity(
                user, channel, form.cleaned_data["occurred_at"], form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The activity was saved."))
            return redirect(reverse("registry:channel_detail", args=[pk]) + "#activity")
    return _render_detail(request, channel, activity_form=form)


@login_required
def channel_import(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not _can_import(user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = actions.import_channels(user, upload.name, upload.read())
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            if result.ok:
                messages.success(
                    request,
                    _("%(n)s channels were imported.") % {"n": result.created},
                )
                return redirect("registry:channel_list")
    context = {
        "form": form,
        "result": result,
        "columns": importing.COLUMNS,
        "required": importing.REQUIRED,
        "max_rows": importing.MAX_ROWS,
    }
    return render(request, "registry/channels/import.html", context)


urlpatterns: list[URLPattern] = [
    path("", channel_list, name="channel_list"),
    path("channels/export.csv", channel_export, name="channel_export"),
    path("channels/import/", channel_import, name="channel_import"),
    path("channels/<int:pk>/", channel_detail, name="channel_detail"),
    path("channels/<int:pk>/edit/", channel_edit, name="channel_edit"),
    path("channels/<int:pk>/followers/", channel_followers, name="channel_followers"),
    path("channels/<int:pk>/activity/", channel_activity, name="channel_activity"),
]
