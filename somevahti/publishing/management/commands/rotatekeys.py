"""``somevahti rotatekeys``: encrypt every stored secret with a new key.

With keys in ``var/encryption_keys`` a new key is generated and put first, every secret is
re-encrypted, and the old keys are dropped once nothing needs them. With keys from
``SOMEVAHTI_ENCRYPTION_KEYS`` put the new key first in the variable yourself; this command
then re-encrypts everything with it, after which the old keys may be removed.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.core import crypto
from somevahti.publishing.models import Connection, PlatformApp


class Command(BaseCommand):
    help = "Re-encrypt stored platform tokens with a new key."

    def handle(self, *args: Any, **options: Any) -> None:
        from_env = crypto.keys_from_env()
        old = crypto.keys()
        if not from_env:
            # New key first, old ones still readable, before anything is rewritten.
            crypto.write_key_file([Fernet.generate_key(), *old])
        count = 0
        try:
            with transaction.atomic():
                for model in (Connection, PlatformApp):
                    for row in model.objects.exclude(secret="").select_for_update():
                        row.secret = crypto.rotate(row.secret)
                        row.save(update_fields=["secret"])
                        count += 1
        except crypto.SecretUnreadable:
            raise CommandError(
                _("A stored secret cannot be read with the current keys; nothing was changed."),
                returncode=2,
            ) from None
        if not from_env:
            crypto.write_key_file(crypto.keys()[:1])
        self.stdout.write(_("%(count)s secrets re-encrypted with the new key.") % {"count": count})
        if from_env:
            self.stdout.write(_("The other keys in SOMEVAHTI_ENCRYPTION_KEYS can now be removed."))
