"""Fixtures for the engine: the recording double for every platform, connected channels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Town
from somevahti.connectors.base import Account, Connected
from somevahti.connectors.fake import RecordingConnector
from somevahti.content import actions
from somevahti.content.models import Post
from somevahti.content.tests.builders import approved, channel
from somevahti.core import clock
from somevahti.core.roles import Role
from somevahti.publishing import connections
from somevahti.registry.models import Channel

SCHEDULE_AT = dt.datetime(2030, 3, 6, 10, 0, tzinfo=dt.UTC)
BEFORE = SCHEDULE_AT - dt.timedelta(days=1)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingConnector:
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("SOMEVAHTI_CONNECTORS", f"fake:{path}")
    return RecordingConnector(path, "fake")


def connect(ch: Channel, expires_at: dt.datetime | None = None) -> Channel:
    account = Account(
        ch.platform, account_id=f"acct-{ch.pk}", handle=ch.name, credentials={"t": "x"}
    )
    connections.connect(None, ch, Connected(account, expires_at))
    return ch


@pytest.fixture
def connected(town: Town) -> Callable[..., Channel]:
    def make(platform: str = "bluesky", **fields: object) -> Channel:
        return connect(channel(town, platform, **fields))

    return make


def scheduled(
    town: Town,
    *channels: Channel,
    body: str = "Satutuokio keskiviikkona.",
    at: dt.datetime = SCHEDULE_AT,
) -> Post:
    with clock.frozen(BEFORE):
        post = approved(town, *channels, body=body)
        return actions.schedule(town.users[Role.CHANNEL_OWNER], post, at)
