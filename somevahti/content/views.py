"""Pages: post list, editor with the live checker, detail with review actions, media."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.checks.labels import CATEGORY_LABELS, SEVERITY_LABELS, rule_label
from somevahti.content import actions, rules
from somevahti.content.checking import check_post, check_text
from somevahti.content.forms import (
    VARIANT_PREFIX,
    CancelForm,
    CommentForm,
    ManualForm,
    MediaForm,
    OverrideForm,
    PostFilterForm,
    PostForm,
    ReviewForm,
    ScheduleForm,
    initial_for,
)
from somevahti.content.models import Post, PostVariant
from somevahti.content.queries import post_rows, posts_to_review, posts_visible_to
from somevahti.content.states import EDITABLE, can_move
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import require, user_of
from somevahti.core.roles import Perm
from somevahti.publishing.queries import delivery_rows
from somevahti.registry.models import Channel

S = Post.State
PAGE_SIZE = 50
TABS = [
    ("mine", gettext_lazy("My posts")),
    ("review", gettext_lazy("Waiting for review")),
    ("scheduled", gettext_lazy("Scheduled")),
    ("all", gettext_lazy("All I can see")),
]


def detail_qs(user: User) -> QuerySet[Post]:
    return (
        posts_visible_to(user)
        .select_related("unit", "author", "approved_by")
        .prefetch_related(
            Prefetch("variants", PostVariant.objects.select_related("channel__unit")),
            "media",
            "tags",
        )
    )


@login_required
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    tab = request.GET.get("show", "mine")
    tab = tab if tab in dict(TABS) else "mine"
    qs: QuerySet[Post]
    if tab == "review":
        qs = posts_to_review(user)
    elif tab == "mine":
        qs = posts_visible_to(user).filter(author=user)
    elif tab == "scheduled":
        qs = posts_visible_to(user).filter(state=S.SCHEDULED)
    else:
        qs = posts_visible_to(user)
    form = PostFilterForm(user, request.GET or None)
    if form.is_bound and form.is_valid():
        if state := form.cleaned_data["state"]:
            qs = qs.filter(state=state)
        if channel := form.cleaned_data["channel"]:
            qs = qs.filter(variants__channel=channel)
    order = ("scheduled_at", "id") if tab == "scheduled" else ("-updated_at", "-id")
    page = Paginator(post_rows(qs).order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "tabs": TABS,
        "tab": tab,
        "form": form,
        "page": page,
        "query": params.urlencode(),
    }
    return render(request, "content/list.html", context)


def _editor(
    request: HttpRequest, form: PostForm, post: Post | None, status: int = 200, conflict: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "post": post,
        "conflict": conflict,
        "media_form": MediaForm() if post else None,
    }
    return render(request, "content/edit.html", context, status=status)


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    if user.organisation is not None:
        actions.ensure_default_tags(user.organisation)
    form = PostForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = actions.create_post(user, form.cleaned_data["unit"], form.data_for_action())
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("content:post_detail", pk=post.pk)
    return _editor(request, form, None)


@login_required
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    post = get_object_or_404(detail_qs(user), pk=pk)
    if not rules.can_edit(user, post):
        raise PermissionDenied
    if request.method != "POST":
        if user.organisation is not None:
            actions.ensure_default_tags(user.organisation)
        return _editor(request, PostForm(user, initial=initial_for(post)), post)
    form = PostForm(user, request.POST)
    if form.is_valid():
        try:
            actions.update_post(
                user, post, form.data_for_action(), form.cleaned_data["version"] or 0
            )
        except Conflict as exc:
            return _editor(request, form, post, status=409, conflict=str(exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("content:post_detail", pk=post.pk)
    return _editor(request, form, post)


def _rows(results: list[Any], overridable: Callable[[Channel, str], bool]) -> list[dict[str, Any]]:
    out = []
    for res in results:
        channel = res.variant.channel
        out.append(
            {
                "channel": channel,
                "findings": [
                    {
                        "f": row.finding,
                        "hash": row.hash,
                        "overridden": row.overridden,
                        "rule_label": rule_label(row.finding.rule),
                        "category_label": CATEGORY_LABELS.get(row.finding.category, ""),
                        "severity_label": SEVERITY_LABELS.get(row.finding.severity, ""),
                        "can_override": (
                            row.finding.severity == "block"
                            and not row.overridden
                            and overridable(channel, row.finding.rule)
                        ),
                    }
                    for row in res.rows
                ],
            }
        )
    return out


@login_required
@require_POST
def live_check(request: HttpRequest) -> HttpResponse:
    """The editor's findings while typing (htmx): one list per chosen channel."""
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    body = request.POST.get("body", "")
    ids = [int(v) for v in request.POST.getlist("channels") if v.isdigit()]
    from somevahti.content.queries import channels_to_post_to

    channels = list(channels_to_post_to(user).filter(pk__in=ids).order_by("name"))
    if not channels:
        channels = [Channel(name=_("Any channel"), platform="")]
    results = []
    for n, channel in enumerate(channels):
        text = request.POST.get(f"{VARIANT_PREFIX}{channel.pk}", "") or body
        if channel.pk is None:
            # An unsaved stand-in gets its own negative id; setting only ``channel_id``
            # would drop the cached channel and make Django look it up (and fail).
            channel.pk = -1 - n
        variant = PostVariant(channel=channel, body=text)
        results.append(check_text(user, 0, variant, text, []))
    rows = _rows(results, lambda c, r: False)
    return render(request, "content/_findings.html", {"groups": rows, "live": True})


