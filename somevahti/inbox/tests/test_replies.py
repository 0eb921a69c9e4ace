"""Replying: sent exactly once, the checker's blocks and overrides, crisis approval, and
what the writer sees when the platform refuses or does not answer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.connectors.fake import RecordingConnector
from somevahti.content import crisis
from somevahti.content.tests.builders import HETU_TEXT
from somevahti.core import clock
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.inbox import replies
from somevahti.inbox.models import Conversation, InboxItem
from somevahti.inbox.tasks import send_reply_task
from somevahti.inbox.tests.page_builders import channel, connect, conversation, en, fake, web

pytestmark = pytest.mark.django_db
__all__ = ["fake"]  # the fixture, imported for the tests below
REPLY = "Satutunti alkaa tiistaina kello 10. Tervetuloa!"


def page(user: Any, conv: Conversation) -> str:
    return str(web(user).get(en("inbox:conversation", conv.pk)).content.decode())


def send(user: Any, conv: Conversation, capture: Any, **data: Any) -> Any:
    """Post the composer; the send task runs when the request's transaction commits."""
    with capture(execute=True):
        return web(user).post(en("inbox:reply", conv.pk), {"text": REPLY, **data})


@pytest.fixture
def conv(town: Town) -> Conversation:
    return conversation(town, connect(channel(town, "mastodon", name="Kirjaston Mastodon")))


