"""A resident's comment polled from the Mastodon double, answered from the composer through
the real Mastodon connector: one status on the server, threaded under the comment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Town
from somevahti.connectors.base import Connected
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.mastodon import MastodonConnector
from somevahti.connectors.tests.harness_mastodon import connect
from somevahti.core import clock
from somevahti.core.roles import Role
from somevahti.inbox import ingest, polling, replies
from somevahti.inbox.models import Conversation, InboxItem, RawEvent
from somevahti.inbox.tests.page_builders import channel, en, web
from somevahti.publishing import connections

pytestmark = pytest.mark.django_db
# Tuesday 10.00 in Helsinki: open, so no automatic reply joins in.
OPEN = dt.datetime(2030, 3, 5, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def double() -> Iterator[MastodonDouble]:
    d = MastodonDouble().start()
    d.add_account("asukas", "Aino Asukas", language="fi")
    yield d
    d.stop()


def test_comment_from_the_double_is_answered_once_in_its_thread(
    town: Town,
    double: MastodonDouble,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.delenv("SOMEVAHTI_CONNECTORS", raising=False)
    connector = MastodonConnector(timeout=5)
    ch = channel(town, "mastodon", name="Kirjaston Mastodon")
    account = connect(connector, double)
    connections.connect(None, ch, Connected(account))
    ours = double.new_status(account.account_id, "Kirjasto on kesällä auki arkisin.")["id"]
    comment = double.post_as("asukas", "Onko kirjasto auki juhannuksena?", in_reply_to_id=ours)
    with clock.frozen(OPEN):
        assert polling.poll_channel(ch.pk) == 1
        for raw in RawEvent.objects.filter(state=RawEvent.State.PENDING):
            ingest.process(raw.pk)
        conv = Conversation.objects.get()
        owner = town.users[Role.CHANNEL_OWNER]
        with django_capture_on_commit_callbacks(execute=True):
            response = web(owner).post(
                en("inbox:reply", conv.pk), {"text": "Juhannusaattona kirjasto on kiinni."}
            )
        assert response.status_code == 302
    item = InboxItem.objects.get(direction="out")
    assert item.delivery_state == "sent", item.error_detail
    answer = double.posts[item.external_id]
    assert str(answer["in_reply_to_id"]) == comment
    assert replies.send_reply(item.pk) == "sent"  # again: nothing more is posted
    posts = [p for m, p in double.log if m == "POST" and p == "/api/v1/statuses"]
    assert len(posts) == 1  # the one reply (our own post was made on the server directly)
    conv.refresh_from_db()
    assert conv.state == Conversation.State.ANSWERED
