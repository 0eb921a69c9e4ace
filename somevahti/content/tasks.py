"""Thin periodic tasks for the editorial desk: they call actions and are safe to run twice.

Huey discovers tasks only in imported modules: other content task modules are imported here.
"""

from __future__ import annotations

from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from somevahti.content.programme_reminders import send_rota_reminders


# Every ten minutes: a reminder lands at most ten minutes after its moment.
@db_periodic_task(crontab(minute="*/10"))
def rota_reminders() -> dict[str, int]:
    """Remind the responsible person before an empty slot and the channel owners at it."""
    return asdict(send_rota_reminders())
