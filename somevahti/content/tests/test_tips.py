"""Staff tips: sending with consent, triage into a draft, ask for more, decline, isolation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import tips
from somevahti.content.models import Post, Tip
from somevahti.content.tests.builders import channel
from somevahti.core.models import Notification, User
from somevahti.core.roles import Role
from tests import factories as f

T = Tip.State
PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 64
EVENT = dt.date(2030, 3, 12)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def photo(name: str = "kuva.png", data: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def send(town: Town, *, photos: int = 0, sender: User | None = None, **extra: Any) -> Tip:
    data = {
        "text": "Lukupiiri täyttää 10 vuotta\nKakkua ja runoja.",
        "event_date": EVENT,
        "photos": [photo() for _ in range(photos)],
        **extra,
    }
    return tips.send_tip(sender or town.users[Role.CONTENT_PRODUCER], town.unit, data)


def verbs(obj: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(obj.pk), target_type__endswith=".tip")
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_photo_of_people_without_consent_is_refused(town: Town) -> None:
    client = web(town.users[Role.CONTENT_PRODUCER])
    assert client.get(reverse("content:tip_new")).status_code == 200
    response = client.post(
        reverse("content:tip_new"),
        {
            "unit": town.unit.pk,
            "text": "Satutuokio",
            "event_date": "2030-03-12",
            "photos": [photo()],
            "shows_people": "on",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_consent_confirmed_error"' in html and 'id="id_consent_how_error"' in html
    assert not Tip.objects.exists()
    with pytest.raises(ValidationError) as exc:
        send(town, photos=1, shows_people=True, consent_confirmed=True)
    assert set(exc.value.message_dict) == {"consent_how"}
    assert not Tip.objects.exists()


def test_only_images_are_accepted(town: Town) -> None:
    with pytest.raises(ValidationError) as exc:
        tips.send_tip(
            town.users[Role.CONTENT_PRODUCER],
            town.unit,
            {"text": "x", "event_date": EVENT, "photos": [photo("x.png", b"%PDF-1.4 no image")]},
        )
    assert "photos" in exc.value.message_dict
    assert not Tip.objects.exists()


def test_sending_a_tip_tells_channel_owners_and_communications(town: Town) -> None:
    client = web(town.users[Role.CONTENT_PRODUCER])
    response = client.post(
        reverse("content:tip_new"),
        {
            "unit": town.unit.pk,
            "text": "Satutuokio lapsille",
            "event_date": "2030-03-12",
            "photos": [photo(), photo("toinen.png")],
            "shows_people": "on",
            "consent_confirmed": "on",
            "consent_how": "Vanhemmat allekirjoittivat luvan.",
        },
    )
    tip = Tip.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/tips/{tip.pk}/")
    assert (tip.state, tip.photos.count(), tip.consent_confirmed) == (T.NEW, 2, True)
    assert tip.event_date == EVENT
    told = set(Notification.objects.values_list("user__username", flat=True))
    triagers = (Role.CHANNEL_OWNER, Role.COMMUNICATIONS, Role.ORG_ADMIN)
    assert told == {town.users[r].username for r in triagers}
    assert verbs(tip) == ["tip.sent"]


def test_elected_official_cannot_send(town: Town) -> None:
    official = town.users[Role.ELECTED_OFFICIAL]
    with pytest.raises(PermissionDenied):
        send(town, sender=official)
    assert web(official).get(reverse("content:tip_new")).status_code == 403
    response = api(official).post(
        "/api/v1/tips/", {"unit": town.unit.pk, "text": "Vinkki", "event_date": "2030-03-12"}
    )
    assert response.status_code == 403
    assert not Tip.objects.exists()


def test_it_staff_without_posting_channels_can_send(town: Town) -> None:
    tip = send(town, sender=town.users[Role.IT])
    assert tip.sender == town.users[Role.IT]


def test_triage_to_draft_keeps_the_link_and_copies_photos(town: Town) -> None:
    ch = channel(town)
    tip = send(town, photos=1)
    owner = town.users[Role.CHANNEL_OWNER]
    Notification.objects.all().delete()
    response = web(owner).post(
        reverse("content:tip_act", args=[tip.pk, "draft"]),
        {"title": "Lukupiirin synttärit", "channels": [ch.pk]},
    )
    tip.refresh_from_db()
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/posts/{post.pk}/")
    assert (tip.state, tip.post, tip.handled_by) == (T.DRAFTED, post, owner)
    assert (post.state, post.body, post.author, post.unit) == ("draft", tip.text, owner, town.unit)
    assert [v.channel for v in post.variants.all()] == [ch]
    media = post.media.get()
    assert (media.kind, media.alt_text) == ("image", "")
    with media.file.open("rb") as fh:
        assert fh.read() == PNG
    sender = town.users[Role.CONTENT_PRODUCER]
    assert Notification.objects.filter(user=sender).count() == 1
    assert verbs(tip) == ["tip.sent", "tip.drafted"]
    mine = web(sender).get(reverse("content:tip_mine")).content.decode()
    assert f'data-tip="{tip.pk}"' in mine and reverse("content:post_detail", args=[post.pk]) in mine
    again = web(owner).post(reverse("content:tip_act", args=[tip.pk, "decline"]), {"reason": "x"})
    assert again.status_code == 409


def test_ask_for_more_and_the_sender_answers(town: Town) -> None:
    tip = send(town)
    comms = town.users[Role.COMMUNICATIONS]
    sender = town.users[Role.CONTENT_PRODUCER]
    Notification.objects.all().delete()
    r = web(comms).post(reverse("content:tip_act", args=[tip.pk, "ask"]), {"text": "Saako kuvata?"})
    assert r.status_code == 302
    tip.refresh_from_db()
    assert tip.state == T.WAITING
    assert list(Notification.objects.values_list("user", flat=True)) == [sender.pk]
    page = web(sender).get(reverse("content:tip_detail", args=[tip.pk])).content.decode()
    assert 'id="answer-form"' in page
    # Only the sender answers; a triager's own answer is refused.
    assert (
        web(comms)
        .post(reverse("content:tip_act", args=[tip.pk, "answer"]), {"text": "x"})
        .status_code
        == 403
    )
    r = web(sender).post(
        reverse("content:tip_act", args=[tip.pk, "answer"]),
        {"text": "Saa, luvat on kysytty.", "photos": [photo()]},
    )
    assert r.status_code == 302
    tip.refresh_from_db()
    assert (tip.state, tip.photos.count()) == (T.NEW, 1)
    assert list(tip.messages.values_list("kind", flat=True)) == ["question", "answer"]
    assert Notification.objects.filter(user=town.users[Role.CHANNEL_OWNER]).exists()
    again = web(sender).post(reverse("content:tip_act", args=[tip.pk, "answer"]), {"text": "x"})
    assert again.status_code == 409
    assert verbs(tip) == ["tip.sent", "tip.more_requested", "tip.answered"]


def test_decline_with_thanks_notifies_the_sender(
    town: Town, django_capture_on_commit_callbacks: Any, mailoutbox: list
) -> None:
    tip = send(town)
    owner = town.users[Role.CHANNEL_OWNER]
    empty = web(owner).post(reverse("content:tip_act", args=[tip.pk, "decline"]), {"reason": " "})
    assert empty.status_code == 400
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tips.decline(owner, tip, "Aihe oli jo esillä viime viikolla.")
    tip.refresh_from_db()
    assert (tip.state, tip.decline_reason) == (T.DECLINED, "Aihe oli jo esillä viime viikolla.")
    sender = town.users[Role.CONTENT_PRODUCER]
    assert [m.to for m in mailoutbox] == [[sender.email]]
    note = Notification.objects.get(user=sender)
    assert "Aihe oli jo esillä" in note.text
    event = AuditEvent.objects.get(verb="tip.declined")
    assert event.reason == "Aihe oli jo esillä viime viikolla." and event.actor == owner
    page = web(sender).get(reverse("content:tip_detail", args=[tip.pk])).content.decode()
    assert 'id="decline-reason"' in page


def test_queue_is_for_triagers_of_the_unit_only(town: Town, other_town: Town) -> None:
    tip = send(town)
    producer = f.user(town.org, (Role.CONTENT_PRODUCER, town.other_sector))
    elsewhere = tips.send_tip(
        producer, town.other_sector, {"text": "Katutyöt", "event_date": EVENT}
    )
    owner = town.users[Role.CHANNEL_OWNER]
    queue = web(owner).get(reverse("content:tip_queue"))
    html = queue.content.decode()
    assert queue.status_code == 200
    assert f'data-tip="{tip.pk}"' in html and f'data-tip="{elsewhere.pk}"' not in html
    # Not a triager: no queue; another unit's triager: not found.
    assert (
        web(town.users[Role.CONTENT_PRODUCER]).get(reverse("content:tip_queue")).status_code == 403
    )
    assert web(owner).get(reverse("content:tip_detail", args=[elsewhere.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        tips.decline(owner, elsewhere, "ei")


def test_other_organisation_gets_404(town: Town, other_town: Town) -> None:
    tip = send(town, photos=1)
    stranger = other_town.users[Role.ORG_ADMIN]
    client = web(stranger)
    assert client.get(reverse("content:tip_detail", args=[tip.pk])).status_code == 404
    assert (
        client.post(
            reverse("content:tip_act", args=[tip.pk, "decline"]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert client.get(reverse("content:tip_photo", args=[tip.photos.get().pk])).status_code == 404
    assert api(stranger).get(f"/api/v1/tips/{tip.pk}/").status_code == 404
    assert api(stranger).get("/api/v1/tips/").json()["results"] == []
    tip.refresh_from_db()
    assert tip.state == T.NEW


def test_api_send_and_triage(town: Town) -> None:
    producer = town.users[Role.CONTENT_PRODUCER]
    response = api(producer).post(
        "/api/v1/tips/",
        {
            "unit": town.unit.pk,
            "text": "Uusi lautapelikokoelma",
            "event_date": "2030-03-12",
            "photos": [photo()],
            "shows_people": "true",
        },
        format="multipart",
    )
    assert response.status_code == 400 and "consent_confirmed" in response.json()
    response = api(producer).post(
        "/api/v1/tips/",
        {"unit": town.unit.pk, "text": "Uusi lautapelikokoelma", "event_date": "2030-03-12",
         "photos": [photo()]},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    tip_id = response.json()["id"]
    assert response.json()["state"] == T.NEW and len(response.json()["photos"]) == 1
    owner = api(town.users[Role.CHANNEL_OWNER])
    listed = owner.get("/api/v1/tips/?box=triage").json()["results"]
    assert [t["id"] for t in listed] == [tip_id]
    asked = owner.post(f"/api/v1/tips/{tip_id}/ask/", {"text": "Milloin?"}, format="json")
    assert asked.status_code == 200 and asked.json()["state"] == T.WAITING
    answered = api(producer).post(
        f"/api/v1/tips/{tip_id}/answer/", {"text": "Ensi tiistaina."}, format="multipart"
    )
    assert answered.status_code == 200 and answered.json()["state"] == T.NEW
    drafted = owner.post(f"/api/v1/tips/{tip_id}/draft/", {"title": ""}, format="json")
    assert drafted.status_code == 201
    assert Tip.objects.get(pk=tip_id).post_id == drafted.json()["post"]
    assert owner.post(f"/api/v1/tips/{tip_id}/decline/", {"reason": "x"}).status_code == 409


def test_queue_query_count(town: Town, django_assert_max_num_queries: Any) -> None:
    for _ in range(15):
        send(town, photos=1)
    client = web(town.users[Role.CHANNEL_OWNER])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("content:tip_queue"))
    assert response.content.decode().count("data-tip=") == 15
