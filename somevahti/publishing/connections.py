"""Connecting channels to their platform accounts, and keeping an eye on token expiry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.connectors import registry
from somevahti.connectors.base import Account, Connected, Connector, OAuthApp
from somevahti.connectors.errors import AuthExpired, ConnectorError
from somevahti.core import clock, crypto
from somevahti.core.models import User
from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm
from somevahti.publishing import notices
from somevahti.publishing.models import Connection, PlatformApp
from somevahti.publishing.outgoing import account_for
from somevahti.registry.models import Channel

WARN_DAYS = (14, 3)


def can_connect(user: User, channel: Channel) -> bool:
    """IT holds access to every account; the channel's own editors may connect it too."""
    if channel.organisation_id != user.organisation_id:
        return False
    return has_perm(user, Perm.MANAGE_ACCESS, channel.unit) or has_perm(
        user, Perm.EDIT_CHANNEL, channel.unit
    )


def connect(actor: User | None, channel: Channel, connected: Connected) -> Connection:
    """Store (or replace) the channel's credentials, encrypted; held posts then go out."""
    if actor is not None and not can_connect(actor, channel):
        raise PermissionDenied
    account = connected.account
    now = clock.now()
    with transaction.atomic():
        conn, created = Connection.objects.select_for_update().get_or_create(
            channel=channel,
            defaults={"organisation_id": channel.organisation_id, "connected_at": now},
        )
        conn.platform = channel.platform
        conn.account_id = account.account_id
        conn.account_name = account.handle
        conn.base_url = account.base_url
        conn.secret = crypto.encrypt_json(account.credentials)
        conn.expires_at = connected.expires_at
        conn.status = Connection.Status.OK
        conn.status_reason = ""
        conn.status_changed_at = now
        conn.warned_days = []
        conn.connected_by = actor
        conn.connected_at = now
        conn.last_checked_at = now
        conn.save()
        record(
            actor,
            "connection.connected",
            channel,
            data={
                "account": account.handle or account.account_id,
                "expires_at": connected.expires_at.isoformat() if connected.expires_at else None,
            },
        )
    return conn


def disconnect(actor: User, channel: Channel) -> None:
    if not can_connect(actor, channel):
        raise PermissionDenied
    with transaction.atomic():
        conn = Connection.objects.select_for_update().filter(channel=channel).first()
        if conn is None:
            return
        conn.status = Connection.Status.DISCONNECTED
        conn.secret = ""  # nothing kept that could still publish
        conn.status_reason = _("Disconnected by %(name)s.") % {"name": actor.get_full_name()}
        conn.status_changed_at = clock.now()
        conn.save()
        record(actor, "connection.disconnected", channel)


def _oauth_app(conn: Connection) -> OAuthApp:
    row = (
        PlatformApp.objects.filter(
            organisation_id=conn.organisation_id,
            platform=conn.platform,
            base_url__in=[conn.base_url, ""],
        )
        .order_by("-base_url")
        .first()
    )
    if row is None:
        raise AuthExpired("The app details for this platform are missing.", kind="not_connected")
    secret = crypto.decrypt_json(row.secret).get("client_secret", "")
    return OAuthApp(
        client_id=row.client_id, client_secret=secret, redirect_uri="", base_url=row.base_url
    )


def fresh_account(conn: Connection, connector: Connector) -> Account:
    """The account with a valid access token, renewing it first when the connector says so.

    Renewal happens under the connection's row lock and is stored before use: X's refresh
    tokens work once, so two workers renewing at once would lock the account out."""
    account = account_for(conn)
    if not connector.needs_refresh(account):
        return account
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=conn.pk)
        account = account_for(locked)
        if not connector.needs_refresh(account):
            return account  # another worker renewed it meanwhile
        renewed = connector.refresh(_oauth_app(locked), account)
        locked.secret = crypto.encrypt_json(renewed.account.credentials)
        locked.expires_at = renewed.expires_at
        locked.warned_days = []
        locked.last_checked_at = clock.now()
        locked.save(update_fields=["secret", "expires_at", "warned_days", "last_checked_at"])
        return renewed.account


def _renewable(conn: Connection) -> bool:
    return bool(crypto.decrypt_json(conn.secret).get("refresh_token"))


def check_expiry() -> dict[str, Any]:
    """Renew what can be renewed; otherwise warn 14 and 3 days before expiry (once each); at
    expiry stop the channel's queue."""
    now = clock.now()
    warned = expired = 0
    live = Connection.objects.filter(
        status=Connection.Status.OK, expires_at__isnull=False
    ).select_related("channel__unit")
    for conn in live:
        if registry.has_api(conn.platform) and _renewable(conn):
            try:
                fresh_account(conn, registry.get(conn.platform))
                continue
            except AuthExpired as e:
                lost(conn, e)
                expired += 1
                continue
            except ConnectorError:
                continue  # the platform is down; next hour again
        assert conn.expires_at is not None
        if conn.expires_at <= now:
            if Connection.objects.filter(pk=conn.pk, status=Connection.Status.OK).update(
                status=Connection.Status.EXPIRED,
                status_reason=_("The access token expired."),
                status_changed_at=now,
            ):
                record(None, "connection.lost", conn.channel, data={"kind": "token_expired"})
                notices.connection_lost(conn, "token_expired")
                expired += 1
            continue
        days_left = (conn.expires_at - now).total_seconds() / 86400
        due = [d for d in WARN_DAYS if days_left <= d and d not in conn.warned_days]
        if due:
            conn.warned_days = sorted({*conn.warned_days, *due}, reverse=True)
            conn.save(update_fields=["warned_days"])
            notices.connection_expiring(conn, max(1, int(days_left + 0.999)))
            warned += 1
    return {"warned": warned, "expired": expired}


def lost(conn: Connection, error: AuthExpired) -> bool:
    """Stop the channel's queue with a visible reason; tell its owner and IT once."""
    status = (
        Connection.Status.REVOKED
        if error.kind in ("account_gone", "permission_missing")
        else Connection.Status.EXPIRED
    )
    if not Connection.objects.filter(pk=conn.pk, status=Connection.Status.OK).update(
        status=status, status_reason=str(error.detail)[:2000], status_changed_at=clock.now()
    ):
        return False
    conn.status, conn.status_reason = status, str(error.detail)
    record(None, "connection.lost", conn.channel, data={"status": status, "kind": error.kind})
    notices.connection_lost(conn, error.kind)
    return True


def verify_all(organisation_id: int | None = None) -> dict[str, int]:
    """Ask each platform whether the stored credentials still work; a refused account stops
    its channel's queue with the platform's reason (instead of failing the next post)."""
    checked = stopped = 0
    live = Connection.objects.filter(status=Connection.Status.OK).select_related("channel__unit")
    if organisation_id is not None:
        live = live.filter(organisation_id=organisation_id)
    for conn in live:
        if not registry.has_api(conn.platform):
            continue
        connector = registry.get(conn.platform)
        try:
            check = connector.check_account(fresh_account(conn, connector))
        except AuthExpired as e:
            stopped += lost(conn, e)
            continue
        except ConnectorError:
            continue  # the platform is down; next time again
        checked += 1
        if check.ok:
            Connection.objects.filter(pk=conn.pk).update(last_checked_at=clock.now())
        else:
            detail = check.detail or _("The platform no longer accepts the stored credentials.")
            stopped += lost(conn, AuthExpired(detail))
    return {"checked": checked, "stopped": stopped}
