"""What owners see and do: deliveries on the post, the connection page, the record, the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from conftest import Town
from somevahti.connectors.fake import RecordingConnector
from somevahti.content.models import Post
from somevahti.content.tests.builders import fresh
from somevahti.core import clock, crypto
from somevahti.core.models import User
from somevahti.core.roles import Role
from somevahti.publishing import engine
from somevahti.publishing.models import Connection, Delivery
from somevahti.publishing.tests.conftest import SCHEDULE_AT, scheduled
from somevahti.registry.models import Channel

S = Post.State
D = Delivery.State
LATER = SCHEDULE_AT + dt.timedelta(seconds=1)


def en(name: str, *args: object) -> str:
    """Pages in English, so the assertions read the same whatever the default language."""
    with translation.override("en"):
        return reverse(name, args=args)


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_post_page_shows_the_platform_link_after_publishing(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    ch = connected("mastodon", name="Kirjaston Mastodon")
    post = scheduled(town, ch)
    with clock.frozen(LATER):
        engine.run()
    d = Delivery.objects.get(post=post)
    page = web(town.users[Role.CONTENT_PRODUCER]).get(
        reverse("content:post_detail", args=[post.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{d.url}"' in html and "Kirjaston Mastodon" in html
    assert f'id="delivery-{d.pk}" data-state="published"' in html


def test_owner_retries_a_refused_delivery_with_a_new_key(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected(), body="Kaksoiskappale [[reject]]")
    with clock.frozen(LATER):
        engine.run()
    d = Delivery.objects.get(post=post)
    old_key = d.idempotency_key
    page = web(town.users[Role.CHANNEL_OWNER]).get(en("content:post_detail", post.pk))
    assert "Try again" in page.content.decode()
    # A producer without rights on the channel may not retry.
    denied = web(town.users[Role.CONTENT_PRODUCER]).post(
        reverse("publishing:delivery_act", args=[d.pk, "retry"])
    )
    assert denied.status_code == 403
    Post.objects.filter(pk=post.pk).update(body="Korjattu teksti")
    with clock.frozen(LATER + dt.timedelta(minutes=5)):
        response = web(town.users[Role.CHANNEL_OWNER]).post(
            reverse("publishing:delivery_act", args=[d.pk, "retry"])
        )
        assert response.status_code == 302
        engine.run()
    d.refresh_from_db()
    assert d.state == D.PUBLISHED and d.idempotency_key != old_key
    assert fresh(post).state == S.PUBLISHED
    assert [c["key"] for c in fake.calls()] == [d.idempotency_key]


def test_unconfirmed_is_settled_by_a_person_with_the_address(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected())
    with clock.frozen(LATER):
        engine.open_due_posts()
        _token, ids = engine.claim()
        Delivery.objects.filter(pk=ids[0]).update(state=D.SENDING, lease_until=LATER)
    with clock.frozen(LATER + dt.timedelta(seconds=2)):
        engine.run()
    d = Delivery.objects.get(pk=ids[0])
    assert d.state == D.UNCONFIRMED
    owner = web(town.users[Role.CHANNEL_OWNER])
    bad = owner.post(
        reverse("publishing:delivery_act", args=[d.pk, "confirm"]), {"url": "ei osoite"}
    )
    assert bad.status_code == 302
    d.refresh_from_db()
    assert d.state == D.UNCONFIRMED  # nothing changed on bad input
    owner.post(
        reverse("publishing:delivery_act", args=[d.pk, "confirm"]),
        {"url": "https://example.org/post/1"},
    )
    d.refresh_from_db()
    assert (d.state, d.url) == (D.PUBLISHED, "https://example.org/post/1")
    assert fresh(post).state == S.PUBLISHED


def test_connection_page_shows_expired_reason_and_secret_is_encrypted(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    ch = connected()
    post = scheduled(town, ch, body="Vanha avain [[expired]]")
    with clock.frozen(LATER):
        engine.run()
    conn = Connection.objects.get(channel=ch)
    assert '"t"' not in conn.secret and crypto.decrypt_json(conn.secret) == {"t": "x"}
    page = web(town.users[Role.CHANNEL_OWNER]).get(reverse("publishing:connection", args=[ch.pk]))
    html = page.content.decode()
    assert 'data-status="expired"' in html and "Session has expired" in html
    post_page = web(town.users[Role.CHANNEL_OWNER]).get(
        reverse("content:post_detail", args=[post.pk])
    )
    assert "Session has expired" in post_page.content.decode()  # why the post waits


def test_other_organisation_sees_nothing(
    town: Town, other_town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    ch = connected()
    post = scheduled(town, ch)
    with clock.frozen(LATER):
        engine.run()
    d = Delivery.objects.get(post=post)
    stranger = web(other_town.users[Role.IT])
    assert stranger.get(reverse("publishing:connection", args=[ch.pk])).status_code == 404
    assert (
        stranger.post(reverse("publishing:delivery_act", args=[d.pk, "retry"])).status_code == 404
    )
    api = APIClient()
    api.force_authenticate(other_town.users[Role.IT])
    assert api.get("/api/v1/deliveries/").json()["results"] == []
    assert api.get("/api/v1/connections/").json()["results"] == []


def test_api_lists_connections_without_secrets_and_deliveries_with_attempts(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    ch = connected()
    post = scheduled(town, ch)
    with clock.frozen(LATER):
        engine.run()
    api = APIClient()
    api.force_authenticate(town.users[Role.IT])
    conns = api.get("/api/v1/connections/").json()["results"]
    assert [c["channel"] for c in conns] == [ch.pk]
    assert "secret" not in conns[0] and conns[0]["status"] == "ok"
    rows = api.get(f"/api/v1/deliveries/?post={post.pk}").json()["results"]
    assert rows[0]["state"] == "published" and rows[0]["url"]
    assert rows[0]["attempts_log"][0]["result"] == "published"


def test_delivery_record_exports_every_attempt_as_csv(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected(name="Kirjaston Bluesky"))
    with clock.frozen(LATER):
        engine.run()
    response = web(town.users[Role.COMMUNICATIONS]).get(
        reverse("publishing:deliveries") + "?format=csv"
    )
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    lines = body.strip().splitlines()
    assert len(lines) == 2 and post.title in lines[1] and "Kirjaston Bluesky" in lines[1]


def test_calendar_shows_the_published_post_with_its_platform_link(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected())
    with clock.frozen(LATER):
        engine.run()
    url = fresh(post).published_url
    page = web(town.users[Role.CHANNEL_OWNER]).get(
        reverse("content:calendar") + f"?date={SCHEDULE_AT.date().isoformat()}"
    )
    html = page.content.decode()
    assert f'id="entry-{post.pk}"' in html and f'href="{url}"' in html


def test_media_link_for_platforms_works_only_while_the_post_is_out(
    town: Town, settings: object, tmp_path: object, connected: Callable[..., Channel]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from somevahti.content import media_actions
    from somevahti.content.tests.builders import draft
    from somevahti.publishing.media_links import signed_url

    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    settings.PUBLIC_URL = "https://somevahti.example.fi"  # type: ignore[attr-defined]
    post = draft(town, connected("instagram"))
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 64
    media = media_actions.add_media(
        town.users[Role.CONTENT_PRODUCER],
        post,
        SimpleUploadedFile("a.jpg", jpeg, content_type="image/jpeg"),
        "Lukusali",
    )
    url = signed_url(media)
    assert url.startswith("https://somevahti.example.fi/media/m/")
    path = url.removeprefix("https://somevahti.example.fi")
    assert Client().get(path).status_code == 404  # a draft is not public
    Post.objects.filter(pk=post.pk).update(state=S.PUBLISHING)
    response = Client().get(path)
    assert response.status_code == 200 and b"".join(response.streaming_content) == jpeg  # type: ignore[attr-defined]
    assert Client().get(path[:-3] + "xyz").status_code == 404


def test_published_with_a_warning_tells_the_owner_what_is_missing(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    from somevahti.core.models import Notification

    post = scheduled(town, connected("youtube"), body="Video [[captions-fail]]")
    owner = town.users[Role.CHANNEL_OWNER]
    before = Notification.objects.filter(user=owner).count()
    with clock.frozen(LATER):
        engine.run()
    assert fresh(post).state == S.PUBLISHED
    page = web(owner).get(en("content:post_detail", post.pk))
    assert "captions could not be attached" in page.content.decode()
    assert Notification.objects.filter(user=owner).count() == before + 1