def _actions_for(user: User, post: Post) -> dict[str, bool]:
    channels = [v.channel for v in post.variants.all()]
    scheduler = bool(channels) and all(rules.can_schedule_on(user, c) for c in channels)
    reviewer = rules.can_review(user, post.unit)
    strict = rules.four_eyes(post.unit) if reviewer else True
    own = post.author_id == user.pk
    return {
        "edit": post.state in EDITABLE and rules.can_edit(user, post),
        "submit": post.state == S.DRAFT and (own or reviewer),
        "approve": reviewer
        and (
            (post.state == S.IN_REVIEW and not (strict and own))
            or (post.state == S.DRAFT and not strict)
        ),
        "reject": reviewer and post.state == S.IN_REVIEW,
        "withdraw": post.state in (S.IN_REVIEW, S.REJECTED) and rules.can_edit(user, post),
        "schedule": scheduler and post.state in (S.APPROVED, S.SCHEDULED),
        "unschedule": scheduler and post.state == S.SCHEDULED,
        "manual": scheduler and can_move(post.state, S.PUBLISHED_MANUALLY),
        "cancel": can_move(post.state, S.CANCELLED)
        and (scheduler if post.state in (S.SCHEDULED, S.FAILED) else rules.can_edit(user, post)),
        "comment": own or reviewer,
        "deliver": scheduler,
    }


