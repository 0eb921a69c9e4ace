"""Dormant channels: the list with figures, the revive-or-close page, the closing
checklist and the archive download."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import User
from somevahti.core.permissions import has_perm, organisation_of, require, user_of
from somevahti.core.roles import Perm
from somevahti.registry.actions import dormancy as actions
from somevahti.registry.forms.dormancy import DecisionForm, FarewellForm
from somevahti.registry.models import (
    AccessTask,
    Channel,
    ChannelRequest,
    DormancyReview,
)
from somevahti.registry.queries import dormancy_reviews_for, neglected_channels

PAGE_SIZE = 50


@login_required
@require_GET
def dormancy_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    channels = (
        neglected_channels(user)
        .select_related("unit")
        .prefetch_related("responsibles")
        .order_by("status", "name", "pk")
    )
    page = Paginator(channels, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    figures = actions.measure(organisation_of(user), rows, clock.now())
    reviews = list(
        dormancy_reviews_for(user)
        .filter(status__in=actions.OPEN_REVIEW)
        .select_related("channel", "channel__unit")
        .order_by("opened_at", "pk")
    )
    by_channel = {r.channel_id: r for r in reviews}
    context = {
        "page": page,
        "rows": [
            {"channel": c, "figures": figures[c.pk], "review": by_channel.get(c.pk)} for c in rows
        ],
        "reviews": reviews,
    }
    return render(request, "registry/dormancy/list.html", context)


def _review(user: User, pk: int) -> DormancyReview:
    qs = dormancy_reviews_for(user).select_related(
        "channel", "channel__unit", "channel__organisation", "successor", "decided_by"
    )
    return get_object_or_404(qs, pk=pk)


def _add_errors(form: forms.BaseForm | None, exc: ValidationError) -> list[str]:
    """Put an action's errors next to the form's fields; return the rest."""
    rest: list[str] = []
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            if form is not None and name in form.fields:
                form.add_error(name, errors)
            else:
                rest.extend(errors)
    else:
        rest.extend(exc.messages)
    return rest


def _steps(review: DormancyReview, grants: int, open_tasks: int) -> list[dict[str, Any]]:
    """The closing checklist with each step's state: done, next, waiting (for IT) or todo."""
    labels = {
        "farewell": _("Farewell post pointing to the channel to follow instead"),
        "archive": _("Archive of the channel saved"),
        "revoke": _("IT revokes everyone's access"),
        "close": _("Channel closed"),
    }
    closed = review.status == DormancyReview.Status.CLOSED
    done = {
        "farewell": closed or review.farewell_done_at is not None,
        "archive": closed or review.archive_done_at is not None,
        # Revoking is done when nobody holds access any more.
        "revoke": closed or (review.archive_done_at is not None and not grants),
        "close": closed,
    }
    nxt = actions.next_step(review, grants)
    steps = []
    for code in actions.STEPS:
        if done[code]:
            state = "done"
        elif code == nxt:
            state = "waiting" if code == "revoke" and open_tasks else "next"
        else:
            state = "todo"
        steps.append({"code": code, "label": labels[code], "state": state})
    return steps


