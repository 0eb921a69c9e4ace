"""Channel requests: list, the five-question form with platform suggestions, detail, decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import has_perm, org_id, require, user_of
from somevahti.core.roles import Perm
from somevahti.registry.actions.requests import (
    decide_channel_request,
    may_decide,
    submit_channel_request,
)
from somevahti.registry.forms.requests import (
    ChannelRequestForm,
    DecisionForm,
    RequestFilterForm,
    initial_from,
)
from somevahti.registry.models import ChannelRequest
from somevahti.registry.queries import (
    audiences_of,
    requests_to_decide,
    requests_visible_to,
    suggest_platforms,
)

PAGE_SIZE = 50
TABS = [
    ("all", gettext_lazy("All I can see")),
    ("mine", gettext_lazy("My requests")),
    ("decide", gettext_lazy("Waiting for my decision")),
]


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.REQUEST_CHANNEL)
    can_decide = has_perm(user, Perm.DECIDE_CHANNEL_REQUEST)
    tabs = [(key, label) for key, label in TABS if key != "decide" or can_decide]
    tab = request.GET.get("show", "all")
    if tab not in {key for key, _label in tabs}:
        tab = "all"
    qs: QuerySet[ChannelRequest]
    if tab == "decide":
        qs = requests_to_decide(user)
    elif tab == "mine":
        qs = ChannelRequest.objects.filter(requested_by=user, organisation_id=org_id(user))
    else:
        qs = requests_visible_to(user)
    form = RequestFilterForm(request.GET or None)
    if form.is_bound and form.is_valid() and (status := form.cleaned_data["status"]):
        qs = qs.filter(status=status)
    qs = qs.select_related("unit", "requested_by").order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "tabs": tabs,
        "tab": tab,
        "form": form,
        "page": page,
        "query": params.urlencode(),
    }
    return render(request, "registry/requests/list.html", context)


def _suggestions(user: User, audience_ids: list[str]) -> list[dict[str, Any]] | None:
    ids = [int(v) for v in audience_ids if v.isdigit()]
    if not ids:
        return None
    chosen = list(audiences_of(user).filter(pk__in=ids))
    return [
        {"code": code, "label": label, "reasons": reasons}
        for code, label, reasons in suggest_platforms(user, chosen)
    ]


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.REQUEST_CHANNEL)
    suggestions = None
    if request.method == "POST" and "suggest" in request.POST:
        # Without JavaScript the suggestions come from a round trip that keeps the answers.
        form = ChannelRequestForm(user, initial=initial_from(request.POST))
        suggestions = _suggestions(user, request.POST.getlist("audiences"))
    elif request.method == "POST":
        form = ChannelRequestForm(user, request.POST)
        if form.is_valid():
            try:
                req = submit_channel_request(user, form.cleaned_data["unit"], form.answers())
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Your request was sent to the unit director."))
                return redirect("registry:request_detail", pk=req.pk)
        suggestions = _suggestions(user, request.POST.getlist("audiences"))
    else:
        form = ChannelRequestForm(user)
    context = {"form": form, "suggestions": suggestions}
    return render(request, "registry/requests/form.html", context)


@login_required
@require_GET
def request_suggest(request: HttpRequest) -> HttpResponse:
    """The suggestion panel alone, for htmx when target groups are ticked."""
    user = user_of(request)
    require(user, Perm.REQUEST_CHANNEL)
    context = {"suggestions": _suggestions(user, request.GET.getlist("audiences"))}
    return render(request, "registry/requests/_suggestions.html", context)


def _render_detail(
    request: HttpRequest,
    req: ChannelRequest,
    form: DecisionForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    context = {
        "req": req,
        "audiences": req.audiences.all(),
        "responsibles": req.proposed_responsibles.order_by("last_name", "username"),
        "can_decide": may_decide(user, req),
        "form": form or DecisionForm(),
        "conflict": conflict,
        "history": events_for(user, req)[:50],
    }
    return render(request, "registry/requests/detail.html", context, status=status)


def _related(qs: QuerySet[ChannelRequest]) -> QuerySet[ChannelRequest]:
    return qs.select_related("unit", "requested_by", "decided_by", "channel")


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(_related(requests_visible_to(user_of(request))), pk=pk)
    return _render_detail(request, req)


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    # Looked up in the whole organisation: someone of the same organisation without the
    # right is refused (403); another organisation's request does not exist for them (404).
    qs = ChannelRequest.objects.filter(organisation_id=org_id(user))
    req = get_object_or_404(_related(qs), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        # Even a malformed post from someone without the right is refused as such.
        require(user, Perm.DECIDE_CHANNEL_REQUEST, req.unit)
        if req.requested_by_id == user.pk:
            raise PermissionDenied
        return _render_detail(request, req, form)
    try:
        decide_channel_request(
            user, req, form.cleaned_data["decision"] == "approve", form.cleaned_data["reason"]
        )
    except Conflict as exc:
        req.refresh_from_db()
        return _render_detail(request, req, conflict=str(exc), status=409)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _render_detail(request, req, form)
    if form.cleaned_data["decision"] == "approve":
        messages.success(request, _("The request was approved and IT was notified."))
    else:
        messages.success(request, _("The request was rejected. The requester was notified."))
    return redirect("registry:request_detail", pk=req.pk)


urlpatterns: list[URLPattern] = [
    path("requests/", request_list, name="request_list"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/suggest/", request_suggest, name="request_suggest"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/decide/", request_decide, name="request_decide"),
]
