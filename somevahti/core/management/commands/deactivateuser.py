"""``somevahti deactivateuser USERNAME --by ADMIN --reason TEXT``: deactivate a person.

IT gets a revoke task for every channel the person still holds access to; the
command lists those channels.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from somevahti.core.errors import Conflict
from somevahti.core.models import User
from somevahti.registry.actions.access import deactivate_member


class Command(BaseCommand):
    help = "Deactivate a user and open IT tasks to revoke the access they hold."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--by", required=True, help="Username of the organisation admin doing this."
        )
        parser.add_argument("--reason", required=True, help="Why, for the audit trail.")

    def handle(self, *args: Any, **options: Any) -> None:
        username, by = options["username"], options["by"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": username}, returncode=2)
        admin = User.objects.filter(username=by, is_active=True).first()
        if admin is None:
            raise CommandError(_("No active user “%(name)s”.") % {"name": by}, returncode=2)
        try:
            tasks = deactivate_member(admin, user, options["reason"])
        except PermissionDenied as exc:
            raise CommandError(
                _("“%(admin)s” may not deactivate “%(name)s”: that needs the admin role.")
                % {"admin": by, "name": username},
                returncode=2,
            ) from exc
        except Conflict as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from exc
        self.stdout.write(_("%(name)s was deactivated.") % {"name": username})
        if not tasks:
            self.stdout.write(_("They held no recorded access to any channel."))
            return
        self.stdout.write(_("IT must revoke their access to these channels:"))
        for task in tasks:
            self.stdout.write(f"  {task.channel} (#{task.pk})")
