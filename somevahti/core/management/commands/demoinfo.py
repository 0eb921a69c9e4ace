"""``somevahti demoinfo``: where the demo runs and how to log in (printed by ``make run``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from somevahti.core.management.commands.loaddemo import (
    ORG_NAME,
    SLUG,
    UNITS,
    USERS,
    demo_password,
)
from somevahti.core.models import User
from somevahti.core.roles import Role


class Command(BaseCommand):
    help = "Print the demo address and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Address of the site.")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the printout.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._print(options["url"].rstrip("/") + "/")

    def _print(self, url: str) -> None:
        present = set(
            User.objects.filter(organisation__slug=SLUG, is_active=True).values_list(
                "username", flat=True
            )
        )
        if not present:
            raise CommandError(
                _("The demo is not loaded. Run “somevahti loaddemo” first."), returncode=2
            )
        lang = translation.get_language() or settings.LANGUAGE_CODE
        password = demo_password()
        out = self.stdout
        out.write("")
        out.write(_("Somevahti is running at %(url)s") % {"url": f"{url}{lang}/"})
        out.write(_("Demo logins (all share one password):"))
        unit_names = {key: name for key, _parent, name, _kind in UNITS} | {"root": ORG_NAME}
        width = max(len(u[0]) for u in USERS)
        for username, first, last, _title, role, unit in USERS:
            if username in present:
                label = f"{Role(role).label}, {unit_names[unit]}"
                out.write(f"  {username.ljust(width)}  {label} ({first} {last})")
        if password:
            out.write(_("Password: %(password)s") % {"password": password})
        else:
            out.write(_("Password: the one in SOMEVAHTI_DEMO_PASSWORD when the demo was loaded."))
        out.write("")
