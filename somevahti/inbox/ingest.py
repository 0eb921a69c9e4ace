"""Durable first: store the raw event, answer the platform, process it in a task.

The same event twice is one raw event (a unique key) and one item (a unique external id).
Processing turns events into conversations and items and runs the pipeline: classify,
route, start the response clock, maybe auto-reply.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from somevahti.core import clock
from somevahti.core.models import Organisation, Unit
from somevahti.inbox.incoming import Incoming
from somevahti.inbox.models import Conversation, InboxItem, RawEvent, WebhookRejection
from somevahti.inbox.parsers import PARSERS, Unreadable, parse_polled
from somevahti.publishing.models import Connection
from somevahti.registry.models import Channel

log = logging.getLogger(__name__)
# Larger bodies are kept (for inspection) but not parsed.
MAX_BODY = 1024 * 1024
# Platform names of the sources, to find the channel an event came to.
SOURCE_PLATFORMS = {
    "facebook": ("facebook",),
    "instagram": ("instagram",),
    "bluesky": ("bluesky",),
    "mastodon": ("mastodon",),
}
KEPT_HEADERS = ("content-type", "user-agent", "x-somevahti-key", "x-somevahti-timestamp")


def body_key(source: str, body: bytes) -> str:
    return f"{source}:sha256:{hashlib.sha256(body).hexdigest()}"


def store_raw(
    source: str,
    dedup_key: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    organisation: Organisation | None = None,
    channel: Channel | None = None,
) -> tuple[RawEvent, bool]:
    """Keep the event as received; returns (event, created). Processing is enqueued after
    commit. A database error propagates: the webhook then answers 503 and the platform
    sends the event again."""
    oversized = len(body) > MAX_BODY
    text = body[:MAX_BODY].decode("utf-8", errors="replace")
    kept = {k: v for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
    with transaction.atomic():
        raw, created = RawEvent.objects.get_or_create(
            dedup_key=dedup_key[:200],
            defaults={
                "source": source,
                "organisation": organisation,
                "channel": channel,
                "received_at": clock.now(),
                "headers": kept,
                "body": text,
                "oversized": oversized,
                "state": RawEvent.State.FAILED if oversized else RawEvent.State.PENDING,
                "error": f"The body is {len(body)} bytes; only {MAX_BODY} are kept."
                if oversized
                else "",
            },
        )
        if created and not oversized:
            transaction.on_commit(lambda: _enqueue(raw.pk))
    return raw, created


def _enqueue(raw_id: int) -> None:
    from somevahti.inbox.tasks import process_raw_event

    process_raw_event(raw_id)


def store_polled(channel: Channel, incoming: list[Incoming]) -> int:
    """Events a poller fetched for ``channel``; returns how many were new."""
    new = 0
    for event in incoming:
        data = dataclasses.asdict(event)
        data["sent_at"] = event.sent_at.isoformat()
        body = json.dumps(data, ensure_ascii=False, default=str).encode()
        _raw, created = store_raw(
            event.source,
            f"{event.source}:{channel.pk}:{event.external_id}",
            body,
            organisation=channel.organisation,
            channel=channel,
        )
        new += created
    return new


def count_rejection(source: str, reason: str) -> None:
    """Refused webhooks are counted (and never stored): forged, replayed, unsigned."""
    now = clock.now()
    updated = WebhookRejection.objects.filter(source=source, reason=reason).update(
        count=F("count") + 1, last_at=now
    )
    if not updated:
        try:
            with transaction.atomic():
                WebhookRejection.objects.create(source=source, reason=reason, count=1, last_at=now)
        except IntegrityError:
            WebhookRejection.objects.filter(source=source, reason=reason).update(
                count=F("count") + 1, last_at=now
            )


# --- processing ----------------------------------------------------------------------


def _parse(raw: RawEvent) -> list[Incoming]:
    parser = PARSERS.get(raw.source)
    if parser is not None:
        return parser(raw.body)
    return parse_polled(raw.body)


def _channel_for(raw: RawEvent, event: Incoming) -> Channel | None:
    if raw.channel_id is not None:
        return raw.channel
    platforms = SOURCE_PLATFORMS.get(event.source)
    if not platforms or not event.account_id:
        return None
    conn = (
        Connection.objects.filter(platform__in=platforms, account_id=event.account_id)
        .select_related("channel__unit", "channel__organisation")
        .first()
    )
    return conn.channel if conn is not None else None


def _root_unit(org: Organisation) -> Unit:
    return Unit.objects.get(organisation=org, parent__isnull=True)


def process(raw_id: int) -> str:
    """Turn one raw event into items; safe to run twice. Returns the raw event's state."""
    with transaction.atomic():
        raw = RawEvent.objects.select_for_update().filter(pk=raw_id).first()
        if raw is None or raw.state != RawEvent.State.PENDING:
            return raw.state if raw else ""
        raw.attempts += 1
        try:
            events = _parse(raw)
        except Unreadable as e:
            return _finish(raw, RawEvent.State.FAILED, str(e))
        except (KeyError, TypeError, AttributeError, ValueError) as e:
            # A shape the parser did not expect: keep it for an admin, don't retry forever.
            return _finish(raw, RawEvent.State.FAILED, f"{type(e).__name__}: {e}")
        problems: list[str] = []
        made = 0
        for event in events:
            try:
                with transaction.atomic():
                    made += _ingest_one(raw, event, problems)
            except IntegrityError:
                continue  # the same item arrived before: nothing to do
        if problems and not made:
            return _finish(raw, RawEvent.State.FAILED, "; ".join(problems))
        state = RawEvent.State.PROCESSED if made else RawEvent.State.IGNORED
        return _finish(raw, state, "; ".join(problems))


