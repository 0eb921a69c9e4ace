"""Thin tasks: they call the engine, take ids, and are safe to run twice or in parallel."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from somevahti.publishing import connections, engine


@db_task()
def publish_due() -> dict[str, Any]:
    """Woken at a post's time (and by the sweep): open, claim and send what is due."""
    return asdict(engine.run())


@db_periodic_task(crontab(minute="*"))
def publishing_sweep() -> dict[str, Any]:
    """Every minute: anything a lost wake-up or a dead worker left behind."""
    return asdict(engine.run())


@db_periodic_task(crontab(minute="7"))
def connection_expiry() -> dict[str, int]:
    """Hourly: warn 14 and 3 days before a token expires; stop the queue when it has."""
    return connections.check_expiry()


@db_periodic_task(crontab(hour="5", minute="23"))
def connection_check() -> dict[str, int]:
    """Daily: do the platforms still accept each channel's credentials?"""
    return connections.verify_all()


def wake_at(when: dt.datetime | None) -> None:
    """Ask a worker to publish at ``when``; the minute sweep covers a lost wake-up."""
    if when is not None:
        publish_due.schedule(eta=when)
