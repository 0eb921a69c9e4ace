"""Thin tasks: they take ids and call actions."""

from __future__ import annotations

import datetime as dt

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from somevahti.core import clock
from somevahti.core.actions import send_notification_email
from somevahti.core.models import Notification

MAX_EMAIL_ATTEMPTS = 5


@db_task(retries=2, retry_delay=30)
def deliver_notification_email(notification_id: int) -> bool:
    return send_notification_email(notification_id)


@db_periodic_task(crontab(minute="*/10"))
def retry_notification_emails() -> int:
    """Catch up on e-mails whose task was lost or whose delivery failed."""
    cutoff = clock.now() - dt.timedelta(minutes=5)
    ids = list(
        Notification.objects.filter(
            email_state__in=["pending", "failed"],
            email_attempts__lt=MAX_EMAIL_ATTEMPTS,
            created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:500]
    )
    return sum(send_notification_email(pk) for pk in ids)
