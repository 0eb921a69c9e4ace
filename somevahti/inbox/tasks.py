"""Thin inbox tasks: they take ids, call the inbox's functions and are safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from somevahti.inbox import ingest
from somevahti.inbox.models import RawEvent


@db_task(retries=3, retry_delay=30)
def process_raw_event(raw_id: int) -> str:
    """Turn a stored raw event into inbox items."""
    return ingest.process(raw_id)


@db_periodic_task(crontab(minute="*/5"))
def process_pending() -> int:
    """Raw events whose task was lost (a worker stopped): processed from the database."""
    ids = list(
        RawEvent.objects.filter(state=RawEvent.State.PENDING)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        ingest.process(pk)
    return len(ids)


@db_periodic_task(crontab(minute="*/10"))
def check_response_targets() -> dict[str, int]:
    """Warn before response targets are missed and escalate after (once each)."""
    from somevahti.inbox.targets import check_targets

    return check_targets()


@db_task()
def send_reply_task(item_id: int) -> str:
    """Send one queued reply; a second run finds it claimed and calls nobody."""
    from somevahti.inbox.replies import send_reply

    return send_reply(item_id)


@db_periodic_task(crontab(minute="*"))
def reply_sweep() -> dict[str, int]:
    """Replies a lost task left queued are sent; a dead worker's are marked unconfirmed."""
    from somevahti.inbox.replies import sweep

    return sweep()


@db_task()
def poll_channel_task(channel_id: int) -> int:
    """Read one channel's new comments, mentions and messages from its platform."""
    from somevahti.inbox.polling import poll_channel

    return poll_channel(channel_id)


@db_periodic_task(crontab(minute="*/2"))
def poll_inboxes() -> int:
    """Every two minutes: one polling task per connected channel (Bluesky, Mastodon, ...)."""
    from somevahti.inbox.polling import channels_to_poll

    ids = channels_to_poll()
    for channel_id in ids:
        poll_channel_task(channel_id)
    return len(ids)
