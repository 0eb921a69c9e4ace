"""Webhooks and ingest: signatures, replays, idempotency, bad bodies, a database outage."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from conftest import Town
from somevahti.connectors.base import Account, Connected
from somevahti.content.tests.builders import channel
from somevahti.inbox.models import Conversation, InboxItem, RawEvent, WebhookRejection
from somevahti.inbox.tests import builders as b
from somevahti.publishing import connections
from somevahti.registry.models import Channel

PAGE = "1122334455"
# Real commits: processing is enqueued when the raw event's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(town: Town) -> Channel:
    ch = channel(town, "facebook", name="Kirjaston Facebook")
    connections.connect(
        None, ch, Connected(Account("facebook", account_id=PAGE, handle="Kirjasto"))
    )
    b.meta_app(town.org)
    return ch


def test_meta_handshake_echoes_the_challenge_only_for_our_token(town: Town, page: Channel) -> None:
    client = Client()
    ok = client.get(
        "/hooks/meta/",
        {"hub.mode": "subscribe", "hub.verify_token": b.VERIFY_TOKEN, "hub.challenge": "4711"},
    )
    assert (ok.status_code, ok.content) == (200, b"4711")
    bad = client.get(
        "/hooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"}
    )
    assert bad.status_code == 403


def test_signed_comment_becomes_one_item_even_when_sent_twice(town: Town, page: Channel) -> None:
    client = Client()
    payload = b.page_comment(PAGE, "c-1", "Milloin kirjasto aukeaa joulun jälkeen?")
    assert b.post_meta(client, payload).status_code == 200
    assert b.post_meta(client, payload).status_code == 200  # Meta retries
    assert RawEvent.objects.count() == 1
    item = InboxItem.objects.get()
    assert item.text.startswith("Milloin") and item.channel == page
    assert item.conversation.unit == page.unit and item.conversation.kind == "comment"


def test_forged_and_unsigned_webhooks_are_refused_counted_and_not_stored(
    town: Town, page: Channel
) -> None:
    client = Client()
    payload = b.page_comment(PAGE, "c-2", "Väärennetty")
    assert b.post_meta(client, payload, secret="wrong").status_code == 403
    assert b.post_meta(client, payload, sign=False).status_code == 403
    assert RawEvent.objects.count() == 0
    counts = dict(WebhookRejection.objects.values_list("reason", "count"))
    assert counts == {"bad_signature": 1, "unsigned": 1}


def test_malformed_body_is_kept_for_inspection(town: Town, page: Channel) -> None:
    assert b.post_meta(Client(), b"{not json").status_code == 200
    raw = RawEvent.objects.get()
    assert raw.state == RawEvent.State.FAILED and "JSON" in raw.error
    assert raw.body == "{not json"


def test_messages_from_one_sender_form_one_conversation(town: Town, page: Channel) -> None:
    client = Client()
    b.post_meta(client, b.messenger(PAGE, "m-1", "Hei, onko lainassa oleva kirja myöhässä?"))
    b.post_meta(client, b.messenger(PAGE, "m-2", "Ja voiko sen uusia?", ts_ms=1795000060000))
    b.post_meta(client, b.messenger(PAGE, "m-3", "Toinen ihminen", sender="777"))
    assert list(RawEvent.objects.values_list("state", "error")) == [("processed", "")] * 3
    assert Conversation.objects.filter(kind="message").count() == 2
    assert InboxItem.objects.filter(conversation__author_handle="555").count() == 2


def test_event_for_an_unknown_page_is_kept_as_failed(town: Town, page: Channel) -> None:
    b.post_meta(Client(), b.page_comment("999", "c-9", "Kenen sivu?"))
    raw = RawEvent.objects.get()
    assert raw.state == RawEvent.State.FAILED and "999" in raw.error
    assert InboxItem.objects.count() == 0


def _feedback(n: str = "f-1") -> dict[str, Any]:
    return {
        "id": n,
        "text": "Katuvalo on ollut rikki viikon Koivukujalla.",
        "sent_at": "2030-01-07T08:00:00+02:00",
        "author": {"name": "Asukas", "email": "asukas@example.fi"},
        "kind": "message",
    }


def test_signed_ingest_accepts_once_and_refuses_replays_and_forgeries(town: Town) -> None:
    key = b.ingest_key(town.org)
    client = Client()
    assert b.post_ingest(client, key, _feedback()).status_code == 202
    assert b.post_ingest(client, key, _feedback()).status_code == 200  # resent: one event
    assert InboxItem.objects.get(direction="in").author_handle == "asukas@example.fi"
    old = b.post_ingest(client, key, _feedback("f-2"), at=time.time() - 3600)
    assert old.status_code == 403
    assert b.post_ingest(client, key, _feedback("f-3"), secret="nope").status_code == 403
    counts = dict(WebhookRejection.objects.values_list("reason", "count"))
    assert counts == {"replayed": 1, "bad_signature": 1}
    assert InboxItem.objects.filter(direction="in").count() == 1


def test_database_outage_answers_503_so_the_platform_retries(town: Town, page: Channel) -> None:
    def outage(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "inbox_rawevent" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    payload = b.page_comment(PAGE, "c-5", "Tuleeko tämä perille?")
    with connection.execute_wrapper(outage):
        assert b.post_meta(Client(), payload).status_code == 503
    assert RawEvent.objects.count() == 0
    assert b.post_meta(Client(), payload).status_code == 200  # the retry gets through
    assert InboxItem.objects.filter(direction="in").count() == 1


def test_unexpected_shape_and_oversized_bodies_are_kept_not_crashing(
    town: Town, page: Channel
) -> None:
    from somevahti.inbox.ingest import MAX_BODY

    odd = {
        "object": "page",
        "entry": [
            {"id": PAGE, "time": 1, "changes": [{"field": "feed", "value": {"item": "comment"}}]}
        ],
    }  # noqa: E501
    assert b.post_meta(Client(), odd).status_code == 200
    huge = b.page_comment(PAGE, "c-big", "x" * (MAX_BODY + 10))
    assert b.post_meta(Client(), huge).status_code == 200
    kept = {r.oversized: r for r in RawEvent.objects.all()}
    assert kept[False].state == RawEvent.State.FAILED and "comment_id" in kept[False].error
    assert kept[True].state == RawEvent.State.FAILED and len(kept[True].body) == MAX_BODY
    assert InboxItem.objects.count() == 0
