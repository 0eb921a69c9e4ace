"""The pages and the API: what users see, 409 on stale saves, isolation, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import Town
from somevahti.content.models import Post, PostMedia
from somevahti.content.tests.builders import (
    CLEAN_TEXT,
    HETU_TEXT,
    approved,
    channel,
    draft,
    fresh,
    in_review,
)
from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.roles import Role

S = Post.State
NOW = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


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


def test_editor_creates_a_draft_with_channels(town: Town) -> None:
    ch = channel(town)
    producer = town.users[Role.CONTENT_PRODUCER]
    client = web(producer)
    page = client.get(reverse("content:post_new"))
    assert page.status_code == 200
    assert f'value="{ch.pk}"' in page.content.decode()
    response = client.post(
        reverse("content:post_new"),
        {"unit": town.unit.pk, "title": "Satutuokio", "body": CLEAN_TEXT, "channels": [ch.pk]},
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/posts/{post.pk}/")
    assert (post.author, post.state, post.variants.get().channel) == (producer, S.DRAFT, ch)
    detail = client.get(response["Location"])
    assert 'id="submit-button"' in detail.content.decode()


def test_live_check_lists_findings_per_channel(town: Town) -> None:
    sky = channel(town, "bluesky")
    client = web(town.users[Role.CONTENT_PRODUCER])
    response = client.post(
        reverse("content:check"), {"body": HETU_TEXT, "channels": [sky.pk]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-rule="privacy.hetu"' in html and 'data-severity="block"' in html
    assert sky.name in html


def test_live_check_without_a_channel_still_checks_the_text(town: Town) -> None:
    client = web(town.users[Role.CONTENT_PRODUCER])
    response = client.post(reverse("content:check"), {"body": HETU_TEXT}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-rule="privacy.hetu"' in response.content.decode()


def test_stale_edit_is_409_and_keeps_the_saved_text(town: Town) -> None:
    ch = channel(town)
    post = draft(town, ch)
    client = web(post.author)
    data = {"unit": town.unit.pk, "title": "Uusi", "body": "B", "channels": [ch.pk]}
    url = reverse("content:post_edit", args=[post.pk])
    assert client.post(url, {**data, "version": post.version}).status_code == 302
    stale = client.post(url, {**data, "title": "Vanha", "version": post.version})
    assert stale.status_code == 409
    assert 'id="conflict"' in stale.content.decode()
    assert fresh(post).title == "Uusi"


def test_review_buttons_follow_the_rules(town: Town) -> None:
    post = in_review(town, channel(town), author=town.users[Role.CHANNEL_OWNER])
    url = reverse("content:post_detail", args=[post.pk])
    own = web(post.author).get(url).content.decode()
    assert 'id="approve-button"' not in own
    other = web(town.users[Role.COMMUNICATIONS]).get(url).content.decode()
    assert 'id="approve-button"' in other and 'id="reject-button"' in other
    response = web(town.users[Role.COMMUNICATIONS]).post(
        reverse("content:post_act", args=[post.pk, "approve"]), {"version": fresh(post).version}
    )
    assert response.status_code == 302 and fresh(post).state == S.APPROVED


def test_author_approving_own_post_is_403(town: Town) -> None:
    post = in_review(town, channel(town), author=town.users[Role.CHANNEL_OWNER])
    response = web(post.author).post(reverse("content:post_act", args=[post.pk, "approve"]), {})
    assert response.status_code == 403 and fresh(post).state == S.IN_REVIEW


def test_schedule_form_reads_helsinki_time(town: Town) -> None:
    post = approved(town, channel(town))
    client = web(town.users[Role.CHANNEL_OWNER])
    url = reverse("content:post_act", args=[post.pk, "schedule"])
    with clock.frozen(NOW):
        past = client.post(url, {"scheduled_at": "2030-02-01T10:00"})
        assert past.status_code == 400 and fresh(post).state == S.APPROVED
        # 31 March 2030 is the spring clock change: 03:30 does not exist in Helsinki.
        gap = client.post(url, {"scheduled_at": "2030-03-31T03:30"})
        assert gap.status_code == 400
        ok = client.post(url, {"scheduled_at": "2030-03-06T12:00"})
    assert ok.status_code == 302
    assert fresh(post).scheduled_at == dt.datetime(2030, 3, 6, 10, 0, tzinfo=dt.UTC)


def test_image_upload_with_alt_text_and_platform_limit(town: Town) -> None:
    ig = channel(town, "instagram")
    post = draft(town, ig)
    client = web(post.author)
    url = reverse("content:media_add", args=[post.pk])
    png = SimpleUploadedFile("kuva.png", PNG, content_type="image/png")
    refused = client.post(url, {"file": png, "alt_text": "Lapsia lukemassa"})
    assert refused.status_code == 400 and "Instagram" in refused.content.decode()
    jpeg = SimpleUploadedFile("kuva.jpg", JPEG, content_type="image/jpeg")
    assert client.post(url, {"file": jpeg, "alt_text": "Lapsia lukemassa"}).status_code == 302
    item = PostMedia.objects.get()
    assert (item.kind, item.alt_text, item.content_type) == (
        "image",
        "Lapsia lukemassa",
        "image/jpeg",
    )
    served = client.get(reverse("content:media_file", args=[item.pk, "file"]))
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == JPEG  # type: ignore[attr-defined]


def test_too_big_image_for_bluesky_names_the_limit(town: Town) -> None:
    post = draft(town, channel(town, "bluesky"))
    big = SimpleUploadedFile("iso.jpg", JPEG + b"\0" * (2 * 1024 * 1024), content_type="image/jpeg")
    response = web(post.author).post(
        reverse("content:media_add", args=[post.pk]), {"file": big, "alt_text": "x"}
    )
    assert response.status_code == 400
    assert "Bluesky" in response.content.decode() and not PostMedia.objects.exists()


def test_other_organisation_sees_nothing(town: Town, other_town: Town) -> None:
    post = in_review(town, channel(town))
    stranger = other_town.users[Role.COMMUNICATIONS]
    client = web(stranger)
    assert client.get(reverse("content:post_detail", args=[post.pk])).status_code == 404
    assert client.post(reverse("content:post_act", args=[post.pk, "approve"])).status_code == 404
    assert client.get(reverse("content:post_edit", args=[post.pk])).status_code == 404
    assert api(stranger).get(f"/api/v1/posts/{post.pk}/").status_code == 404
    decision = {"post": post.pk, "verdict": "approve"}
    assert api(stranger).post("/api/v1/reviews/", decision).status_code == 404
    assert api(stranger).get("/api/v1/posts/").json()["count"] == 0
    assert fresh(post).state == S.IN_REVIEW


def test_api_create_update_and_stale_version(town: Town) -> None:
    ch = channel(town)
    producer = api(town.users[Role.CONTENT_PRODUCER])
    created = producer.post(
        "/api/v1/posts/",
        {"unit": town.unit.pk, "title": "API", "body": CLEAN_TEXT, "channels": [ch.pk]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["state"] == "draft" and body["variants"][0]["channel"] == ch.pk
    url = f"/api/v1/posts/{body['id']}/"
    ok = producer.patch(url, {"title": "API 2", "version": body["version"]}, format="json")
    assert ok.status_code == 200 and ok.json()["variants"][0]["channel"] == ch.pk
    stale = producer.patch(url, {"title": "API 3", "version": body["version"]}, format="json")
    assert stale.status_code == 409
    assert fresh(Post.objects.get(pk=body["id"])).title == "API 2"


def test_api_review_decisions(town: Town) -> None:
    post = in_review(town, channel(town))
    author = api(post.author)
    assert (
        author.post("/api/v1/reviews/", {"post": post.pk, "verdict": "approve"}).status_code == 403
    )
    comms = api(town.users[Role.COMMUNICATIONS])
    no_comment = comms.post("/api/v1/reviews/", {"post": post.pk, "verdict": "reject"})
    assert no_comment.status_code == 400 and "comment" in no_comment.json()
    done = comms.post(
        "/api/v1/reviews/", {"post": post.pk, "verdict": "reject", "comment": "Lyhennä"}
    )
    assert done.status_code == 200 and done.json()["state"] == "rejected"
    again = comms.post("/api/v1/reviews/", {"post": post.pk, "verdict": "approve"})
    assert again.status_code == 409
    listed = comms.get("/api/v1/reviews/", {"post": post.pk}).json()
    assert [r["text"] for r in listed["results"]] == ["Lyhennä"]


def test_api_schedule_refuses_the_past(town: Town) -> None:
    post = approved(town, channel(town))
    owner = api(town.users[Role.CHANNEL_OWNER])
    with clock.frozen(NOW):
        past = owner.post(
            f"/api/v1/posts/{post.pk}/schedule/", {"scheduled_at": "2030-02-01T10:00:00+02:00"}
        )
        assert past.status_code == 400 and "scheduled_at" in past.json()
        ok = owner.post(
            f"/api/v1/posts/{post.pk}/schedule/", {"scheduled_at": "2030-03-06T12:00:00+02:00"}
        )
    assert ok.status_code == 200 and ok.json()["state"] == "scheduled"


def _many_posts(town: Town, n: int) -> None:
    chans = [channel(town, p) for p in ("facebook", "bluesky", "instagram")]
    for i in range(n):
        draft(town, *chans, body=f"{CLEAN_TEXT} {i}")


@pytest.mark.parametrize("count", [2, 30])
def test_list_page_and_api_query_counts(
    town: Town, count: int, django_assert_max_num_queries: Any
) -> None:
    _many_posts(town, count)
    producer = town.users[Role.CONTENT_PRODUCER]
    client = web(producer)
    client.get(reverse("content:post_list"))  # warm the session
    with django_assert_max_num_queries(11):  # incl. the crisis banner
        page = client.get(reverse("content:post_list"), {"show": "all"})
    assert page.content.decode().count("data-post=") == count
    rest = api(producer)
    with django_assert_max_num_queries(4):
        listed = rest.get("/api/v1/posts/")
    assert listed.json()["count"] == count


def test_override_form_offered_only_to_the_dpo_for_identity_codes(town: Town) -> None:
    from somevahti.content.models import CheckOverride

    post = draft(town, channel(town), body=HETU_TEXT)
    url = reverse("content:post_detail", args=[post.pk])
    comms_page = web(town.users[Role.COMMUNICATIONS]).get(url).content.decode()
    assert 'data-rule="privacy.hetu"' in comms_page and "override-form" not in comms_page
    dpo = web(town.users[Role.DATA_PROTECTION])
    page = dpo.get(url).content.decode()
    assert 'class="override-form"' in page
    text_hash = page.split('name="text_hash" value="')[1].split('"')[0]
    act = reverse("content:post_act", args=[post.pk, "override"])
    data = {
        "channel": post.variants.get().channel_id,
        "rule": "privacy.hetu",
        "text_hash": text_hash,
    }
    assert dpo.post(act, {**data, "reason": ""}).status_code == 400
    assert dpo.post(act, {**data, "reason": "Keksitty esimerkki."}).status_code == 302
    assert CheckOverride.objects.get().reason == "Keksitty esimerkki."
