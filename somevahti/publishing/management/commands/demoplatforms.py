"""``somevahti demoplatforms``: the demo's platforms, kept running until stopped.

Starts a local Bluesky PDS (installed by ``make setup``) and the Mastodon double, connects
the demo channels to them and schedules one post to both (``make run`` starts this).
"""

from __future__ import annotations

import shutil
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from somevahti.connectors import pds as pds_module
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.core.models import Organisation
from somevahti.inbox import demo as inbox_demo
from somevahti.publishing import demo


class Command(BaseCommand):
    help = "Run the demo's local Bluesky server and Mastodon double and connect the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mastodon-port", type=int, default=3001)
        parser.add_argument("--delay", type=int, default=90, help="Seconds until the demo post.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organisation.objects.filter(slug="vahtila").first()
        if org is None:
            raise CommandError(_("Load the demo first: somevahti loaddemo"), returncode=2)
        double = MastodonDouble(state_file=settings.VAR_DIR / "demo-mastodon.json")
        double.start(options["mastodon_port"])
        pds = None
        if pds_module.installed():
            # A fresh server each run: its directory of identities (PLC) lives in memory.
            shutil.rmtree(settings.VAR_DIR / "demo-pds", ignore_errors=True)
            pds = pds_module.LocalPds(settings.VAR_DIR / "demo-pds").start()
        else:
            self.stderr.write(_("The local Bluesky server is not installed (make setup)."))
        try:
            for line in demo.connect(org, pds, double):
                self.stdout.write(line)
            try:
                for line in inbox_demo.seed(org, pds, double):
                    self.stdout.write(line)
            except Exception as e:  # the platforms keep running for the rest of the demo
                self.stderr.write(f"Demo inbox messages could not be sent: {e}")
            post = demo.schedule_post(org, options["delay"])
            if post is not None and post.scheduled_at is not None:
                self.stdout.write(
                    _("Demo post “%(title)s” goes out at %(at)s.")
                    % {"title": post.title, "at": post.scheduled_at.isoformat(timespec="seconds")}
                )
            self.stdout.flush()
            stop = False

            def _stop(*_a: Any) -> None:
                nonlocal stop
                stop = True

            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
            while not stop:
                time.sleep(0.5)
        finally:
            double.stop()
            if pds is not None:
                pds.stop(cleanup=True)
