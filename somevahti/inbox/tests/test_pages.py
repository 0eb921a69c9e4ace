"""The inbox list and a conversation: what staff see, filters, query counts, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.roles import Role
from somevahti.inbox import ingest
from somevahti.inbox.models import Conversation, Correction, InboxItem, Note, RawEvent
from somevahti.inbox.tests.page_builders import (
    channel,
    conversation,
    en,
    incoming,
    producer_elsewhere,
    web,
)

pytestmark = pytest.mark.django_db
S = Conversation.State
HKI = clock.HELSINKI
# Tuesday 5 March 2030, 10.00 in Helsinki (UTC+2): the default calendar is open 8–16.
TUESDAY = dt.datetime(2030, 3, 5, 10, 0, tzinfo=HKI)


def rows(html: str) -> int:
    return html.count("data-conversation=")


def test_list_shows_own_units_only_and_filters(town: Town, other_town: Town) -> None:
    ch = channel(town, name="Kirjaston Mastodon")
    other_ch = channel(town, "facebook", unit=town.other_sector, name="Teknisen Facebook")
    owner = town.users[Role.CHANNEL_OWNER]
    mine = conversation(town, ch, assignee=owner, state=S.ASSIGNED, author="@liisa@mastodon.fi")
    media = conversation(town, ch, klass="media", text="Toimittaja kysyy aukioloista.")
    closed = conversation(town, ch, state=S.CLOSED, text="Kiitos avusta!")
    elsewhere = conversation(town, other_ch, text="Katuvalo on rikki.")
    foreign = conversation(other_town, channel(other_town), text="Muualla kysytään.")
    client = web(owner)
    url = en("inbox:list")

    def shown(**params: object) -> set[int]:
        html = client.get(url, params).content.decode()
        return {c.pk for c in Conversation.objects.all() if f'data-conversation="{c.pk}"' in html}

    # The owner works in the library's sector: the technical sector and the other town are out.
    assert shown() == {mine.pk, media.pk}
    assert shown(state="all") == {mine.pk, media.pk, closed.pk}
    assert shown(state="closed") == {closed.pk}
    assert shown(klass="media") == {media.pk}
    assert shown(assignee="mine") == {mine.pk}
    assert shown(assignee="none") == {media.pk}
    assert shown(q="toimittaja") == {media.pk}  # the text
    assert shown(q="liisa@mastodon") == {mine.pk}  # the sender
    assert shown(channel=ch.pk, state="all") == {mine.pk, media.pk, closed.pk}
    assert shown(unit=town.subunit.pk) == set()
    admin = web(town.users[Role.ORG_ADMIN]).get(url, {"state": "all"}).content.decode()
    assert f'data-conversation="{elsewhere.pk}"' in admin
    assert f'data-conversation="{foreign.pk}"' not in admin


def test_list_orders_by_due_time_then_latest_and_filters_due_before(town: Town) -> None:
    ch = channel(town)
    with clock.frozen(TUESDAY):
        late = conversation(town, ch, due_at=TUESDAY + dt.timedelta(hours=5), text="Myöhemmin")
        soon = conversation(town, ch, due_at=TUESDAY + dt.timedelta(hours=1), text="Pian")
        none_old = conversation(town, ch, at=TUESDAY - dt.timedelta(hours=2), text="Vanha")
        none_new = conversation(town, ch, at=TUESDAY - dt.timedelta(hours=1), text="Uusi")
    html = web(town.users[Role.COMMUNICATIONS]).get(en("inbox:list")).content.decode()
    order = [soon, late, none_new, none_old]
    positions = [html.index(f'data-conversation="{c.pk}"') for c in order]
    assert positions == sorted(positions)
    # The form takes Helsinki wall time.
    due = web(town.users[Role.COMMUNICATIONS]).get(
        en("inbox:list"), {"due_before": "2030-03-05T12:00"}
    )
    assert (
        rows(due.content.decode()) == 1 and f'data-conversation="{soon.pk}"' in due.content.decode()
    )


def _count(client: object, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"q": "kirjasto", "assignee": "mine"}, {"state": "all"}])
def test_list_runs_a_fixed_number_of_queries(town: Town, params: dict[str, str]) -> None:
    chans = [channel(town), channel(town, "bluesky"), channel(town, "facebook")]
    owner = town.users[Role.CHANNEL_OWNER]
    client = web(owner)
    url = en("inbox:list")
    for n in range(3):
        conversation(town, chans[n % 3], assignee=owner, text=f"Kirjasto {n}?")
    small = _count(client, url, params)
    for n in range(55):
        conv = conversation(town, chans[n % 3], assignee=owner, text=f"Kirjasto {n}?")
        incoming(conv, "Vielä yksi kysymys kirjastosta.")
    large = _count(client, url, params)
    assert large == small
    assert rows(client.get(url, params).content.decode()) == 50


def test_conversation_page_shows_items_reasons_and_business_time_left(town: Town) -> None:
    ch = channel(town, name="Kirjaston Mastodon")
    reasons = [{"kind": "keyword", "klass": "question", "pattern": "satu", "matched": "satutunti"}]
    with clock.frozen(TUESDAY):
        conv = conversation(
            town, ch, due_at=TUESDAY + dt.timedelta(hours=2, minutes=30), reasons=reasons
        )
        out = InboxItem.objects.create(
            organisation=town.org,
            conversation=conv,
            channel=ch,
            direction="out",
            external_id="auto-1",
            source="mastodon",
            text="Tämä on automaattinen vastaus.",
            sent_at=TUESDAY + dt.timedelta(minutes=1),
            received_at=TUESDAY,
            automatic=True,
            delivery_state="sent",
        )
        page = web(town.users[Role.CONTENT_PRODUCER]).get(en("inbox:conversation", conv.pk))
    html = page.content.decode()
    assert page.status_code == 200
    first_in = html.index('data-direction="in"')
    assert first_in < html.index(f'data-item="{out.pk}"')
    assert "Automatic reply" in html
    assert "The word “satu” (here “satutunti”) suggests a question." in html
    # 12.30 Helsinki is 10.30 UTC; two and a half business hours are left.
    assert 'datetime="2030-03-05T12:30:00+02:00"' in html
    assert "2 h 30 min of business hours left" in html


def test_overdue_counts_business_hours_only(town: Town) -> None:
    ch = channel(town)
    monday_3pm = dt.datetime(2030, 3, 4, 15, 0, tzinfo=HKI)
    with clock.frozen(monday_3pm - dt.timedelta(hours=4)):
        conv = conversation(town, ch, due_at=monday_3pm)
    with clock.frozen(TUESDAY):  # 1 h on Monday + 2 h on Tuesday; the night does not count
        html = (
            web(town.users[Role.COMMUNICATIONS])
            .get(en("inbox:conversation", conv.pk))
            .content.decode()
        )
    assert "Overdue by 3 h of business hours" in html


def test_notes_are_added_by_anyone_who_sees_the_conversation(town: Town) -> None:
    conv = conversation(town, channel(town))
    producer = town.users[Role.CONTENT_PRODUCER]
    client = web(producer)
    response = client.post(en("inbox:act", conv.pk, "note"), {"text": "Soitin asiakkaalle."})
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.author, note.text) == (producer, "Soitin asiakkaalle.")
    assert "Soitin asiakkaalle." in client.get(en("inbox:conversation", conv.pk)).content.decode()
    empty = client.post(en("inbox:act", conv.pk, "note"), {"text": "  "})
    assert empty.status_code == 400 and 'id="error-summary"' in empty.content.decode()
    assert AuditEvent.objects.filter(verb="inbox.note_added").count() == 1


def test_state_changes_follow_permissions(town: Town, other_town: Town) -> None:
    conv = conversation(town, channel(town))
    owner = town.users[Role.CHANNEL_OWNER]
    close = en("inbox:act", conv.pk, "close")
    # A producer of the unit sees it but may not change it; one elsewhere does not see it.
    assert web(town.users[Role.CONTENT_PRODUCER]).post(close).status_code == 403
    assert web(producer_elsewhere(town)).post(close).status_code == 404
    assert web(other_town.users[Role.ORG_ADMIN]).post(close).status_code == 404
    assert Conversation.objects.get(pk=conv.pk).state == S.NEW
    client = web(owner)
    page = client.get(en("inbox:conversation", conv.pk)).content.decode()
    assert 'id="state-close"' in page and 'id="state-reopen"' not in page
    assert client.post(close).status_code == 302
    assert Conversation.objects.get(pk=conv.pk).state == S.CLOSED
    again = client.post(close)
    assert again.status_code == 409 and 'id="conflict"' in again.content.decode()
    assert client.post(en("inbox:act", conv.pk, "reopen")).status_code == 302
    assert Conversation.objects.get(pk=conv.pk).state == S.NEW
    events = AuditEvent.objects.filter(verb="inbox.state_changed").order_by("pk")
    assert [e.data["to"] for e in events] == [S.CLOSED, S.NEW]


def test_answered_elsewhere_stops_the_clock(town: Town) -> None:
    with clock.frozen(TUESDAY):
        conv = conversation(town, channel(town), due_at=TUESDAY + dt.timedelta(hours=1))
        web(town.users[Role.CHANNEL_OWNER]).post(en("inbox:act", conv.pk, "answer"))
    conv.refresh_from_db()
    assert conv.state == S.ANSWERED and conv.first_response_at == TUESDAY


def test_assignee_who_is_a_producer_may_close_their_conversation(town: Town) -> None:
    producer = town.users[Role.CONTENT_PRODUCER]
    conv = conversation(town, channel(town))
    owner = web(town.users[Role.CHANNEL_OWNER])
    assert (
        owner.post(en("inbox:act", conv.pk, "assign"), {"assignee": producer.pk}).status_code == 302
    )
    conv.refresh_from_db()
    assert (conv.assignee, conv.state) == (producer, S.ASSIGNED)
    assert web(producer).post(en("inbox:act", conv.pk, "close")).status_code == 302
    # Someone without a role over the unit is not offered and is refused.
    outsider = producer_elsewhere(town)
    page = owner.get(en("inbox:conversation", conv.pk)).content.decode()
    assert f'<option value="{producer.pk}"' in page and f'value="{outsider.pk}"' not in page
    refused = owner.post(en("inbox:act", conv.pk, "assign"), {"assignee": outsider.pk})
    assert refused.status_code == 400


def test_class_correction_is_kept(town: Town) -> None:
    conv = conversation(town, channel(town), klass="question")
    item = conv.items.get()
    client = web(town.users[Role.COMMUNICATIONS])
    response = client.post(
        en("inbox:act", conv.pk, "correct"),
        {"item": item.pk, "klass": "media", "note": "Lähettäjä on toimittaja."},
    )
    assert response.status_code == 302
    conv.refresh_from_db()
    assert conv.klass == "media"
    assert Correction.objects.get().note == "Lähettäjä on toimittaja."
    html = client.get(en("inbox:conversation", conv.pk)).content.decode()
    assert "Staff changed the class from “Question” to “Media inquiry”." in html
    producer = web(town.users[Role.CONTENT_PRODUCER])
    assert (
        producer.post(
            en("inbox:act", conv.pk, "correct"), {"item": item.pk, "klass": "spam"}
        ).status_code
        == 403
    )


def test_unreadable_events_are_listed_escaped_for_the_admin(town: Town, other_town: Town) -> None:
    body = b'{"entry": "<script>alert(1)</script>"'
    ingest.store_raw("ingest", "ingest:test:1", body, organisation=town.org)
    raw = RawEvent.objects.get()  # this town's
    assert ingest.process(raw.pk) == RawEvent.State.FAILED
    theirs, _new = ingest.store_raw("ingest", "ingest:test:2", b"[", organisation=other_town.org)
    assert ingest.process(theirs.pk) == RawEvent.State.FAILED
    ingest.count_rejection("meta", "bad_signature")
    ingest.count_rejection("meta", "bad_signature")
    url = en("inbox:unreadable")
    assert web(town.users[Role.COMMUNICATIONS]).get(url).status_code == 403
    html = web(town.users[Role.ORG_ADMIN]).get(url).content.decode()
    assert html.count("data-raw-event=") == 1 and f'data-raw-event="{raw.pk}"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Not JSON" in html  # the parser's error
    assert "Wrong signature</td><td>2</td>" in html
