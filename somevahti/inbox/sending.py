"""Sending replies exactly once, for people's replies and automatic ones alike.

The claim is a conditional update (queued → sending), so the same task run twice calls the
platform once. The idempotency key was stored with the item before this runs. An unknown
outcome is never resent: a person checks the platform and settles it (``replies``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.audit.models import AuditEvent
from somevahti.connectors import registry
from somevahti.connectors.base import Connector
from somevahti.connectors.base import Delivery as Sent
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    Rejected,
    UnknownOutcome,
)
from somevahti.content.crisis import crisis_for
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.models import User
from somevahti.core.permissions import users_with_role_over
from somevahti.core.roles import Role
from somevahti.inbox import queries as q
from somevahti.inbox.incoming import Incoming
from somevahti.inbox.models import Conversation, InboxItem
from somevahti.inbox.parsers import PARSERS, Unreadable, parse_polled
from somevahti.publishing import connections
from somevahti.publishing.engine import SEND_LEASE
from somevahti.publishing.models import Connection

log = logging.getLogger(__name__)
OUT = InboxItem.Direction.OUT
# A queued reply whose task was lost is picked up by the sweep after this.
LOST_AFTER = dt.timedelta(minutes=2)


def connector_for(platform: str) -> Connector | None:
    """The platform's connector if it can send replies (a connector inherits a stub)."""
    if not registry.has_api(platform):
        return None
    connector = registry.get(platform)
    return connector if type(connector).reply is not Connector.reply else None


def crisis_owners(unit: Any) -> list[User]:
    return list(users_with_role_over(unit, [Role.CITY_MANAGER]))


def ask_approval(conv: Conversation, actor: User) -> None:
    who = str(actor)
    sender = conv.author_name or conv.author_handle
    for owner in crisis_owners(conv.unit):
        notify(
            owner,
            lambda: (
                _("Crisis mode: %(who)s's reply to %(sender)s waits for your approval.")
                % {"who": who, "sender": sender}
            ),
            url_for(owner, "inbox:conversation", conv.pk),
        )


# --- sending -----------------------------------------------------------------------------


def incoming_for(item: InboxItem, conn: Connection) -> Incoming:
    """The event answered, as its source produced it (re-read from the stored raw event),
    else rebuilt from the stored item."""
    answered = (
        InboxItem.objects.filter(
            conversation_id=item.conversation_id, direction=InboxItem.Direction.IN
        )
        .filter(external_id=item.parent_external_id)
        .select_related("raw_event", "conversation")
        .first()
    ) or q.last_incoming(item.conversation)
    if answered is None:
        raise Rejected("There is no received message to answer.", kind="content_rejected")
    raw = answered.raw_event
    if raw is not None:
        try:
            events = PARSERS.get(raw.source, parse_polled)(raw.body)
        except Unreadable:
            events = []
        for event in events:
            if event.external_id == answered.external_id:
                return dataclasses.replace(event, account_id=event.account_id or conn.account_id)
    kind = answered.conversation.kind
    return Incoming(
        source=answered.source,
        external_id=answered.external_id,
        kind=kind,
        thread_id=answered.author_handle
        if kind == Conversation.Kind.MESSAGE
        else answered.parent_external_id or answered.external_id,
        author_handle=answered.author_handle,
        author_name=answered.author_name,
        text=answered.text,
        sent_at=answered.sent_at,
        language=answered.language,
        url=answered.url,
        parent_external_id=answered.parent_external_id,
        account_id=conn.account_id,
    )


def _approved_in_crisis(item: InboxItem, crisis: Any) -> bool:
    return AuditEvent.objects.filter(
        verb="inbox.reply_crisis_approved",
        target_type="inbox.conversation",
        target_id=str(item.conversation_id),
        data__item=item.pk,
        created_at__gte=crisis.started_at,
    ).exists()


