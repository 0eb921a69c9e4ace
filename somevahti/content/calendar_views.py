"""Calendar pages: week and month views, rescheduling by form, and iCalendar feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.content import actions, calendar, feeds, rules
from somevahti.content.calendar import Scope
from somevahti.content.forms import LOCAL_FORMAT, ScheduleForm
from somevahti.content.models import ContentTag, FeedToken, Post
from somevahti.content.queries import posts_visible_to, tags_of
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import Unit, User
from somevahti.core.permissions import org_id, require, units_for, user_of
from somevahti.core.roles import Perm
from somevahti.registry.forms.channels import UnitChoiceField
from somevahti.registry.models import Channel
from somevahti.registry.queries import channels_visible_to

SCOPE_FIELDS = ("unit", "channel", "person", "tag")


class CalendarFilterForm(forms.Form):
    """Whose calendar and which posts. An id outside the user's reach is a 404, not an error."""

    date = forms.DateField(
        label=gettext_lazy("Go to date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    unit = UnitChoiceField(
        label=gettext_lazy("Unit (with the units below it)"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=gettext_lazy("Whole organisation"),
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        queryset=Channel.objects.none(),
        empty_label=gettext_lazy("Any"),
    )
    person = forms.ModelChoiceField(
        label=gettext_lazy("Author"),
        required=False,
        queryset=User.objects.none(),
        empty_label=gettext_lazy("Anyone"),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any"))] + list(Post.State.choices),
    )
    tag = forms.ModelChoiceField(
        label=gettext_lazy("Content type"),
        required=False,
        queryset=ContentTag.objects.none(),
        empty_label=gettext_lazy("Any"),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["unit"].queryset = units_for(user, Perm.VIEW_REGISTRY)
        fields["channel"].queryset = channels_visible_to(user).order_by("name", "id")
        fields["person"].queryset = User.objects.filter(
            organisation_id=org_id(user), is_active=True
        ).order_by("last_name", "first_name", "username")
        fields["tag"].queryset = tags_of(user)

    def scope(self) -> Scope:
        if not self.is_bound:
            return Scope()
        if not self.is_valid():
            if set(self.errors) & set(SCOPE_FIELDS):
                raise Http404
            if "state" in self.errors:
                return Scope()
        d = self.cleaned_data
        return Scope(
            unit=d.get("unit"),
            channel=d.get("channel"),
            person=d.get("person"),
            states=[d["state"]] if d.get("state") else [],
            tags=[d["tag"]] if d.get("tag") else [],
        )

    def day(self) -> dt.date:
        value = self.cleaned_data.get("date") if self.is_bound and not self.errors else None
        return value or clock.today()


def _query(request: HttpRequest, day: dt.date) -> str:
    params = request.GET.copy()
    params["date"] = day.isoformat()
    return params.urlencode()


def _page(request: HttpRequest, view: str) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = CalendarFilterForm(user, request.GET or None)
    scope = form.scope()
    day = form.day()
    if view == "week":
        first = calendar.week_start(day)
        end = first + dt.timedelta(days=7)
        period = (first, end)
        prev_day, next_day = first - dt.timedelta(days=7), end
    else:
        period = calendar.month_bounds(day)
        first, end = calendar.month_grid(day)
        prev_day = (period[0] - dt.timedelta(days=1)).replace(day=1)
        next_day = period[1]
    all_days = calendar.days(user, first, end, scope, period=period)
    context = {
        "view": view,
        "form": form,
        "days": all_days,
        "weeks": calendar.weeks(all_days),
        "first": first,
        "last": end - dt.timedelta(days=1),
        "period_start": period[0],
        "prev_query": _query(request, prev_day),
        "next_query": _query(request, next_day),
        "today_query": _query(request, clock.today()),
        "query": request.GET.urlencode(),
        "here": request.get_full_path(),
        "count": sum(len(d.entries) for d in all_days if d.in_period),
    }
    return render(request, f"content/calendar/{view}.html", context)


@login_required
@require_GET
def calendar_week(request: HttpRequest) -> HttpResponse:
    return _page(request, "week")


@login_required
@require_GET
def calendar_month(request: HttpRequest) -> HttpResponse:
    return _page(request, "month")


def _safe_next(request: HttpRequest) -> str:
    """The page to return to, only when it is on this site (never a script or another host)."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return nxt if nxt and ok else ""


def _back(request: HttpRequest, post: Post) -> str:
    if nxt := _safe_next(request):
        return nxt
    day = (post.scheduled_at or clock.now()).astimezone(clock.HELSINKI).date()
    return f"{reverse('content:calendar')}?{urlencode({'date': day.isoformat()})}"


def _scheduler(user: User, post: Post) -> bool:
    channels = [v.channel for v in post.variants.all()]
    return bool(channels) and all(rules.can_schedule_on(user, c) for c in channels)


@login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a post to another time with a plain form: the keyboard way to do what others do
    by dragging. Saving goes through content.actions.schedule, with the same refusals."""
    user = user_of(request)
    post = get_object_or_404(calendar.with_parts(posts_visible_to(user)), pk=pk)
    if not _scheduler(user, post):
        raise PermissionDenied
    local = post.scheduled_at.astimezone(clock.HELSINKI) if post.scheduled_at else None
    form = ScheduleForm(
        initial={
            "version": post.version,
            "scheduled_at": local.strftime(LOCAL_FORMAT) if local else "",
        }
    )
    status, conflict = 200, ""
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        status = 400
        if form.is_valid():
            version = form.cleaned_data.get("version")
            try:
                moved = actions.schedule(user, post, form.cleaned_data["scheduled_at"], version)
            except ValidationError as exc:
                add_form_errors(form, exc)
            except Conflict as exc:
                status, conflict = 409, str(exc)
            else:
                messages.success(request, _("The post was moved."))
                return redirect(_back(request, moved))
    context = {
        "post": post,
        "form": form,
        "conflict": conflict,
        "movable": post.state in (Post.State.APPROVED, Post.State.SCHEDULED),
        "next": _safe_next(request),
    }
    return render(request, "content/calendar/reschedule.html", context, status=status)


class FeedForm(forms.Form):
    unit = UnitChoiceField(
        label=gettext_lazy("What the calendar shows"),
        required=False,
        queryset=Unit.objects.none(),
        empty_label=gettext_lazy("My own posts"),
        help_text=gettext_lazy("Or the posts of a unit and the units below it."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, Perm.VIEW_REGISTRY)  # type: ignore[attr-defined]


def _feed_url(request: HttpRequest, raw: str) -> str:
    return request.build_absolute_uri(reverse("content:calendar_feed", args=[raw]))


@login_required
def feed_list(request: HttpRequest) -> HttpResponse:
    """The user's calendar addresses. A new address is shown on this response only."""
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = FeedForm(user, request.POST or None)
    new_url, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            _, raw = feeds.create_feed(user, form.cleaned_data["unit"])
            new_url, status = _feed_url(request, raw), 201
            form = FeedForm(user)
        else:
            status = 400
    context = {"form": form, "feeds": feeds.feeds_of(user), "new_url": new_url}
    response = render(request, "content/calendar/feeds.html", context, status=status)
    if new_url:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    feed = get_object_or_404(FeedToken.objects.filter(owner=user), pk=pk)
    try:
        feeds.revoke_feed(user, feed)
    except Conflict as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, _("The calendar address was revoked. It no longer works."))
    return redirect("content:calendar_feeds")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, without signing in: the token is the key. Unknown, revoked or of a
    deactivated owner: 404, the same answer for each so nothing is revealed."""
    found = feeds.feed_by_token(token)
    if found is None:
        raise Http404
    posts = feeds.feed_posts(found)
    links = {
        p.pk: request.build_absolute_uri(reverse("content:post_detail", args=[p.pk])) for p in posts
    }
    body = feeds.build_ics(found, posts, links)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="somevahti.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns: list[URLPattern] = [
    path("calendar/", calendar_week, name="calendar"),
    path("calendar/month/", calendar_month, name="calendar_month"),
    path("calendar/posts/<int:pk>/reschedule/", reschedule, name="calendar_reschedule"),
    path("calendar/feeds/", feed_list, name="calendar_feeds"),
    path("calendar/feeds/<int:pk>/revoke/", feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed/<slug:token>.ics", feed, name="calendar_feed"),
]
