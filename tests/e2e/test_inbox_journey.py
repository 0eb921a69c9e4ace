"""The inbox end to end, every page checked with axe:

a journalist's question arrives as a signed Meta webhook for the city's Facebook page, and a
resident's Friday-evening message through the signed REST ingest → communications opens the
inbox from the menu, filters media inquiries, reads why it is a media inquiry and why it came
to her, sees the answer-by time, adds a note and assigns it → her reply has an identity code,
which the checker blocks → she fixes it; Facebook replies cannot be sent from here, so the
page says so and keeps her text → she answers on Facebook, marks it answered and closes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any

import pytest

from somevahti.audit.models import AuditEvent
from somevahti.connectors.base import Account, Connected
from somevahti.core import clock, crypto
from somevahti.core.models import Organisation, User
from somevahti.core.roles import Role
from somevahti.inbox.models import Conversation, IngestKey, Note
from somevahti.inbox.tests import page_builders as pb
from somevahti.publishing import connections
from somevahti.publishing.models import PlatformApp
from somevahti.registry.models import Channel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE_ID = "100200300400"
META_SECRET = "meta-secret-for-the-inbox-journey"  # noqa: S105 (a test value)
INGEST_SECRET = "ingest-secret-for-the-inbox-journey"  # noqa: S105 (a test value)
QUESTION = (
    "Hei! Olen toimittaja Vahtilan Sanomista. Voisinko haastatella kaupunginjohtajaa "
    "uimahallin remontista vielä tällä viikolla?"
)
EVENING = "Perjantai-ilta ja kuntosalin ovi on lukossa, vaikka sen pitäisi olla auki. Miksi?"
HETU = "131052-308T"
BLOCKED = f"Hei ja kiitos! Kaupunginjohtaja vastaa mielellään. Viite {HETU}."
FIXED = "Hei ja kiitos! Kaupunginjohtaja vastaa mielellään. Sovitaan aika viestillä."
NOTE = "Kaupunginjohtaja ehtii torstaina; tarkistan kalenterin."


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    req = urllib.request.Request(  # noqa: S310 (http to the live server)
        url, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as answer:  # noqa: S310
        status: int = answer.status
        return status


def deliver_meta_comment(base: str, org: Organisation) -> Channel:
    """The city's page is connected and the Meta app registered; Meta then signs the comment
    with the app secret (X-Hub-Signature-256) and posts it to the webhook."""
    page = Channel.objects.get(
        organisation=org, platform="facebook", unit__name="Viestintä", name="Vahtilan kaupunki"
    )
    account = Account("facebook", account_id=PAGE_ID, handle="Vahtilan kaupunki")
    connections.connect(None, page, Connected(account))
    PlatformApp.objects.create(
        organisation=org,
        platform="facebook",
        client_id="journey",
        secret=crypto.encrypt_json({"client_secret": META_SECRET, "verify_token": "vahtila"}),
        created_at=clock.now(),
    )
    now = int(time.time())
    payload: dict[str, Any] = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "7788", "name": "Tiina Toimittaja"},
                            "item": "comment",
                            "verb": "add",
                            "comment_id": f"{PAGE_ID}_5_{now}",
                            "post_id": f"{PAGE_ID}_5",
                            "parent_id": f"{PAGE_ID}_5",
                            "message": QUESTION,
                            "created_time": now,
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload).encode()
    digest = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert post(f"{base}/hooks/meta/", body, {"X-Hub-Signature-256": f"sha256={digest}"}) == 200
    return page


def deliver_ingest_message(base: str, org: Organisation) -> None:
    """The feedback system's message, signed over "<timestamp>.<body>" with its key."""
    key = IngestKey.objects.create(
        organisation=org,
        name="Palautejärjestelmä",
        key_id="palaute-journey",
        secret=crypto.encrypt(INGEST_SECRET),
        created_at=clock.now(),
    )
    body = json.dumps(
        {
            "id": "palaute-4711",
            "text": EVENING,
            "sent_at": clock.now().isoformat(),
            "author": {"name": "Kalle Kuntoilija", "email": "kalle@example.fi"},
            "language": "fi",
        }
    ).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(
        INGEST_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    headers = {
        "X-Somevahti-Key": key.key_id,
        "X-Somevahti-Timestamp": stamp,
        "X-Somevahti-Signature": f"sha256={digest}",
    }
    assert post(f"{base}/hooks/ingest/", body, headers) == 202


def describe_focus(page: Any) -> str:
    """The focused element as "<form id> <field name or id>", else its id, else tag and text."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " const own = e.name || e.id"
        "  || e.tagName.toLowerCase() + ' ' + (e.textContent || '').trim().slice(0, 40);"
        " return e.form && e.form.id ? e.form.id + ' ' + own : own }"
    )


def tab_path(page: Any, limit: int = 120) -> list[str]:
    """Everything Tab visits from the top of the page, in order, once round."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    for n in range(limit):
        page.keyboard.press("Tab")
        if n == 0:
            page.evaluate("window.firstFocused = document.activeElement")
        elif page.evaluate("[window.firstFocused, document.body].includes(document.activeElement)"):
            break
        seen.append(describe_focus(page))
    return seen


def tab_to(page: Any, wanted: str, limit: int = 120) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if describe_focus(page) == wanted:
            return
    raise AssertionError(f"{wanted} is not reachable with Tab")


def test_a_media_inquiry_from_webhook_to_closed(demo, login, live_server, accessible):
    org = Organisation.objects.get(slug="vahtila")
    deliver_meta_comment(live_server.url, org)
    deliver_ingest_message(live_server.url, org)
    conv = Conversation.objects.get(organisation=org, items__text=QUESTION)
    evening = Conversation.objects.get(organisation=org, items__text=EVENING)
    assert (conv.klass, conv.channel.platform, evening.channel) == ("media", "facebook", None)

    # 1. Communications opens the inbox from the menu: both messages are there.
    page = login("viestinta", demo)
    page.locator("nav details:has(a[href$='/inbox/']) > summary").click()
    page.locator("nav a[href$='/inbox/']").click()
    page.wait_for_url("**/fi/inbox/")
    assert page.locator(f"#inbox-table tr[data-conversation='{evening.pk}']").count() == 1
    assert page.locator(f"#inbox-table tr[data-conversation='{conv.pk}']").count() == 1
    accessible(page)

    # 2. ... filters media inquiries and opens the journalist's question.
    page.select_option("#id_klass", "media")
    page.locator("#inbox-filters button[type=submit]").click()
    page.wait_for_url("**/fi/inbox/?*klass=media*")
    rows = page.locator("#inbox-table tbody tr[data-conversation]")
    assert rows.count() == 1 and rows.get_attribute("data-conversation") == str(conv.pk)
    accessible(page)
    rows.locator("th a").click()
    page.wait_for_url(f"**/fi/inbox/conversations/{conv.pk}/")
    accessible(page)

    # Why it is a media inquiry and why it came to her, in words; and by when to answer.
    page.locator("#items li[data-item] details summary").first.click()
    reasons = page.locator("#items .class-reasons").first.inner_text()
    assert "”toimittaja”" in reasons and "”haastatella”" in reasons and "mediakysely" in reasons
    route = page.locator("#route-reasons").inner_text()
    assert "Mediakyselyt" in route and "Helmi Koskinen" in route
    for code in ("keyword", "question_mark", "channel_owner", "klass", "{"):
        assert code not in reasons + route
    shown = page.locator("#due-at").get_attribute("datetime")
    assert conv.due_at is not None and dt.datetime.fromisoformat(shown) == conv.due_at
    assert page.locator("#due-at").inner_text().strip() != ""
    assert "jäljellä" in page.locator("#due-left").inner_text()
    accessible(page)

    # 3. An internal note, then the city manager is assigned.
    page.fill("#note-form textarea[name=text]", NOTE)
    page.locator("#note-form button[type=submit]").click()
    page.wait_for_load_state()
    assert NOTE in page.locator("#notes").inner_text()
    assert Note.objects.get(conversation=conv).author.username == "viestinta"
    accessible(page)
    manager = User.objects.get(username="kaupunginjohtaja")
    page.select_option("#assign-form select[name=assignee]", str(manager.pk))
    page.locator("#assign-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#assignee").inner_text() == "Leena Virtanen"
    accessible(page)

    route = page.locator("#route-reasons").inner_text()
    assert "Helmi Koskinen" in route and "Leena Virtanen" in route

    # 4. The main actions are on the Tab path, in the page's order.
    path = tab_path(page)
    actions = [
        "state-form state-answer",
        "state-form state-close",
        "reply-form text",
        "reply-form check",
        "note-form text",
        "assign-form assignee",
    ]
    assert [p for p in path if p in actions] == actions, path

    # 5. She writes the reply with the keyboard only; Enter on "check" runs the checker,
    # which blocks the identity code and keeps her text.
    tab_to(page, "reply-form text")
    page.keyboard.type(BLOCKED)
    page.keyboard.press("Tab")
    assert describe_focus(page) == "reply-form check"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    finding = page.locator("#reply-form li[data-rule='privacy.hetu']")
    assert finding.get_attribute("data-severity") == "block"
    assert HETU in finding.inner_text()
    assert page.locator("#no-override").is_visible()  # only the data protection officer may
    assert page.input_value("#reply-form textarea[name=text]") == BLOCKED
    accessible(page)

    # 6. She takes the code out. Facebook replies cannot be sent from Somevahti: the page
    # says so, offers no send button, and keeps the text for her to copy to Facebook.
    page.fill("#reply-form textarea[name=text]", FIXED)
    page.locator("#check-button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#reply-form [data-rule='privacy.hetu']").count() == 0
    assert page.input_value("#reply-form textarea[name=text]") == FIXED
    unsendable = page.locator("#unsendable")
    assert "Facebook" in unsendable.inner_text() and "säilyy" in unsendable.inner_text()
    assert page.locator("#send-button").count() == 0
    accessible(page)
    # A send posted anyway (a script, an old page) is refused in words, the text kept.
    with page.expect_navigation():
        page.evaluate("document.getElementById('reply-form').submit()")
    assert unsendable.inner_text() in page.locator("#reply-form .error-summary").inner_text()
    assert page.input_value("#reply-form textarea[name=text]") == FIXED
    assert not conv.items.filter(direction="out").exists()
    accessible(page)

    # 7. Answered on Facebook itself: marked answered (the clock stops), then closed.
    page.goto(f"{live_server.url}/fi/inbox/conversations/{conv.pk}/")
    page.locator("#state-answer").click()
    page.wait_for_load_state()
    assert page.locator("#conversation-state").get_attribute("data-state") == "answered"
    assert page.locator("#due-at").count() == 0
    accessible(page)
    page.locator("#state-close").click()
    page.wait_for_load_state()
    assert page.locator("#conversation-state").get_attribute("data-state") == "closed"
    accessible(page)
    conv.refresh_from_db()
    assert conv.state == "closed" and conv.first_response_at is not None
    verbs = list(
        AuditEvent.objects.filter(target_type="inbox.conversation", target_id=str(conv.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "inbox.routed",
        "inbox.note_added",
        "inbox.assigned",
        "inbox.state_changed",
        "inbox.state_changed",
    ]


def test_every_field_of_a_conversation_has_its_own_label(town, login, live_server):
    """A small town instead of the demo: only the conversation page's markup matters here."""
    conv = pb.conversation(town, pb.channel(town))
    page = login(town.users[Role.COMMUNICATIONS].username, "salasana-testi-1")
    page.goto(f"{live_server.url}/fi/inbox/conversations/{conv.pk}/")
    assert page.locator("#reply-form").count() == 1 and page.locator("#note-form").count() == 1
    unlabelled = page.evaluate(
        "() => [...document.querySelectorAll('main textarea, main select, main input')]"
        ".filter(e => e.type !== 'hidden' && e.labels.length !== 1)"
        ".map(e => (e.form ? e.form.id + ' ' : '') + e.name)"
    )
    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    assert (unlabelled, duplicated) == ([], [])