def send_reply(item_id: int) -> str:
    """Claim a queued reply and send it once; returns its delivery state. Safe to run twice:
    only the run whose conditional update moved it from queued to sending calls the platform."""
    now = clock.now()
    claimed = InboxItem.objects.filter(pk=item_id, direction=OUT, delivery_state=q.QUEUED).update(
        delivery_state=q.SENDING, sent_at=now
    )
    if not claimed:
        return (
            InboxItem.objects.filter(pk=item_id).values_list("delivery_state", flat=True).first()
            or ""
        )
    item = InboxItem.objects.select_related("conversation__unit", "channel", "sent_by").get(
        pk=item_id
    )
    crisis = crisis_for(item.conversation.unit)
    if crisis is not None and not item.automatic and not _approved_in_crisis(item, crisis):
        # Queued before crisis mode began: it now waits for the crisis owner like any other.
        InboxItem.objects.filter(pk=item_id, delivery_state=q.SENDING).update(
            delivery_state=q.AWAITING
        )
        record(None, "inbox.reply_awaiting_approval", item.conversation, data={"item": item.pk})
        if item.sent_by is not None:
            ask_approval(item.conversation, item.sent_by)
        return q.AWAITING
    channel = item.channel
    conn = Connection.objects.filter(channel=channel).first() if channel else None
    try:
        connector = connector_for(channel.platform) if channel else None
        if connector is None:
            raise Rejected("Somevahti cannot send replies to this platform.", kind="not_connected")
        if conn is None or not conn.usable:
            raise AuthExpired("The channel is not connected.", kind="not_connected")
        event = incoming_for(item, conn)
        account = connections.fresh_account(conn, connector)
    except ConnectorError as e:
        if isinstance(e, AuthExpired) and conn is not None and e.kind != "not_connected":
            connections.lost(conn, e)
        return _finish(item, q.FAILED, None, e)
    try:
        sent = connector.reply(account, event, item.text, item.idempotency_key)
    except UnknownOutcome as e:
        return _finish(item, q.UNCONFIRMED, None, e)
    except AuthExpired as e:
        connections.lost(conn, e)
        return _finish(item, q.FAILED, None, e)
    except ConnectorError as e:  # refused, or Transient: not sent either way, the text is kept
        return _finish(item, q.FAILED, None, e)
    except Exception as e:  # a connector bug must not lose track: the reply may be out
        log.exception("reply through %s raised", channel.platform if channel else "?")
        return _finish(item, q.UNCONFIRMED, None, UnknownOutcome(f"{type(e).__name__}: {e}"))
    return _finish(item, q.SENT, sent, None)


def _finish(item: InboxItem, state: str, sent: Sent | None, error: ConnectorError | None) -> str:
    now = clock.now()
    changes: dict[str, Any] = {"delivery_state": state, "error_detail": ""}
    if error is not None:
        changes["error_detail"] = str(error.detail or error)[:2000]
    if sent is not None:
        changes |= {"url": sent.url[:500], "sent_at": now}
        taken = InboxItem.objects.filter(
            organisation_id=item.organisation_id, source=item.source, external_id=sent.platform_id
        ).exists()
        if sent.platform_id and not taken:
            changes["external_id"] = sent.platform_id[:300]
    with transaction.atomic():
        if not InboxItem.objects.filter(pk=item.pk, delivery_state=q.SENDING).update(**changes):
            return InboxItem.objects.get(pk=item.pk).delivery_state
        verb = {q.SENT: "inbox.reply_sent", q.FAILED: "inbox.reply_failed"}.get(
            state, "inbox.reply_unconfirmed"
        )
        data = {"item": item.pk, "kind": error.kind if error else "", "url": changes.get("url", "")}
        record(None, verb, item.conversation, data=data)
        if state == q.SENT and not item.automatic:
            mark_answered(item.conversation_id, now)
        if state != q.SENT and item.sent_by is not None:
            tell_sender(
                item,
                lambda: (
                    _("Your reply could not be sent; it is kept in the composer.")
                    if state == q.FAILED
                    else _(
                        "We could not tell whether your reply went out. Check it on the platform."
                    )
                ),
            )
    return state


def mark_answered(conversation_id: int, at: dt.datetime) -> None:
    """A person's reply went out: the response clock stops and the conversation is answered."""
    conv = Conversation.objects.select_for_update().get(pk=conversation_id)
    conv.state = Conversation.State.ANSWERED
    conv.last_item_at = max(conv.last_item_at, at)
    if conv.first_response_at is None:
        conv.first_response_at = at
    conv.save(update_fields=["state", "last_item_at", "first_response_at"])


def tell_sender(item: InboxItem, text: Any) -> None:
    person = item.sent_by
    if person is not None and person.is_active:
        notify(person, text, url_for(person, "inbox:conversation", item.conversation_id))


def sweep() -> dict[str, int]:
    """Replies a lost task left queued are sent; ones a dead worker left sending become
    unconfirmed (the platform may have them: a person checks)."""
    now = clock.now()
    lost = list(
        InboxItem.objects.filter(
            direction=OUT, delivery_state=q.QUEUED, received_at__lt=now - LOST_AFTER
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in lost:
        send_reply(pk)
    stale = InboxItem.objects.filter(
        direction=OUT, delivery_state=q.SENDING, sent_at__lt=now - SEND_LEASE
    ).select_related("conversation", "sent_by")[:200]
    gone = 0
    for item in stale:
        err = UnknownOutcome("The worker stopped while sending.", kind="timeout")
        gone += _finish(item, q.UNCONFIRMED, None, err) == q.UNCONFIRMED
    return {"sent": len(lost), "unconfirmed": gone}
