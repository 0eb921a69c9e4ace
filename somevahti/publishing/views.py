"""Pages: a channel's connection, actions on deliveries, the delivery record and its export."""

from __future__ import annotations

import csv
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from somevahti.connectors import registry
from somevahti.connectors.base import OAuthApp
from somevahti.connectors.errors import ConnectorError
from somevahti.core import clock, crypto
from somevahti.core.errors import Conflict
from somevahti.core.permissions import user_of
from somevahti.publishing import actions, connections
from somevahti.publishing.forms import BlueskyForm, MastodonForm, PlatformAppForm, UrlForm
from somevahti.publishing.messages import explain
from somevahti.publishing.models import Connection, Delivery, PlatformApp
from somevahti.publishing.queries import ATTENTION, deliveries_visible_to
from somevahti.registry.models import Channel
from somevahti.registry.queries import channels_visible_to

SESSION_KEY = "somevahti_oauth"


def _channel(request: HttpRequest, pk: int) -> Channel:
    qs = channels_visible_to(user_of(request)).select_related("unit")
    return get_object_or_404(qs, pk=pk)


def _connection(channel: Channel) -> Connection | None:
    return Connection.objects.filter(channel=channel).first()


def _app(channel: Channel, base_url: str = "") -> PlatformApp | None:
    return PlatformApp.objects.filter(
        organisation_id=channel.organisation_id, platform=channel.platform, base_url=base_url
    ).first()


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("publishing_oauth_callback"))


def _oauth_app(row: PlatformApp, request: HttpRequest) -> OAuthApp:
    return OAuthApp(
        client_id=row.client_id,
        client_secret=crypto.decrypt_json(row.secret).get("client_secret", ""),
        redirect_uri=callback_url(request),
        base_url=row.base_url,
    )


def _page(request: HttpRequest, channel: Channel, status: int = 200, **forms: Any) -> HttpResponse:
    user = user_of(request)
    api = registry.has_api(channel.platform)
    auth = registry.connector_class(channel.platform).auth if api else ""
    conn = _connection(channel)
    stopped: dict[str, str] = {
        Connection.Status.EXPIRED: explain("token_expired"),
        Connection.Status.REVOKED: explain("permission_missing"),
    }
    context = {
        "channel": channel,
        "connection": conn,
        "stopped_because": stopped.get(conn.status, "") if conn else "",
        "can_connect": connections.can_connect(user, channel),
        "has_api": api,
        "auth": auth,
        "app": _app(channel) if auth == "oauth" and channel.platform != "mastodon" else None,
        "redirect_uri": callback_url(request),
        "bluesky_form": forms.get("bluesky_form") or BlueskyForm(),
        "mastodon_form": forms.get("mastodon_form") or MastodonForm(),
        "app_form": forms.get("app_form") or PlatformAppForm(),
    }
    return render(request, "publishing/connection.html", context, status=status)


@login_required
@require_GET
def connection_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _channel(request, pk))


def _require_connect(request: HttpRequest, channel: Channel) -> None:
    if not connections.can_connect(user_of(request), channel):
        raise PermissionDenied


@login_required
@require_POST
def connect_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Bluesky: app-password login, checked against the server before anything is stored."""
    channel = _channel(request, pk)
    _require_connect(request, channel)
    form = BlueskyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            connected = registry.get(channel.platform).login(
                data["server"], data["handle"], data["app_password"]
            )
        except ConnectorError as e:
            form.add_error(
                "app_password", _("Signing in failed: %(why)s") % {"why": explain(e.kind)}
            )
        else:
            connections.connect(user_of(request), channel, connected)
            messages.success(request, _("The channel is connected."))
            return redirect("publishing:connection", pk=channel.pk)
    return _page(request, channel, status=400, bluesky_form=form)


@login_required
@require_POST
def save_app(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's app registration (client id and secret) for this platform."""
    channel = _channel(request, pk)
    _require_connect(request, channel)
    form = PlatformAppForm(request.POST)
    if not form.is_valid():
        return _page(request, channel, status=400, app_form=form)
    secret = crypto.encrypt_json({"client_secret": form.cleaned_data["client_secret"]})
    PlatformApp.objects.update_or_create(
        organisation_id=channel.organisation_id,
        platform=channel.platform,
        base_url="",
        defaults={
            "client_id": form.cleaned_data["client_id"],
            "secret": secret,
            "created_at": clock.now(),
        },
    )
    messages.success(request, _("The app details were saved. Connect the account next."))
    return redirect("publishing:connection", pk=channel.pk)


def _start(request: HttpRequest, channel: Channel, row: PlatformApp) -> HttpResponse:
    state = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {"state": state, "channel": channel.pk, "app": row.pk}
    connector = registry.get(channel.platform)
    return redirect(connector.authorize_url(_oauth_app(row, request), state))


