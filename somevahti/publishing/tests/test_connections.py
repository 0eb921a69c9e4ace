"""Token expiry warnings, key rotation and connecting through the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import Town
from somevahti.connectors.fake import RecordingConnector
from somevahti.content.tests.builders import channel
from somevahti.core import clock, crypto
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.publishing.connections import check_expiry
from somevahti.publishing.models import Connection
from somevahti.publishing.tests.conftest import connect
from somevahti.registry.models import Channel

NOW = dt.datetime(2030, 5, 1, 9, 0, tzinfo=dt.UTC)


def test_owner_and_it_are_warned_14_and_3_days_before_once_each(town: Town) -> None:
    ch = connect(channel(town, "linkedin"), expires_at=NOW + dt.timedelta(days=20))
    owner, it = town.users[Role.CHANNEL_OWNER], town.users[Role.IT]

    def warnings() -> int:
        return Notification.objects.filter(user=owner, text__contains=ch.name).count()

    with clock.frozen(NOW):
        check_expiry()
    assert warnings() == 0
    with clock.frozen(NOW + dt.timedelta(days=6, hours=1)):
        check_expiry()
        check_expiry()
    assert warnings() == 1
    assert Notification.objects.filter(user=it, text__contains=ch.name).count() == 1
    with clock.frozen(NOW + dt.timedelta(days=17, hours=1)):
        check_expiry()
    assert warnings() == 2
    with clock.frozen(NOW + dt.timedelta(days=20, seconds=1)):
        check_expiry()
    conn = Connection.objects.get(channel=ch)
    assert conn.status == Connection.Status.EXPIRED
    assert warnings() == 3  # the last one says publishing has stopped


def test_rotatekeys_reencrypts_and_drops_the_old_key(
    town: Town, settings: Any, tmp_path: Path, connected: Callable[..., Channel]
) -> None:
    settings.ENCRYPTION_KEYS_ENV = ""
    settings.ENCRYPTION_KEYS_FILE = tmp_path / "keys"
    ch = connected()
    before = Connection.objects.get(channel=ch).secret
    old_key = crypto.keys()
    out = StringIO()
    call_command("rotatekeys", stdout=out)
    after = Connection.objects.get(channel=ch).secret
    assert after != before and crypto.decrypt_json(after) == {"t": "x"}
    assert crypto.keys() != old_key and len(crypto.keys()) == 1
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(before)


def test_rotatekeys_refuses_when_a_secret_cannot_be_read(
    town: Town, settings: Any, tmp_path: Path, connected: Callable[..., Channel]
) -> None:
    settings.ENCRYPTION_KEYS_ENV = ""
    settings.ENCRYPTION_KEYS_FILE = tmp_path / "keys"
    ch = connected()
    Connection.objects.filter(channel=ch).update(
        secret=Fernet(Fernet.generate_key()).encrypt(b"{}").decode()
    )
    keys_before = crypto.keys()
    with pytest.raises(CommandError) as info:
        call_command("rotatekeys")
    assert info.value.returncode == 2
    assert crypto.keys()[1:] == keys_before  # the old key is still there: nothing lost


def test_bluesky_login_errors_show_on_the_field_and_store_nothing(
    town: Town, fake: RecordingConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client
    from django.urls import reverse

    from somevahti.connectors.errors import AuthExpired
    from somevahti.publishing import views

    ch = channel(town, "bluesky")

    class Refusing:
        def login(self, *a: Any) -> Any:
            raise AuthExpired("Invalid identifier or password", kind="token_expired")

    monkeypatch.setattr(views.registry, "get", lambda platform: Refusing())
    client = Client()
    client.force_login(town.users[Role.IT])
    response = client.post(
        reverse("publishing:connect_password", args=[ch.pk]),
        {"server": "https://bsky.social", "handle": "kirjasto.bsky.social", "app_password": "x"},
    )
    assert response.status_code == 400
    assert 'href="#id_app_password"' in response.content.decode()
    assert not Connection.objects.filter(channel=ch).exists()
