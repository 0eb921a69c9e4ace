"""``somevahti publish``: send what is due now, in this process (the worker does this every
minute by itself). ``--recover-now`` after a crash when no worker is running: every lease
is treated as run out, so unsent deliveries are queued again and sent ones looked up."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from somevahti.core import clock
from somevahti.publishing import engine
from somevahti.publishing.models import Delivery


class Command(BaseCommand):
    help = "Publish due posts now and recover deliveries left by a stopped worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recover-now",
            action="store_true",
            help="Only when no worker runs: take over every delivery in progress at once.",
        )
        parser.add_argument("--max-seconds", type=float, default=300.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["recover_now"]:
            Delivery.objects.filter(
                state__in=(Delivery.State.CLAIMED, Delivery.State.SENDING)
            ).update(lease_until=clock.now())
        stats = engine.run(max_seconds=options["max_seconds"], batch=20)
        self.stdout.write(json.dumps(asdict(stats)))
