"""Polling a channel's inbox: a Mastodon channel connected to the double through OAuth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from conftest import Town
from somevahti.connectors.base import Account, Connected, OutgoingPost
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.mastodon import MastodonConnector
from somevahti.connectors.tests.harness_mastodon import connect
from somevahti.content.tests.builders import channel
from somevahti.core import clock
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.inbox import polling, tasks
from somevahti.inbox.models import Conversation, InboxItem, RawEvent
from somevahti.inbox.parsers import parse_polled
from somevahti.publishing import connections
from somevahti.publishing.models import Connection
from somevahti.registry.models import Channel, ChannelStatus


@pytest.fixture
def double() -> Iterator[MastodonDouble]:
    cache.clear()  # pauses noted by earlier tests
    d = MastodonDouble().start()
    d.add_account("asukas", "Aino Asukas", language="fi")
    yield d
    d.stop()
    cache.clear()


@pytest.fixture
def account(double: MastodonDouble) -> Account:
    return connect(MastodonConnector(timeout=5), double)


def _connected(town: Town, account: Account, **fields: Any) -> Channel:
    ch = channel(town, "mastodon", name="Kaupungin Mastodon", **fields)
    connections.connect(None, ch, Connected(account))
    return ch


def _statuses_read(double: MastodonDouble) -> int:
    return sum(1 for _m, path in double.log if path == "/api/v1/notifications")


def test_new_events_are_stored_once_and_become_inbox_items(
    town: Town, double: MastodonDouble, account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    ch = _connected(town, account)
    post = OutgoingPost(text="Uimahalli avautuu maanantaina.", created_at=dt.datetime.now(dt.UTC))
    ours = MastodonConnector(timeout=5).publish(account, post, "tiedote-1").platform_id
    double.post_as("asukas", "Mihin aikaan uimahalli aukeaa?", in_reply_to_id=ours)
    double.post_as("asukas", "@kaupunki voinko antaa palautetta täällä?", visibility="direct")

    with django_capture_on_commit_callbacks(execute=True):
        assert polling.poll_channel(ch.pk) == 2

    raws = RawEvent.objects.filter(channel=ch, source="mastodon")
    assert raws.count() == 2
    events = [parse_polled(r.body)[0] for r in raws]
    assert {e.kind for e in events} == {"comment", "message"}
    assert all(e.account_id == account.account_id for e in events)
    items = InboxItem.objects.filter(channel=ch, direction=InboxItem.Direction.IN)
    items = items.select_related("conversation")
    assert sorted((i.conversation.kind, i.text) for i in items) == [
        (Conversation.Kind.COMMENT, "@kaupunki Mihin aikaan uimahalli aukeaa?"),
        (Conversation.Kind.MESSAGE, "@kaupunki voinko antaa palautetta täällä?"),
    ]
    cursor = Connection.objects.get(channel=ch).inbox_cursor
    assert cursor  # the newest notification id

    assert polling.poll_channel(ch.pk) == 0  # nothing new: nothing stored
    assert RawEvent.objects.filter(channel=ch).count() == 2
    double.post_as("asukas", "Kiitos vastauksesta!", in_reply_to_id=ours)
    assert polling.poll_channel(ch.pk) == 1
    assert Connection.objects.get(channel=ch).inbox_cursor != cursor


def test_a_rate_limit_pauses_the_channel_until_the_platform_allows(
    town: Town, double: MastodonDouble, account: Account
) -> None:
    ch = _connected(town, account)
    double.post_as("asukas", "@kaupunki hei!")
    double.rate_limit = 0
    assert polling.poll_channel(ch.pk) == 0
    conn = Connection.objects.get(channel=ch)
    until = polling.paused_until(conn)
    assert until is not None and until > clock.now()
    asked = _statuses_read(double)
    double.rate_limit = 300
    assert polling.poll_channel(ch.pk) == 0  # still paused: the platform is not asked
    assert _statuses_read(double) == asked
    assert conn.inbox_cursor == "" and RawEvent.objects.count() == 0
    with clock.frozen(until + dt.timedelta(seconds=1)):
        assert polling.poll_channel(ch.pk) == 1


def test_a_revoked_token_stops_the_channel_and_tells_its_owner(
    town: Town, double: MastodonDouble, account: Account
) -> None:
    ch = _connected(town, account)
    double.revoke(account.credentials["access_token"])
    assert polling.poll_channel(ch.pk) == 0
    conn = Connection.objects.get(channel=ch)
    assert conn.status == Connection.Status.EXPIRED
    assert conn.status_reason == "The access token was revoked"
    owner = town.users[Role.CHANNEL_OWNER]
    assert Notification.objects.filter(user=owner, text__contains=ch.name).exists()
    assert ch.pk not in polling.channels_to_poll()


def test_the_periodic_task_polls_every_connected_open_channel(
    town: Town, double: MastodonDouble, account: Account
) -> None:
    open_channel = _connected(town, account)
    other = double.add_account("toinen", "Toinen tili")
    double.sign_in(other)
    closed = _connected(
        town, connect(MastodonConnector(timeout=5), double), status=ChannelStatus.CLOSED
    )
    double.post_as("asukas", "@kaupunki @toinen kysymys kummallekin")

    assert polling.channels_to_poll() == [open_channel.pk]
    tasks.poll_inboxes.call_local()  # queues one task per channel; inline in tests

    assert RawEvent.objects.filter(channel=open_channel).count() == 1
    assert not RawEvent.objects.filter(channel=closed).exists()


def test_a_slower_poll_does_not_move_the_cursor_back(
    town: Town, double: MastodonDouble, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    ch = _connected(town, account)
    double.post_as("asukas", "@kaupunki kysymys")
    original = MastodonConnector.fetch_events

    def overtaken(self: MastodonConnector, acct: Account, since: str | None) -> Any:
        answer = original(self, acct, since)
        # Meanwhile another worker finished a poll of the same channel.
        Connection.objects.filter(channel=ch).update(inbox_cursor="999999999999999999")
        return answer

    monkeypatch.setattr(MastodonConnector, "fetch_events", overtaken)
    assert polling.poll_channel(ch.pk) == 1  # the events are kept either way
    assert Connection.objects.get(channel=ch).inbox_cursor == "999999999999999999"
