"""Mastodon's inbox against the double: mentions, replies and direct messages in, answers out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests
from mastodon import return_types

from somevahti.connectors import errors
from somevahti.connectors.base import Account, OutgoingPost
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.mastodon import MastodonConnector
from somevahti.connectors.tests.harness_mastodon import connect


@pytest.fixture
def double() -> Iterator[MastodonDouble]:
    d = MastodonDouble().start()
    d.add_account("asukas", "Aino Asukas", language="fi")
    d.add_account("naapuri", "Naapuri")
    yield d
    d.stop()


@pytest.fixture
def connector() -> MastodonConnector:
    return MastodonConnector(timeout=5)


@pytest.fixture
def ours(connector: MastodonConnector, double: MastodonDouble) -> Account:
    return connect(connector, double)


def _publish(connector: MastodonConnector, account: Account, text: str) -> str:
    post = OutgoingPost(text=text, created_at=dt.datetime.now(dt.UTC))
    return connector.publish(account, post, f"k-{text}").platform_id


def _get(double: MastodonDouble, token: str, path: str) -> requests.Response:
    auth = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{double.base_url}{path}", headers=auth, timeout=5)


def _required(cls: type) -> set[str]:
    return {
        k for k, v in cls.__annotations__.items() if not str(v).strip("'").startswith("Optional")
    }


def test_comments_mentions_and_messages_arrive_once(
    connector: MastodonConnector, double: MastodonDouble, ours: Account
) -> None:
    ours_id = _publish(connector, ours, "Kirjasto on kesällä auki arkisin.")
    comment_id = double.post_as("asukas", "Onko auki juhannuksena?", in_reply_to_id=ours_id)
    double.post_as("asukas", "Kiitos @kaupunki hyvästä palvelusta!")
    dm_id = double.post_as("asukas", "@kaupunki saanko kysyä laskusta?", visibility="direct")
    double.post_as("naapuri", "Tämä ei koske kaupunkia.")

    events, cursor = connector.fetch_events(ours, None)

    by_kind = {e.kind: e for e in events}
    assert sorted(by_kind) == ["comment", "mention", "message"]
    comment, message = by_kind["comment"], by_kind["message"]
    assert comment.external_id == comment_id
    assert comment.text == "@kaupunki Onko auki juhannuksena?"  # the composer's mention
    assert comment.thread_id == comment.parent_external_id == ours_id
    assert comment.author_handle.startswith("asukas@") and comment.author_name == "Aino Asukas"
    assert comment.account_id == ours.account_id and comment.source == "mastodon"
    assert comment.sent_at.tzinfo is not None and comment.language == "fi"
    assert comment.url.endswith(f"/@asukas/{comment_id}")
    assert comment.raw["status"]["id"] == comment_id  # Mastodon's own JSON, kept as sent
    assert message.external_id == message.thread_id == dm_id
    assert by_kind["mention"].parent_external_id == ""
    assert cursor is not None

    assert connector.fetch_events(ours, cursor) == ([], cursor)


def test_answers_are_threaded_addressed_and_sent_once(
    connector: MastodonConnector, double: MastodonDouble, ours: Account
) -> None:
    ours_id = _publish(connector, ours, "Uimahalli avautuu maanantaina.")
    double.post_as("asukas", "Mihin aikaan?", in_reply_to_id=ours_id)
    double.post_as("asukas", "@kaupunki kenelle voin lähettää palautetta?", visibility="direct")
    events, cursor = connector.fetch_events(ours, None)
    comment = next(e for e in events if e.kind == "comment")
    message = next(e for e in events if e.kind == "message")

    first = connector.reply(ours, comment, "Kello 6.30 alkaen.", "vastaus-1")
    again = connector.reply(ours, comment, "Kello 6.30 alkaen.", "vastaus-1")
    assert again.platform_id == first.platform_id
    statuses = {s["id"]: s for s in double.statuses("kaupunki")}
    answer = statuses[first.platform_id]
    assert answer["text"] == "@asukas Kello 6.30 alkaen."
    assert answer["in_reply_to_id"] == comment.external_id and answer["visibility"] == "public"
    assert sum(s["text"].endswith("Kello 6.30 alkaen.") for s in statuses.values()) == 1

    private = connector.reply(ours, message, "@asukas Kirjaamoon.", "vastaus-2")
    dm = double.statuses("kaupunki")
    sent = next(s for s in dm if s["id"] == private.platform_id)
    assert sent["visibility"] == "direct" and sent["text"] == "@asukas Kirjaamoon."
    asukas = double.issue_token("asukas", ("read",))
    naapuri = double.issue_token("naapuri", ("read",))
    shown = f"/api/v1/statuses/{private.platform_id}"
    assert _get(double, asukas, shown).status_code == 200
    assert _get(double, naapuri, shown).status_code == 404
    notes = _get(double, asukas, "/api/v1/notifications").json()
    assert {n["status"]["id"] for n in notes} == {first.platform_id, private.platform_id}

    # The resident answers our answer: a new comment in the same thread, on the next poll.
    follow = double.post_as("asukas", "Kiitos!", in_reply_to_id=first.platform_id)
    newer, _ = connector.fetch_events(ours, cursor)
    assert [(e.external_id, e.thread_id, e.kind) for e in newer] == [(follow, ours_id, "comment")]


def test_a_followers_only_comment_gets_a_followers_only_answer(
    connector: MastodonConnector, double: MastodonDouble, ours: Account
) -> None:
    ours_id = _publish(connector, ours, "Katutöitä Keskuskadulla.")
    double.post_as("asukas", "Kauanko kestää?", in_reply_to_id=ours_id, visibility="private")
    (comment,), _ = connector.fetch_events(ours, None)
    sent = connector.reply(ours, comment, "Kaksi viikkoa.", "vastaus-3")
    assert sent.response["visibility"] == "private"


def test_a_burst_longer_than_a_page_leaves_no_gap(
    connector: MastodonConnector, double: MastodonDouble, ours: Account
) -> None:
    double.post_as("asukas", "@kaupunki ensimmäinen")
    _, cursor = connector.fetch_events(ours, None)
    sent = [double.post_as("asukas", f"@kaupunki viesti {i}") for i in range(45)]
    events, cursor = connector.fetch_events(ours, cursor)
    assert [e.external_id for e in events] == sent
    assert cursor == max(n["id"] for n in double.notifications_of("kaupunki"))


def test_refusals_map_to_the_taxonomy(
    connector: MastodonConnector, double: MastodonDouble, ours: Account
) -> None:
    double.rate_limit = 0  # rack-attack: over the limit for this window
    with pytest.raises(errors.Transient) as limited:
        connector.fetch_events(ours, None)
    assert limited.value.kind == "rate_limited" and (limited.value.retry_after or 0) >= 1
    double.rate_limit = 300
    double.revoke(ours.credentials["access_token"])
    with pytest.raises(errors.AuthExpired) as revoked:
        connector.fetch_events(ours, None)
    assert revoked.value.kind == "token_expired"


def test_notification_and_context_have_the_fields_mastodon_py_defines(
    connector: MastodonConnector, double: MastodonDouble, ours: Account
) -> None:
    ours_id = _publish(connector, ours, "Muoto")
    reply_id = double.post_as("asukas", "Vastaus", in_reply_to_id=ours_id)
    token = ours.credentials["access_token"]
    notes = _get(double, token, "/api/v1/notifications?types[]=mention").json()
    context = _get(double, token, f"/api/v1/statuses/{reply_id}/context").json()
    assert len(notes) == 1 and notes[0]["group_key"] == f"ungrouped-{notes[0]['id']}"
    assert notes[0]["status"]["mentions"][0]["id"] == ours.account_id
    for cls, entity in [
        (return_types.Notification, notes[0]),
        (return_types.Status, notes[0]["status"]),
        (return_types.Account, notes[0]["account"]),
        (return_types.Context, context),
    ]:
        assert _required(cls) <= set(entity), (cls.__name__, _required(cls) - set(entity))
    assert [s["id"] for s in context["ancestors"]] == [ours_id]
    excluded = _get(double, token, "/api/v1/notifications?exclude_types[]=mention").json()
    assert excluded == []