def render_detail(
    request: HttpRequest,
    post: Post,
    *,
    status: int = 200,
    conflict: str = "",
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    user = user_of(request)
    allowed = _actions_for(user, post)
    local = post.scheduled_at.astimezone(clock.HELSINKI) if post.scheduled_at else None
    context = {
        "post": post,
        "can": allowed,
        "conflict": conflict,
        "groups": _rows(
            check_post(user, post), lambda c, r: rules.can_override(user, c, r, post.unit)
        ),
        "comments": post.comments.select_related("author"),
        "deliveries": delivery_rows(post),
        "history": events_for(user, post)[:100],
        "review_form": ReviewForm(initial={"version": post.version}),
        "schedule_form": ScheduleForm(
            initial={
                "version": post.version,
                "scheduled_at": local.strftime("%Y-%m-%dT%H:%M") if local else "",
            }
        ),
        "cancel_form": CancelForm(initial={"version": post.version}),
        "manual_form": ManualForm(initial={"version": post.version}),
        "comment_form": CommentForm(),
        **(forms or {}),
    }
    return render(request, "content/detail.html", context, status=status)


@login_required
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_detail(request, get_object_or_404(detail_qs(user_of(request)), pk=pk))


def _version(form: Any) -> int | None:
    value = form.cleaned_data.get("version")
    return int(value) if value is not None else None


def _do(user: User, post: Post, verb: str, data: Any) -> tuple[Any, str, str]:
    """(form, form name, success message); raises what the action raises."""
    if verb in ("submit", "approve", "reject", "withdraw", "unschedule"):
        form: Any = ReviewForm(data)
        if not form.is_valid():
            return form, "review_form", ""
        note, v = form.cleaned_data["comment"], _version(form)
        if verb == "submit":
            actions.submit_for_review(user, post, v)
            return form, "review_form", _("The post was sent for review.")
        if verb == "approve":
            actions.approve(user, post, v, note)
            return form, "review_form", _("The post was approved.")
        if verb == "reject":
            actions.reject(user, post, note, v)
            return form, "review_form", _("The post was returned to its author.")
        if verb == "withdraw":
            actions.withdraw(user, post, v)
            return form, "review_form", _("The post is a draft again.")
        actions.unschedule(user, post, v)
        return form, "review_form", _("The post is no longer scheduled.")
    if verb == "schedule":
        form = ScheduleForm(data)
        if form.is_valid():
            actions.schedule(user, post, form.cleaned_data["scheduled_at"], _version(form))
            return form, "schedule_form", _("The post was scheduled.")
        return form, "schedule_form", ""
    if verb == "cancel":
        form = CancelForm(data)
        if form.is_valid():
            actions.cancel(user, post, form.cleaned_data["reason"], _version(form))
            return form, "cancel_form", _("The post was cancelled.")
        return form, "cancel_form", ""
    if verb == "manual":
        form = ManualForm(data)
        if form.is_valid():
            actions.mark_published_manually(user, post, form.cleaned_data["url"], _version(form))
            return form, "manual_form", _("The post was marked as published.")
        return form, "manual_form", ""
    if verb == "comment":
        form = CommentForm(data)
        if form.is_valid():
            actions.comment(user, post, form.cleaned_data["comment"])
            return form, "comment_form", _("Your comment was added.")
        return form, "comment_form", ""
    if verb == "override":
        form = OverrideForm(data)
        if form.is_valid():
            d = form.cleaned_data
            channel = next(
                (v.channel for v in post.variants.all() if v.channel_id == d["channel"]), None
            )
            if channel is None:
                raise Http404
            actions.override_check(user, post, channel, d["rule"], d["text_hash"], d["reason"])
            return form, "override_form", _("The finding was overridden; the reason was recorded.")
        return form, "override_form", ""
    raise Http404


@login_required
@require_POST
def post_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = user_of(request)
    post = get_object_or_404(detail_qs(user), pk=pk)
    try:
        form, name, done = _do(user, post, verb, request.POST)
    except Conflict as exc:
        fresh = get_object_or_404(detail_qs(user), pk=pk)
        return render_detail(request, fresh, status=409, conflict=str(exc))
    except ValidationError as exc:
        form = {
            "override": OverrideForm,
            "schedule": ScheduleForm,
            "cancel": CancelForm,
            "manual": ManualForm,
            "comment": CommentForm,
        }.get(verb, ReviewForm)(request.POST)
        form.is_valid()
        add_form_errors(form, exc)
        name = {
            "override": "override_form",
            "schedule": "schedule_form",
            "cancel": "cancel_form",
            "manual": "manual_form",
            "comment": "comment_form",
        }.get(verb, "review_form")
        fresh = get_object_or_404(detail_qs(user), pk=pk)
        return render_detail(request, fresh, status=400, forms={name: form})
    if not done:
        return render_detail(request, post, status=400, forms={name: form})
    messages.success(request, done)
    return redirect("content:post_detail", pk=post.pk)


urlpatterns: list[URLPattern] = [
    path("posts/", post_list, name="post_list"),
    path("posts/new/", post_new, name="post_new"),
    path("posts/check/", live_check, name="check"),
    path("posts/<int:pk>/", post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", post_edit, name="post_edit"),
    path("posts/<int:pk>/do/<slug:verb>/", post_act, name="post_act"),
]
