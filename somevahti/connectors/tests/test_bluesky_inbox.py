"""Bluesky's inbox against the real local PDS (no AppView: the repo scan), and the AppView
path with listNotifications answers shaped by the lexicon and parsed by the SDK's models."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from atproto import models
from atproto_client.exceptions import BadRequestError
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

from somevahti.connectors import bluesky_inbox, errors
from somevahti.connectors.base import Account, OutgoingPost
from somevahti.connectors.bluesky import BlueskyConnector
from somevahti.connectors.tests.harness_bluesky import World, record, texts, world
from somevahti.inbox.incoming import Incoming


@pytest.fixture
def w(tmp_path_factory: pytest.TempPathFactory) -> World:
    return world(tmp_path_factory)


def _post(text: str, reply_to: str = "") -> OutgoingPost:
    return OutgoingPost(text=text, created_at=dt.datetime.now(dt.UTC), reply_to=reply_to)


def _pair(w: World) -> tuple[Account, Account]:
    """Our channel and a resident, both new, so no other test's posts touch them."""
    tag = uuid.uuid4().hex[:6]
    return w.connect(f"kunta{tag}.test"), w.connect(f"asukas{tag}.test")


def test_a_reply_and_a_mention_arrive_once_and_our_answer_is_threaded(w: World) -> None:
    bsky = BlueskyConnector()
    ours, resident = _pair(w)
    ours_post = bsky.publish(ours, _post("Kirjasto on kesällä auki arkisin."), uuid.uuid4().hex)
    question = bsky.publish(
        resident, _post("Onko kirjasto auki juhannuksena?", ours_post.platform_id), "q"
    )
    bsky.publish(resident, _post(f"Kiitos @{ours.handle} hyvästä palvelusta!"), "m")
    bsky.publish(resident, _post("Tämä ei koske kuntaa lainkaan."), "x")

    events, cursor = bsky.fetch_events(ours, None)

    by_kind = {e.kind: e for e in events}
    assert sorted(by_kind) == ["comment", "mention"]
    comment, mention = by_kind["comment"], by_kind["mention"]
    assert comment.text == "Onko kirjasto auki juhannuksena?"
    assert comment.external_id == question.platform_id
    assert comment.thread_id == comment.parent_external_id == ours_post.platform_id
    assert comment.author_handle == resident.handle and comment.source == "bluesky"
    assert comment.account_id == ours.account_id
    assert comment.sent_at.tzinfo is not None
    assert abs(comment.sent_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert comment.url.endswith(question.platform_id.rsplit("/", 1)[-1])
    assert mention.thread_id == mention.external_id and mention.parent_external_id == ""
    json.dumps(comment.raw)  # stored as the raw event's body
    assert cursor is not None and len(cursor) < 1000

    assert bsky.fetch_events(ours, cursor)[0] == []  # nothing new

    answer = bsky.reply(ours, comment, "Juhannusaattona kirjasto on kiinni.", "vastaus-1")
    again = bsky.reply(ours, comment, "Juhannusaattona kirjasto on kiinni.", "vastaus-1")
    assert again.platform_id == answer.platform_id
    assert texts(w, ours).count("Juhannusaattona kirjasto on kiinni.") == 1
    value = record(w, answer.platform_id)
    assert value is not None
    assert value["reply"]["parent"]["uri"] == question.platform_id
    assert value["reply"]["root"]["uri"] == ours_post.platform_id

    # Our own answer is not news to us; a follow-up from the resident is, once.
    follow_up = bsky.publish(resident, _post("Kiitos tiedosta!", answer.platform_id), "f")
    newer, cursor2 = bsky.fetch_events(ours, cursor)
    assert [e.external_id for e in newer] == [follow_up.platform_id]
    assert newer[0].thread_id == ours_post.platform_id
    assert newer[0].parent_external_id == answer.platform_id
    assert bsky.fetch_events(ours, cursor2)[0] == []
    # The resident sees our answer as a reply to them.
    theirs = bsky.fetch_events(resident, None)[0]
    assert [e.external_id for e in theirs] == [answer.platform_id]


def test_a_lost_cursor_returns_the_events_again_not_nothing(w: World) -> None:
    bsky = BlueskyConnector()
    ours, resident = _pair(w)
    bsky.publish(resident, _post(f"@{ours.handle} miten haen kirjastokorttia?"), "k")
    first, _ = bsky.fetch_events(ours, None)
    again, _ = bsky.fetch_events(ours, "ei kursori")
    assert [e.external_id for e in again] == [e.external_id for e in first] != []


def test_direct_messages_cannot_be_answered_through_bluesky(w: World) -> None:
    event = Incoming(
        source="bluesky", external_id="convo-1", kind="message", thread_id="convo-1",
        author_handle="asukas.test", text="Hei", sent_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    with pytest.raises(errors.Rejected):
        BlueskyConnector().reply(w.account, event, "Vastaus", "dm-1")


def test_cursor_keeps_only_recent_keys() -> None:
    now = dt.datetime(2030, 6, 19, 12, 0, tzinfo=dt.UTC)
    old = bluesky_inbox.tid_at(now - dt.timedelta(hours=1)) + ".a"
    recent = bluesky_inbox.tid_at(now - dt.timedelta(minutes=1)) + ".b"
    cursor = bluesky_inbox.write_cursor(now, {old, recent})
    at, seen = bluesky_inbox.read_cursor(cursor)
    assert at == now and seen == {recent}
    assert bluesky_inbox.tid_time(recent[:13]) == now - dt.timedelta(minutes=1)


# --- the AppView path ------------------------------------------------------------------

ME = "did:plc:kuntakuntakuntakunta"
RESIDENT = "did:plc:asukasasukasasukas00"


def _notification(rkey: str, reason: str, indexed: dt.datetime, **record: Any) -> dict[str, Any]:
    uri = f"at://{RESIDENT}/app.bsky.feed.post/{rkey}"
    return {
        "uri": uri,
        "cid": "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a",
        "author": {"did": RESIDENT, "handle": "asukas.bsky.social", "displayName": "Asukas"},
        "reason": reason,
        "record": {"$type": "app.bsky.feed.post", "text": record.pop("text", ""),
                   "createdAt": indexed.isoformat().replace("+00:00", "Z"), **record},
        "isRead": False,
        "indexedAt": indexed.isoformat().replace("+00:00", "Z"),
    }  # fmt: skip


class AppView:
    """Stands in for ``client.app.bsky.notification``: pages of lexicon-shaped JSON."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.asked: list[Any] = []

    def list_notifications(self, params: Any) -> Any:
        self.asked.append(params)
        i = int(params.cursor or 0)
        body = {"notifications": self.pages[i]}
        if i + 1 < len(self.pages):
            body["cursor"] = str(i + 1)
        return models.AppBskyNotificationListNotifications.Response.model_validate(body)


def _client(notification: Any) -> Any:
    return SimpleNamespace(app=SimpleNamespace(bsky=SimpleNamespace(notification=notification)))


def test_appview_notifications_become_events_until_the_cursor() -> None:
    now = dt.datetime.now(dt.UTC)
    ours = f"at://{ME}/app.bsky.feed.post/3kkkkkkkkkk22"
    reply_ref = {"root": {"uri": ours, "cid": "bafy"}, "parent": {"uri": ours, "cid": "bafy"}}
    pages = [
        [
            _notification("3lll2", "reply", now, text="Milloin?", reply=reply_ref, langs=["fi"]),
            _notification("3lll3", "like", now - dt.timedelta(minutes=1)),
        ],
        [
            _notification("3lll4", "mention", now - dt.timedelta(minutes=2), text="@kunta hei"),
            _notification("3lll5", "mention", now - dt.timedelta(hours=2), text="vanha"),
        ],
        [_notification("3lll6", "mention", now - dt.timedelta(hours=3), text="ei haeta")],
    ]
    view = AppView(pages)
    account = Account("bluesky", account_id=ME, handle="kunta.bsky.social")
    found = bluesky_inbox._from_appview(_client(view), account, ME, now - dt.timedelta(hours=1))
    assert found is not None
    events = [e for _, e in found]
    assert [(e.kind, e.text) for e in events] == [
        ("comment", "Milloin?"),
        ("mention", "@kunta hei"),
    ]
    assert events[0].thread_id == ours and events[0].language == "fi"
    assert events[0].author_handle == "asukas.bsky.social" and events[0].author_name == "Asukas"
    assert len(view.asked) == 2  # stopped at the first notification older than the cursor
    assert view.asked[0].reasons == ["mention", "reply"]


def test_a_pds_without_appview_means_the_repo_scan() -> None:
    refused = Response(
        success=False,
        status_code=400,
        content=XrpcError(
            error="InvalidRequest",
            message="No service configured for app.bsky.notification.listNotifications",
        ),
        headers={},
    )

    class Bare:
        def list_notifications(self, params: Any) -> Any:
            raise BadRequestError(refused)

    account = Account("bluesky", account_id=ME)
    lower = dt.datetime.now(dt.UTC)
    assert bluesky_inbox._from_appview(_client(Bare()), account, ME, lower) is None
