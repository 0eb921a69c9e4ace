"""The office-hours auto-reply: when, how often, in which language, on which platforms.

The platforms are the recording connector double (``SOMEVAHTI_CONNECTORS=fake:...``), so
the reply really goes through the replies module and the connector after commit.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.connectors.base import Account, Connected
from somevahti.core import clock
from somevahti.inbox import ingest
from somevahti.inbox.autoreply import (
    detect_language,
    format_time,
    maybe_auto_reply,
    reply_language,
)
from somevahti.inbox.hours import start_clock
from somevahti.inbox.incoming import Incoming
from somevahti.inbox.models import (
    AutoReplySettings,
    BusinessHours,
    Conversation,
    InboxItem,
    RawEvent,
    ResponseTarget,
)
from somevahti.inbox.tests.test_hours import follow_up, hki, incoming, page
from somevahti.publishing import connections
from somevahti.registry.models import Channel

FRIDAY_EVENING = hki(2027, 3, 19, 18)


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every platform answered by the recording double; returns its record of calls."""
    calls = tmp_path / "platform.jsonl"
    monkeypatch.setenv("SOMEVAHTI_CONNECTORS", f"fake:{calls}")
    return calls


def connected(town: Town, kind: str = "facebook") -> Channel:
    ch = page(town, kind)
    account = Account(kind, account_id=f"{kind}-1122334455", handle="Kirjasto")
    connections.connect(None, ch, Connected(account))
    return ch


@pytest.fixture
def fb(town: Town, platform: Path) -> Channel:
    return connected(town)


def replies_sent(calls: Path) -> list[dict[str, Any]]:
    lines = calls.read_text().splitlines() if calls.exists() else []
    return [r for r in map(json.loads, lines) if r["action"] == "reply"]


def receive(conv: Conversation, item: InboxItem) -> InboxItem | None:
    """What ingest does after classifying and routing, with the clock at the item's arrival."""
    with clock.frozen(item.received_at):
        start_clock(conv, item)
        return maybe_auto_reply(conv, item)


def test_friday_evening_message_gets_a_promise_for_monday_sent_once(
    town: Town, fb: Channel, platform: Path, django_capture_on_commit_callbacks: Any
) -> None:
    conv, item = incoming(town, hki(2027, 3, 19, 18, 30), channel=fb)
    with django_capture_on_commit_callbacks() as sends:
        reply = receive(conv, item)
    assert reply is not None
    assert reply.text == (
        "Kiitos viestistäsi! Tämä on automaattinen vastaus: emme ole nyt paikalla. "
        "Vastaamme seuraavana arkipäivänä maanantaina 22.3. klo 12.00 mennessä."
    )
    stored = InboxItem.objects.get(conversation=conv, direction="out")
    assert stored.pk == reply.pk and stored.automatic and stored.delivery_state == "queued"
    assert (stored.channel, stored.source, stored.language) == (fb, "facebook", "fi")
    assert stored.parent_external_id == item.external_id and len(stored.idempotency_key) >= 32
    assert replies_sent(platform) == []  # nothing leaves before the transaction commits
    with clock.frozen(hki(2027, 3, 19, 18, 30)):
        for send in sends:
            send()
        for send in sends:
            send()  # a task run twice
    stored.refresh_from_db()
    assert stored.delivery_state == "sent"
    [call] = replies_sent(platform)
    assert (call["key"], call["in_reply_to"]) == (stored.idempotency_key, item.external_id)
    conv.refresh_from_db()
    assert conv.last_auto_reply_at == hki(2027, 3, 19, 18, 30)
    assert conv.first_response_at is None  # an automatic answer is not a person's response
    event = AuditEvent.objects.get(verb="inbox.auto_replied")
    assert event.data["item"] == reply.pk and event.actor is None


def test_when_monday_is_a_holiday_the_promise_is_tuesday(town: Town, fb: Channel) -> None:
    conv, item = incoming(town, hki(2027, 3, 26, 20), channel=fb)  # Good Friday
    reply = receive(conv, item)  # Monday 29 March is Easter Monday
    assert reply is not None and "seuraavana arkipäivänä tiistaina 30.3. klo 12.00" in reply.text
    conv, item = incoming(
        town, hki(2025, 1, 3, 17, 5), "Hello, when is the library open?", channel=fb
    )
    reply = receive(conv, item)  # Monday 6 January is Epiphany
    assert reply is not None
    assert "We will answer next working day, Tuesday 7 January, by 12.00." in reply.text
    assert "automatic reply" in reply.text