def test_reply_goes_out_once_and_answers_the_conversation(
    town: Town,
    conv: Conversation,
    fake: RecordingConnector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = town.users[Role.CHANNEL_OWNER]
    question = conv.items.get()
    response = send(owner, conv, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    reply = InboxItem.objects.get(direction="out")
    calls = fake.calls()
    assert len(calls) == 1
    assert calls[0]["key"] == reply.idempotency_key and calls[0]["action"] == "reply"
    assert calls[0]["in_reply_to"] == question.external_id
    assert (reply.delivery_state, reply.external_id) == ("sent", calls[0]["id"])
    assert reply.url.endswith(calls[0]["id"]) and reply.sent_by == owner
    conv.refresh_from_db()
    assert conv.state == Conversation.State.ANSWERED and conv.first_response_at is not None
    # The task again (a retry, a second worker, the sweep): the platform is not called again.
    assert send_reply_task.call_local(reply.pk) == "sent"
    assert replies.send_reply(reply.pk) == "sent"
    assert len(fake.calls()) == 1
    html = page(owner, conv)
    assert f'data-item="{reply.pk}" data-direction="out" data-delivery="sent"' in html


def test_a_reply_another_worker_is_sending_is_not_sent_again(
    town: Town, conv: Conversation, fake: RecordingConnector
) -> None:
    item = replies.prepare_reply(town.users[Role.CHANNEL_OWNER], conv, REPLY)
    assert item.delivery_state == "queued" and len(item.idempotency_key) == 32
    InboxItem.objects.filter(pk=item.pk).update(delivery_state="sending")
    assert replies.send_reply(item.pk) == "sending"
    assert fake.calls() == []


def test_hetu_blocks_until_the_data_protection_officer_overrides(
    town: Town,
    conv: Conversation,
    fake: RecordingConnector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, dpo = town.users[Role.CHANNEL_OWNER], town.users[Role.DATA_PROTECTION]
    blocked = send(owner, conv, django_capture_on_commit_callbacks, text=HETU_TEXT)
    html = blocked.content.decode()
    assert blocked.status_code == 400
    assert 'data-rule="privacy.hetu"' in html and 'id="no-override"' in html
    assert HETU_TEXT in html  # the text stays in the composer
    assert not InboxItem.objects.filter(direction="out").exists()
    # The owner hands it to the data protection officer, who may override it.
    web(owner).post(en("inbox:act", conv.pk, "assign"), {"assignee": dpo.pk})
    shown = send(dpo, conv, django_capture_on_commit_callbacks, text=HETU_TEXT)
    assert shown.status_code == 400 and 'name="override_reason"' in shown.content.decode()
    hashes = [r.hash for r in replies.check_reply(dpo, conv, HETU_TEXT) if r.can_override]
    no_reason = send(
        dpo, conv, django_capture_on_commit_callbacks, text=HETU_TEXT, overrides=hashes
    )
    assert no_reason.status_code == 400 and fake.calls() == []
    done = send(
        dpo,
        conv,
        django_capture_on_commit_callbacks,
        text=HETU_TEXT,
        overrides=hashes,
        override_reason="Asiakas pyysi tunnuksensa takaisin yksityisviestinä.",
    )
    assert done.status_code == 302 and len(fake.calls()) == 1
    event = AuditEvent.objects.get(verb="inbox.reply_check_overridden")
    assert event.actor == dpo and event.data["rule"] == "privacy.hetu"
    assert event.data["hash"] == hashes[0]
    # Only a keyed hash of the finding is on the trail, never the identity code.
    assert "131052-308T" not in json.dumps(event.data) + event.reason


def test_in_crisis_mode_the_crisis_owner_approves_before_sending(
    town: Town,
    conv: Conversation,
    fake: RecordingConnector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, manager = town.users[Role.CHANNEL_OWNER], town.users[Role.CITY_MANAGER]
    crisis.start(manager, town.root, "Vesikatko koko kaupungissa.")
    response = send(owner, conv, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    item = InboxItem.objects.get(direction="out")
    assert item.delivery_state == "awaiting_approval" and fake.calls() == []
    assert Notification.objects.filter(user=manager, url__contains=f"/{conv.pk}/").exists()
    assert f'id="approve-{item.pk}"' not in page(owner, conv)
    approve = en("inbox:reply_approve", item.pk)
    assert web(owner).post(approve).status_code == 403
    assert f'id="approve-{item.pk}"' in page(manager, conv)
    with django_capture_on_commit_callbacks(execute=True):
        assert web(manager).post(approve).status_code == 302
    item.refresh_from_db()
    assert item.delivery_state == "sent" and len(fake.calls()) == 1
    approval = AuditEvent.objects.get(verb="inbox.reply_crisis_approved")
    assert approval.actor == manager and approval.data["item"] == item.pk
    assert web(manager).post(approve).status_code == 409  # approved once


def test_a_reply_queued_before_the_crisis_waits_for_approval(
    town: Town, conv: Conversation, fake: RecordingConnector
) -> None:
    item = replies.prepare_reply(town.users[Role.CHANNEL_OWNER], conv, REPLY)
    crisis.start(town.users[Role.CITY_MANAGER], town.root, "Myrsky katkaisi sähköt.")
    assert replies.send_reply(item.pk) == "awaiting_approval"
    assert fake.calls() == []


def test_refused_reply_keeps_the_text_and_shows_the_platforms_reason(
    town: Town,
    conv: Conversation,
    fake: RecordingConnector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = town.users[Role.CHANNEL_OWNER]
    text = f"{REPLY} [[reject]]"
    send(owner, conv, django_capture_on_commit_callbacks, text=text)
    item = InboxItem.objects.get(direction="out")
    assert (item.delivery_state, item.error_detail) == ("failed", "Duplicate status.")
    html = page(owner, conv)
    assert 'id="failed-reply"' in html and "The platform's reason: Duplicate status." in html
    composer = html[html.index('id="reply-form"') :]
    assert text in composer.split("</textarea>")[0]
    assert Notification.objects.filter(user=owner, url__contains=f"/{conv.pk}/").exists()
    assert Conversation.objects.get(pk=conv.pk).state == Conversation.State.NEW


def test_unknown_outcome_is_never_resent_and_is_settled_by_a_person(
    town: Town,
    conv: Conversation,
    fake: RecordingConnector,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = town.users[Role.CHANNEL_OWNER]
    send(owner, conv, django_capture_on_commit_callbacks, text=f"{REPLY} [[hang-after]]")
    item = InboxItem.objects.get(direction="out")
    assert item.delivery_state == "unconfirmed" and len(fake.calls()) == 1
    assert replies.send_reply(item.pk) == "unconfirmed" and len(fake.calls()) == 1
    assert f'id="settle-sent-{item.pk}"' in page(owner, conv)
    web(owner).post(en("inbox:reply_settle", item.pk, "sent"), {"url": "https://m.example/1"})
    item.refresh_from_db()
    assert (item.delivery_state, item.url) == ("sent", "https://m.example/1")
    assert Conversation.objects.get(pk=conv.pk).state == Conversation.State.ANSWERED


def test_a_channel_that_cannot_send_says_so_and_keeps_the_text(
    town: Town, fake: RecordingConnector, django_capture_on_commit_callbacks: Any
) -> None:
    owner = town.users[Role.CHANNEL_OWNER]
    unconnected = conversation(town, channel(town, "mastodon", name="Irrotettu Mastodon"))
    tiktok = conversation(town, channel(town, "tiktok", name="Kirjaston TikTok"))
    for conv, words in (
        (unconnected, "is not connected to Somevahti"),
        (tiktok, "Somevahti cannot send replies to TikTok"),
    ):
        assert 'id="send-button"' not in page(owner, conv)
        response = send(owner, conv, django_capture_on_commit_callbacks)
        html = response.content.decode()
        assert response.status_code == 400 and words in html and REPLY in html
    assert not InboxItem.objects.filter(direction="out").exists() and fake.calls() == []


def test_producer_of_the_unit_cannot_reply_unless_assigned(
    town: Town, conv: Conversation, fake: RecordingConnector
) -> None:
    producer = town.users[Role.CONTENT_PRODUCER]
    assert 'id="reply-form"' not in page(producer, conv)
    assert web(producer).post(en("inbox:reply", conv.pk), {"text": REPLY}).status_code == 403


def test_sweep_sends_lost_replies_and_gives_up_on_dead_workers(
    town: Town, conv: Conversation, fake: RecordingConnector
) -> None:
    start = dt.datetime(2030, 3, 5, 8, 0, tzinfo=dt.UTC)
    owner = town.users[Role.CHANNEL_OWNER]
    with clock.frozen(start):
        lost = replies.prepare_reply(owner, conv, REPLY)  # its task never ran
        stuck = replies.prepare_reply(owner, conv, "Toinen vastaus.")
        InboxItem.objects.filter(pk=stuck.pk).update(delivery_state="sending", sent_at=start)
    with clock.frozen(start + dt.timedelta(minutes=10)):
        assert replies.sweep() == {"sent": 1, "unconfirmed": 1}
    assert InboxItem.objects.get(pk=lost.pk).delivery_state == "sent"
    assert InboxItem.objects.get(pk=stuck.pk).delivery_state == "unconfirmed"
    assert [c["key"] for c in fake.calls()] == [lost.idempotency_key]


def test_saved_replies_fill_the_composer_and_are_managed_by_communications(
    town: Town, conv: Conversation
) -> None:
    comms, owner = town.users[Role.COMMUNICATIONS], town.users[Role.CHANNEL_OWNER]
    new = web(comms).post(
        en("inbox:saved_replies"),
        {"title": "Aukioloajat", "language": "sv", "text": "Biblioteket är öppet 9–19."},
    )
    assert new.status_code == 302
    saved = town.org.saved_replies.get()
    assert (
        web(owner)
        .post(en("inbox:saved_replies"), {"title": "X", "language": "fi", "text": "Y"})
        .status_code
        == 403
    )
    html = web(owner).get(en("inbox:conversation", conv.pk), {"saved": saved.pk}).content.decode()
    composer = html[html.index('id="reply-form"') :]
    assert "Biblioteket är öppet 9–19." in composer.split("</textarea>")[0]
    edit = web(comms).post(
        en("inbox:saved_reply_edit", saved.pk),
        {"title": "Aukioloajat", "language": "sv", "text": "Biblioteket är öppet 10–18."},
    )
    assert edit.status_code == 302
    saved.refresh_from_db()
    assert saved.text == "Biblioteket är öppet 10–18."
