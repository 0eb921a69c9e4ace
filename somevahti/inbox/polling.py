"""Polling the platforms that do not push their events: a cursor per channel.

Every two minutes ``tasks.poll_inboxes`` queues ``poll_channel`` for each connected channel
whose connector can ``fetch_events``. One poll: renew the token if needed, ask for what came
after the stored cursor, store the events (``ingest.store_polled``: one raw event each,
de-duplicated, processed in tasks) and only then, in the same transaction, the new cursor, so
a crash between the two costs a repeat (absorbed by the de-duplication), never an event.

Refusals: ``AuthExpired`` stops the channel as publishing does (``connections.lost``: its
owner and IT are told once); ``Transient`` skips the channel until the platform's
``retry_after`` has passed. That pause is kept in Django's cache: with the default
per-process cache another worker process may ask once more and be told again, which costs
one request, not an event.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.db import transaction

from somevahti.connectors import registry
from somevahti.connectors.base import Connector
from somevahti.connectors.errors import AuthExpired, ConnectorError, Transient
from somevahti.core import clock
from somevahti.inbox import ingest
from somevahti.publishing import connections
from somevahti.publishing.models import Connection
from somevahti.registry.models import ChannelStatus

log = logging.getLogger(__name__)
CURSOR_MAX = Connection._meta.get_field("inbox_cursor").max_length or 1000
DEFAULT_PAUSE = 300.0  # seconds, when a platform says "later" without saying when


def can_poll(connector: Connector) -> bool:
    """Whether the connector reads an inbox (connectors inherit a stub that raises)."""
    return type(connector).fetch_events is not Connector.fetch_events


def _pollable(platform: str) -> bool:
    if not registry.has_api(platform):
        return False
    try:
        return can_poll(registry.get(platform))
    except ImportError:  # the platform's SDK is missing: only that platform is off
        log.warning("Connector for %s cannot be loaded; its inbox is not polled.", platform)
        return False


def channels_to_poll() -> list[int]:
    """Channels with a working connection on a platform we can poll, closed ones left out.
    Only the platforms in use are asked (importing a connector loads its SDK)."""
    live = list(
        Connection.objects.filter(status=Connection.Status.OK)
        .exclude(channel__status=ChannelStatus.CLOSED)
        .order_by("channel_id")
        .values_list("channel_id", "platform")
    )
    pollable = {p for p in {p for _c, p in live} if _pollable(p)}
    return [channel_id for channel_id, platform in live if platform in pollable]


def _pause_key(conn: Connection) -> str:
    return f"somevahti:inbox-pause:{conn.pk}"


def paused_until(conn: Connection) -> dt.datetime | None:
    """When the platform lets us ask again, if it told us to wait."""
    until = cache.get(_pause_key(conn))
    return until if isinstance(until, dt.datetime) and until > clock.now() else None


def _pause(conn: Connection, error: Transient) -> dt.datetime:
    seconds = error.retry_after if error.retry_after else DEFAULT_PAUSE
    until = clock.now() + dt.timedelta(seconds=seconds)
    cache.set(_pause_key(conn), until, timeout=int(seconds) + 60)
    return until


def poll_channel(channel_id: int) -> int:
    """Fetch the channel's new comments, mentions and messages; returns how many were new."""
    conn = (
        Connection.objects.select_related("channel__organisation", "channel__unit")
        .filter(channel_id=channel_id)
        .first()
    )
    if conn is None or not conn.usable or not registry.has_api(conn.platform):
        return 0
    if paused_until(conn) is not None:
        return 0
    connector = registry.get(conn.platform)
    if not can_poll(connector):
        return 0
    before = conn.inbox_cursor
    try:
        account = connections.fresh_account(conn, connector)
        events, cursor = connector.fetch_events(account, before or None)
    except AuthExpired as e:
        connections.lost(conn, e)
        return 0
    except Transient as e:
        until = _pause(conn, e)
        log.info("Inbox of channel %s paused until %s: %s", channel_id, until, e.detail)
        return 0
    except ConnectorError as e:  # a read refused for another reason: try next round
        log.warning("Inbox of channel %s not read: %s", channel_id, e.summary())
        return 0
    cursor = cursor or ""
    if len(cursor) > CURSOR_MAX:
        log.error(
            "Inbox cursor of channel %s is %s characters; kept the old.", channel_id, len(cursor)
        )
        cursor = before
    with transaction.atomic():
        new = ingest.store_polled(conn.channel, events)
        # Only over the cursor this poll started from: a slower poll of the same channel
        # must not move it back (its events are stored either way).
        Connection.objects.filter(pk=conn.pk, inbox_cursor=before).update(inbox_cursor=cursor)
    return new


def poll_all() -> dict[str, int]:
    """Poll every channel in this process (the command line; the task queues them)."""
    channels = events = 0
    for channel_id in channels_to_poll():
        channels += 1
        events += poll_channel(channel_id)
    return {"channels": channels, "events": events}