def test_today_and_later_promises(town: Town, fb: Channel) -> None:
    conv, item = incoming(town, hki(2027, 3, 22, 6, 40), channel=fb)  # Monday before opening
    reply = receive(conv, item)
    assert reply is not None and "tänään maanantaina 22.3. klo 12.00 mennessä" in reply.text
    ResponseTarget.objects.create(organisation=town.org, klass="feedback", business_minutes=960)
    conv, item = incoming(
        town, hki(2027, 3, 19, 19), "Kiitos hyvästä palvelusta", klass="feedback", channel=fb
    )
    reply = receive(conv, item)
    assert reply is not None and "Vastaamme viimeistään tiistaina 23.3. klo 16.00." in reply.text


def test_swedish_message_gets_a_swedish_reply(town: Town, fb: Channel) -> None:
    text = "Hej! När är biblioteket öppet på lördag?"
    conv, item = incoming(town, FRIDAY_EVENING, text, channel=fb)
    reply = receive(conv, item)
    assert reply is not None and reply.language == "sv"
    assert reply.text.startswith("Tack för ditt meddelande! Det här är ett automatiskt svar")
    assert reply.text.endswith("Vi svarar nästa vardag, måndag 22.3, senast kl. 12.00.")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Milloin uimahalli aukeaa?", "fi"),
        ("Hej, var kan jag lämna in en ansökan?", "sv"),
        ("Hi! Where can I find the city's parking rules?", "en"),
        ("Moi", "fi"),
        ("Åbo", "sv"),
    ],
)
def test_language_is_detected_when_the_platform_does_not_say(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_the_item_or_conversation_language_wins_over_detection(town: Town) -> None:
    conv, item = incoming(town, FRIDAY_EVENING, "Hej, tack!", language="fi")
    assert reply_language(conv, item) == "fi"
    item.language, conv.language = "", "en-GB"
    assert reply_language(conv, item) == "en"
    item.language = "sv-FI"
    assert reply_language(conv, item) == "sv"
    item.language = "de"  # no German text: English is the best guess
    assert reply_language(conv, item) == "en"


def test_one_auto_reply_per_conversation_per_24_hours(town: Town, fb: Channel) -> None:
    conv, item = incoming(town, FRIDAY_EVENING, channel=fb)
    assert receive(conv, item) is not None
    assert receive(conv, follow_up(conv, hki(2027, 3, 19, 22))) is None
    assert receive(conv, follow_up(conv, hki(2027, 3, 20, 17, 59))) is None
    assert receive(conv, follow_up(conv, hki(2027, 3, 20, 18, 1))) is not None
    assert InboxItem.objects.filter(conversation=conv, automatic=True).count() == 2
    other, other_item = incoming(town, hki(2027, 3, 19, 22), channel=fb)  # another sender
    assert receive(other, other_item) is not None


def test_no_auto_reply_in_business_hours_to_spam_or_where_nothing_can_be_sent(
    town: Town, fb: Channel
) -> None:
    conv, item = incoming(town, hki(2027, 3, 22, 10), channel=fb)
    assert receive(conv, item) is None
    conv, item = incoming(town, FRIDAY_EVENING, "Voita iPhone!", klass="spam", channel=fb)
    assert receive(conv, item) is None
    conv, item = incoming(town, FRIDAY_EVENING, source="ingest")  # an e-mail gateway, no channel
    assert receive(conv, item) is None
    conv, item = incoming(town, FRIDAY_EVENING, channel=page(town))  # never connected
    assert receive(conv, item) is None
    assert not InboxItem.objects.filter(automatic=True).exists()


def test_public_comments_only_when_the_organisation_turns_them_on(town: Town, fb: Channel) -> None:
    conv, item = incoming(town, FRIDAY_EVENING, kind=Conversation.Kind.COMMENT, channel=fb)
    assert receive(conv, item) is None
    settings = AutoReplySettings.objects.create(organisation=town.org, public_comments=True)
    conv, item = incoming(town, FRIDAY_EVENING, kind=Conversation.Kind.COMMENT, channel=fb)
    assert receive(conv, item) is not None
    settings.enabled = False
    settings.save()
    conv, item = incoming(town, FRIDAY_EVENING, channel=fb)
    assert receive(conv, item) is None


def test_meta_messages_older_than_the_24_hour_window_get_no_auto_reply(
    town: Town, fb: Channel
) -> None:
    # A webhook delivered late (Meta retried for a day): the messaging window has closed.
    thursday = hki(2027, 3, 18, 17)
    ig, masto = connected(town, "instagram"), connected(town, "mastodon")
    for channel in (fb, ig):
        conv, item = incoming(
            town, FRIDAY_EVENING, source=channel.platform, sent_at=thursday, channel=channel
        )
        assert receive(conv, item) is None, channel.platform
    conv, item = incoming(
        town, FRIDAY_EVENING, source="instagram", sent_at=hki(2027, 3, 19, 17, 30), channel=ig
    )
    assert receive(conv, item) is not None
    conv, item = incoming(town, FRIDAY_EVENING, source="mastodon", sent_at=thursday, channel=masto)
    assert receive(conv, item) is not None  # no such window on Mastodon


def test_organisation_text_with_its_own_braces(town: Town, fb: Channel) -> None:
    AutoReplySettings.objects.create(
        organisation=town.org,
        texts={"fi": "Automaattinen vastaus {kirjasto}: palaamme asiaan {when}.", "sv": ""},
    )
    conv, item = incoming(town, FRIDAY_EVENING, channel=fb)
    reply = receive(conv, item)
    assert reply is not None
    assert reply.text == (
        "Automaattinen vastaus {kirjasto}: palaamme asiaan "
        "seuraavana arkipäivänä maanantaina 22.3. klo 12.00 mennessä."
    )
    conv, item = incoming(town, FRIDAY_EVENING, "Tack för svaret", language="sv", channel=fb)
    reply = receive(conv, item)  # an empty own text falls back to the default
    assert reply is not None and reply.text.startswith("Tack för ditt meddelande!")


def test_no_promise_from_a_unit_that_is_never_open(town: Town, fb: Channel) -> None:
    BusinessHours.objects.create(
        organisation=town.org, unit=town.subunit, weekday=0, opens=dt.time(12), closes=dt.time(12)
    )
    conv, item = incoming(town, FRIDAY_EVENING, channel=fb, unit=town.subunit)
    assert receive(conv, item) is None
    assert conv.due_at is None


def test_a_stale_due_time_is_not_promised(town: Town, fb: Channel) -> None:
    conv, item = incoming(town, hki(2027, 3, 18, 9), channel=fb)
    start_clock(conv, item)  # due Thursday 13.00 and still unanswered on Friday evening
    with clock.frozen(FRIDAY_EVENING):
        reply = maybe_auto_reply(conv, follow_up(conv, FRIDAY_EVENING))
    assert reply is not None and "maanantaina 22.3. klo 12.00" in reply.text
    assert conv.due_at == hki(2027, 3, 18, 13)


def test_through_ingest_a_good_friday_message_is_promised_tuesday(
    town: Town, platform: Path, django_capture_on_commit_callbacks: Any
) -> None:
    evening = hki(2027, 3, 26, 20)  # Good Friday; Monday 29 March is Easter Monday
    channel = connected(town, "mastodon")
    message = Incoming(
        source="mastodon",
        external_id="110000000000000001",
        kind="message",
        thread_id="110000000000000001",
        author_handle="maija@esimerkki.test",
        text="Hei! Milloin lainat pitää palauttaa, kun kirjasto on kiinni?",
        sent_at=evening,
    )
    with clock.frozen(evening):
        assert ingest.store_polled(channel, [message]) == 1
        with django_capture_on_commit_callbacks(execute=True):
            ingest.process(RawEvent.objects.get().pk)
    conv = Conversation.objects.get(channel=channel)
    reply = InboxItem.objects.get(conversation=conv, automatic=True)
    assert conv.due_at is not None
    assert conv.due_at.astimezone(clock.HELSINKI).date() == dt.date(2027, 3, 30)
    assert f"seuraavana arkipäivänä tiistaina 30.3. klo {format_time(conv.due_at)}" in reply.text
    assert reply.delivery_state == "sent"
    assert [c["key"] for c in replies_sent(platform)] == [reply.idempotency_key]


def test_no_automatic_promise_during_a_crisis(town: Town, fb: Channel) -> None:
    from somevahti.content import crisis
    from somevahti.core.roles import Role

    crisis.start(town.users[Role.CITY_MANAGER], town.root, "Vesikatko")
    conv, item = incoming(town, hki(2027, 3, 19, 18, 30), channel=fb)
    assert receive(conv, item) is None
    assert not InboxItem.objects.filter(conversation=conv, direction="out").exists()
