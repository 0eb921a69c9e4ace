"""Run the daily dormancy check now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from somevahti.registry.actions.dormancy import sweep_dormancy


class Command(BaseCommand):
    help = "Compare every channel with its target rhythm now and flag dormant ones."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_dormancy()
        self.stdout.write(
            _(
                "Checked %(checked)s channels: %(active)s back to active, "
                "%(under)s under-maintained, %(dormant)s dormant, "
                "%(reviews)s revive-or-close decisions opened."
            )
            % {
                "checked": result.checked,
                "active": result.to_active,
                "under": result.to_under_maintained,
                "dormant": result.to_dormant,
                "reviews": result.reviews_opened,
            }
        )
