"""``somevahti apitoken USERNAME``: print the user's API token, creating it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from somevahti.audit.actions import record
from somevahti.core.models import User


class Command(BaseCommand):
    help = "Print the API token of a user (created on first use)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": username}, returncode=2)
        if not user.is_active:
            raise CommandError(
                _("The user “%(name)s” is deactivated and cannot have a token.")
                % {"name": username},
                returncode=2,
            )
        # An operator hands out credentials: that belongs in the audit trail.
        with transaction.atomic():
            token, created = Token.objects.get_or_create(user=user)
            if created:
                record(None, "user.api_token_created", user, organisation=user.organisation)
        self.stdout.write(token.key)