def _render_review(
    request: HttpRequest,
    review: DormancyReview,
    *,
    decision_form: DecisionForm | None = None,
    farewell_form: FarewellForm | None = None,
    step_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    channel = review.channel
    grants = actions.current_grants(channel)
    open_tasks = list(
        AccessTask.objects.filter(
            channel=channel, kind=AccessTask.Kind.REVOKE, status=AccessTask.Status.OPEN
        ).select_related("subject")
    )
    figures = actions.measure(channel.organisation, [channel], clock.now())[channel.pk]
    can_decide = has_perm(user, Perm.DECIDE_DORMANCY, channel.unit)
    context = {
        "review": review,
        "channel": channel,
        "figures": figures,
        "responsibles": channel.responsibles.order_by("last_name", "username"),
        "grants": grants,
        "open_tasks": open_tasks,
        "steps": _steps(review, len(grants), len(open_tasks)),
        "next_step": actions.next_step(review, len(grants)),
        "can_decide": can_decide,
        "can_step": {s: actions.may_do_step(user, review, s) for s in actions.STEPS},
        "decision_form": decision_form or DecisionForm(channel),
        "farewell_form": farewell_form or FarewellForm(channel),
        "step_errors": step_errors or [],
        "history": events_for(user, review, channel)[:100],
    }
    return render(request, "registry/dormancy/review.html", context, status=status)


@login_required
@require_GET
def dormancy_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_review(request, _review(user_of(request), pk))


@login_required
@require_POST
def dormancy_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    review = _review(user, pk)
    require(user, Perm.DECIDE_DORMANCY, review.channel.unit)
    form = DecisionForm(review.channel, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.decide_dormancy(
                user,
                review,
                data["decision"],
                data["reason"],
                responsibles=list(data["responsibles"]),
                plan=data["plan"],
            )
        except Conflict as exc:
            messages.error(request, str(exc))
            return _render_review(request, _review(user, pk), status=409)
        except ValidationError as exc:
            rest = _add_errors(form, exc)
            if rest:
                form.add_error(None, rest)
        else:
            if data["decision"] == "revive":
                messages.success(request, _("The channel was revived."))
            else:
                messages.success(request, _("Closing started. Work through the checklist below."))
            return redirect("registry:dormancy_review", pk=pk)
    return _render_review(request, review, decision_form=form)


@login_required
@require_POST
def dormancy_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user = user_of(request)
    review = _review(user, pk)
    if step not in actions.STEPS:
        raise Http404
    if not actions.may_do_step(user, review, step):
        raise PermissionDenied
    form = FarewellForm(review.channel, request.POST) if step == "farewell" else None
    if form is not None and not form.is_valid():
        return _render_review(request, review, farewell_form=form)
    data = form.cleaned_data if form is not None else {}
    try:
        actions.close_channel_step(user, review, step, **data)
    except Conflict as exc:
        messages.error(request, str(exc))
        return _render_review(request, _review(user, pk), status=409)
    except ValidationError as exc:
        rest = _add_errors(form, exc)
        return _render_review(request, review, farewell_form=form, step_errors=rest)
    done = {
        "farewell": _("The farewell post was recorded."),
        "archive": _("The archive was marked as saved."),
        "revoke": _("IT has been asked to revoke the access."),
        "close": _("The channel is now closed."),
    }
    messages.success(request, done[step])
    return redirect("registry:dormancy_review", pk=pk)


def channel_archive(user: User, channel: Channel) -> dict[str, Any]:
    """Everything the registry knows about a channel, for keeping after it closes."""
    opening = ChannelRequest.objects.filter(channel=channel).first()
    reviews = list(channel.dormancy_reviews.all())
    history = events_for(user, channel, *reviews, *([opening] if opening else []))
    return {
        "exported_at": clock.now(),
        "channel": {
            "id": channel.pk,
            "name": channel.name,
            "platform": channel.platform,
            "handle": channel.handle,
            "url": channel.url,
            "unit": channel.unit.name,
            "purpose": channel.purpose,
            "target_per_week": channel.target_per_week,
            "status": channel.status,
            "opened_on": channel.opened_on,
            "closed_on": channel.closed_on,
            "last_activity_at": channel.last_activity_at,
            "followers": channel.followers,
            "responsibles": [str(p) for p in channel.responsibles.all()],
            "audiences": [a.name for a in channel.audiences.all()],
        },
        "followers": [
            {"date": s.date, "count": s.count} for s in channel.follower_snapshots.order_by("date")
        ],
        "activity": [
            {"at": a.occurred_at, "note": a.note} for a in channel.activity.order_by("occurred_at")
        ],
        "access": [
            {
                "holder": str(g.holder),
                "kind": g.kind,
                "method": g.method,
                "granted_on": g.granted_on,
                "revoked_on": g.revoked_on,
            }
            for g in channel.access_grants.select_related("holder").order_by("granted_on", "pk")
        ],
        "history": [
            {
                "at": e.created_at,
                "who": e.actor_name,
                "verb": e.verb,
                "target": e.target_repr,
                "reason": e.reason,
                "data": e.data,
            }
            for e in history.order_by("created_at", "id")
        ],
    }


@login_required
@require_GET
def dormancy_archive(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    review = _review(user, pk)
    if not actions.may_do_step(user, review, "archive"):
        raise PermissionDenied
    channel = review.channel
    body = json.dumps(channel_archive(user, channel), cls=DjangoJSONEncoder, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{slugify(channel.name) or 'channel'}-{channel.pk}-{clock.today().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns: list[URLPattern] = [
    path("dormant/", dormancy_list, name="dormancy_list"),
    path("dormant/<int:pk>/", dormancy_review, name="dormancy_review"),
    path("dormant/<int:pk>/decide/", dormancy_decide, name="dormancy_decide"),
    path("dormant/<int:pk>/step/<str:step>/", dormancy_step, name="dormancy_step"),
    path("dormant/<int:pk>/archive/", dormancy_archive, name="dormancy_archive"),
]