def _finish(raw: RawEvent, state: str, error: str) -> str:
    raw.state = state
    raw.error = error[:5000]
    raw.processed_at = clock.now()
    raw.save(update_fields=["state", "error", "processed_at", "attempts"])
    return state


def _ingest_one(raw: RawEvent, event: Incoming, problems: list[str]) -> int:
    channel = _channel_for(raw, event)
    # Only the signed ingest may bring items without a channel; a platform event must come
    # to an account a channel is connected to.
    org = channel.organisation if channel is not None else None
    if channel is None and event.source == "ingest":
        org = raw.organisation
    if org is None:
        problems.append(f"No channel is connected to account {event.account_id!r}.")
        return 0
    if not event.text.strip():
        return 0  # stickers, likes, empty attachments: nothing to answer
    if InboxItem.objects.filter(
        organisation=org, source=event.source, external_id=event.external_id
    ).exists():
        return 0
    now = clock.now()
    unit = channel.unit if channel is not None else _root_unit(org)
    thread_key = ":".join(
        [event.source, str(channel.pk if channel else 0), event.kind, event.thread_id]
        + [event.author_handle]
    )[:300]
    conversation, _created = Conversation.objects.select_for_update().get_or_create(
        organisation=org,
        thread_key=thread_key,
        defaults={
            "channel": channel,
            "unit": unit,
            "kind": event.kind,
            "author_handle": event.author_handle,
            "author_name": event.author_name,
            "language": event.language,
            "last_item_at": event.sent_at,
            "created_at": now,
        },
    )
    item = InboxItem.objects.create(
        organisation=org,
        conversation=conversation,
        channel=channel,
        raw_event=raw,
        external_id=event.external_id,
        source=event.source,
        parent_external_id=event.parent_external_id,
        author_handle=event.author_handle,
        author_name=event.author_name,
        text=event.text,
        language=event.language,
        url=event.url,
        sent_at=event.sent_at,
        received_at=now,
    )
    reopened = conversation.state in (Conversation.State.ANSWERED, Conversation.State.CLOSED)
    conversation.last_item_at = max(conversation.last_item_at, event.sent_at)
    fields = ["last_item_at", "state"]
    if reopened:
        # A new round: the old clock (possibly closed unanswered) must not run on.
        conversation.state = Conversation.State.NEW
        conversation.due_at = conversation.waiting_since = None
        conversation.warned_at = conversation.escalated_at = None
        fields += ["due_at", "waiting_since", "warned_at", "escalated_at"]
    conversation.save(update_fields=fields)
    _pipeline(conversation, item)
    return 1


def _pipeline(conversation: Conversation, item: InboxItem) -> None:
    from somevahti.inbox import autoreply, classify, hours, routing

    classify.classify_item(item)
    routing.route(conversation, item)
    hours.start_clock(conversation, item)
    autoreply.maybe_auto_reply(conversation, item)


def summary(raw: RawEvent) -> dict[str, Any]:
    return {"id": raw.pk, "source": raw.source, "state": raw.state, "error": raw.error}
