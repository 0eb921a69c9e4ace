"""Builders for the inbox page, reply and API tests: conversations as ingest leaves them."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from conftest import Town
from somevahti.connectors.base import Account, Connected
from somevahti.connectors.fake import RecordingConnector
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.roles import Role
from somevahti.inbox.models import Conversation, InboxItem
from somevahti.publishing import connections
from somevahti.registry.models import Channel
from tests import factories as f

_seq = itertools.count(1)
QUESTION = "Milloin kirjaston satutunti alkaa ensi viikolla?"


def en(name: str, *args: object) -> str:
    """Pages in English, so the assertions read the same whatever the default language."""
    with translation.override("en"):
        return reverse(name, args=args)


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def channel(town: Town, platform: str = "mastodon", unit: Unit | None = None, **kw: Any) -> Channel:
    return f.channel(unit or town.unit, town.users[Role.CHANNEL_OWNER], platform=platform, **kw)


def connect(ch: Channel) -> Channel:
    account = Account(
        ch.platform, account_id=f"acct-{ch.pk}", handle=ch.name, credentials={"t": "x"}
    )
    connections.connect(None, ch, Connected(account))
    return ch


def conversation(
    town: Town,
    ch: Channel | None = None,
    *,
    text: str = QUESTION,
    klass: str = "question",
    state: str = Conversation.State.NEW,
    unit: Unit | None = None,
    author: str = "@maija@example.social",
    name: str = "Maija Meikäläinen",
    kind: str = Conversation.Kind.COMMENT,
    due_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
    assignee: User | None = None,
    reasons: list[dict[str, Any]] | None = None,
) -> Conversation:
    """One conversation with one received item, classified and (maybe) due."""
    n = next(_seq)
    now = at or clock.now()
    home = unit or (ch.unit if ch else town.unit)
    conv = Conversation.objects.create(
        organisation_id=home.organisation_id,
        channel=ch,
        unit=home,
        kind=kind,
        thread_key=f"test:{n}",
        author_handle=author,
        author_name=name,
        language="fi",
        state=state,
        klass=klass,
        assignee=assignee,
        waiting_since=now if due_at else None,
        due_at=due_at,
        last_item_at=now,
        created_at=now,
    )
    incoming(conv, text, at=now, klass=klass, reasons=reasons)
    return conv


def incoming(
    conv: Conversation,
    text: str,
    *,
    at: dt.datetime | None = None,
    klass: str = "question",
    reasons: list[dict[str, Any]] | None = None,
) -> InboxItem:
    now = at or clock.now()
    return InboxItem.objects.create(
        organisation_id=conv.organisation_id,
        conversation=conv,
        channel=conv.channel,
        external_id=f"109{next(_seq):06d}",
        source=conv.channel.platform if conv.channel else "ingest",
        author_handle=conv.author_handle,
        author_name=conv.author_name,
        text=text,
        language="fi",
        sent_at=now,
        received_at=now,
        klass=klass,
        class_reasons=reasons or [],
    )


def producer_elsewhere(town: Town) -> User:
    """A content producer of another sector: sees nothing of the library's inbox."""
    return f.user(town.org, (Role.CONTENT_PRODUCER, town.other_sector))


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordingConnector:
    """Every platform goes to the recording double; its file counts calls from outside."""
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("SOMEVAHTI_CONNECTORS", f"fake:{path}")
    return RecordingConnector(path, "fake")
