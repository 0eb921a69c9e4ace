"""Thin periodic tasks for the registry: they call actions."""

from __future__ import annotations

from dataclasses import asdict

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from somevahti.registry.actions.dormancy import sweep_dormancy


# Huey runs with utc=True: 02:15 UTC is 04:15 in Helsinki in winter (03:15 in summer),
# a quiet hour either way.
@db_periodic_task(crontab(hour="2", minute="15"))
def daily_dormancy_sweep() -> dict[str, int]:
    """Flag under-maintained and dormant channels; safe to run twice."""
    return asdict(sweep_dormancy())