@login_required
@require_POST
def connect_oauth(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    _require_connect(request, channel)
    if channel.platform == "mastodon":
        form = MastodonForm(request.POST)
        if not form.is_valid():
            return _page(request, channel, status=400, mastodon_form=form)
        server = form.cleaned_data["server"].rstrip("/")
        row = _app(channel, server)
        if row is None:  # Mastodon: the app registers itself on each server
            try:
                app = registry.get("mastodon").register_app(server, callback_url(request))
            except ConnectorError as e:
                form.add_error(
                    "server", _("The server did not answer: %(why)s") % {"why": explain(e.kind)}
                )
                return _page(request, channel, status=400, mastodon_form=form)
            row = PlatformApp.objects.create(
                organisation_id=channel.organisation_id,
                platform="mastodon",
                base_url=server,
                client_id=app.client_id,
                secret=crypto.encrypt_json({"client_secret": app.client_secret}),
                created_at=clock.now(),
            )
        return _start(request, channel, row)
    row = _app(channel)
    if row is None:
        messages.error(request, _("Save the app's client id and secret first."))
        return redirect("publishing:connection", pk=channel.pk)
    return _start(request, channel, row)


@login_required
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Where the platform sends the person back; outside the language prefix so the address
    registered with the platform never changes."""
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(pending["state"], state):
        messages.error(request, _("The sign-in could not be matched to a request. Try again."))
        return redirect("core:dashboard")
    channel = _channel(request, pending["channel"])
    _require_connect(request, channel)
    if "error" in request.GET or not request.GET.get("code"):
        messages.error(
            request,
            _("The platform did not give access: %(why)s")
            % {"why": request.GET.get("error_description") or request.GET.get("error") or "–"},
        )
        return redirect("publishing:connection", pk=channel.pk)
    row = get_object_or_404(PlatformApp, pk=pending["app"], organisation_id=channel.organisation_id)
    try:
        connected = registry.get(channel.platform).exchange_code(
            _oauth_app(row, request), request.GET["code"], state=state
        )
    except ConnectorError as e:
        messages.error(request, _("Connecting failed: %(why)s") % {"why": explain(e.kind)})
    else:
        connections.connect(user_of(request), channel, connected)
        messages.success(request, _("The channel is connected."))
    return redirect("publishing:connection", pk=channel.pk)


@login_required
@require_POST
def disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    connections.disconnect(user_of(request), channel)
    messages.success(request, _("The channel was disconnected; its stored token was deleted."))
    return redirect("publishing:connection", pk=channel.pk)


VERBS = {
    "retry": (actions.retry, _("The channel will be tried again.")),
    "check": (actions.check_again, _("Checked on the platform.")),
    "resend": (actions.resend_unconfirmed, _("The post will be sent again.")),
    "give-up": (actions.give_up, _("Marked as not published.")),
}


@login_required
@require_POST
def delivery_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = user_of(request)
    delivery = get_object_or_404(deliveries_visible_to(user).select_related("channel__unit"), pk=pk)
    try:
        if verb == "confirm":
            form = UrlForm(request.POST)
            if not form.is_valid():
                raise ValidationError(list(form.errors["url"]))
            actions.confirm_by_hand(user, delivery, form.cleaned_data["url"])
            messages.success(request, _("Recorded as published."))
        elif verb in VERBS:
            fn, done = VERBS[verb]
            fn(user, delivery)
            messages.success(request, str(done))
        else:
            raise PermissionDenied
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    except Conflict as e:
        messages.error(request, str(e))
    return redirect(reverse("content:post_detail", args=[delivery.post_id]) + "#h-deliveries")


@login_required
@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    qs = deliveries_visible_to(user_of(request)).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state == "attention":
        qs = qs.filter(state__in=ATTENTION)
    elif state in Delivery.State.values:
        qs = qs.filter(state=state)
    if request.GET.get("format") == "csv":
        return _csv(qs)
    context = {"rows": qs[:200], "state": state, "states": Delivery.State.choices}
    return render(request, "publishing/deliveries.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(qs: Any) -> StreamingHttpResponse:
    """Every attempt of the chosen deliveries, one row each, streamed."""
    writer = csv.writer(_Echo())
    header = [
        _("post"),
        _("channel"),
        _("state"),
        _("address"),
        _("approved by"),
        _("attempt"),
        _("action"),
        _("worker"),
        _("started"),
        _("finished"),
        _("result"),
        _("platform's reason"),
    ]

    def rows() -> Any:
        yield writer.writerow([str(h) for h in header])
        for d in qs.prefetch_related("attempts_log").iterator(chunk_size=500):
            for a in d.attempts_log.all() or [None]:
                yield writer.writerow(
                    [
                        d.post.title,
                        d.channel.name,
                        d.get_state_display(),
                        d.url,
                        d.approved_by.get_full_name() if d.approved_by else "",
                        a.number if a else "",
                        a.action if a else "",
                        a.worker if a else "",
                        a.started_at.isoformat() if a else "",
                        a.finished_at.isoformat() if a and a.finished_at else "",
                        a.get_result_display() if a else "",
                        d.error_detail,
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="deliveries.csv"'
    return response


app_name = "publishing"
urlpatterns = [
    path("channels/<int:pk>/connection/", connection_page, name="connection"),
    path("channels/<int:pk>/connection/password/", connect_password, name="connect_password"),
    path("channels/<int:pk>/connection/app/", save_app, name="save_app"),
    path("channels/<int:pk>/connection/oauth/", connect_oauth, name="connect_oauth"),
    path("channels/<int:pk>/connection/disconnect/", disconnect, name="disconnect"),
    path("deliveries/", delivery_list, name="deliveries"),
    path("deliveries/<int:pk>/<slug:verb>/", delivery_act, name="delivery_act"),
]
