"""The media page of a post: forms, status codes and what the user sees after each answer."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from conftest import Town
from somevahti.audit.labels import VERB_LABELS
from somevahti.content import actions, media_actions
from somevahti.content.models import Post, PostMedia, get_media_storage
from somevahti.content.tests.builders import approved, channel, draft, fresh
from somevahti.core.models import User
from somevahti.core.roles import Role
from tests import factories as f

S = Post.State
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64
SRT = b"1\n00:00:01,000 --> 00:00:04,000\nTervetuloa!\n\n2\n00:00:05,000 --> 00:00:07,500\nHei!\n"
VTT = b"\xef\xbb\xbfWEBVTT - kirjasto\n\n00:00:01.000 --> 00:00:04.000\nTervetuloa!\n"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_finnish(msgid: str | Promise) -> str:
    """What the Finnish page says for ``msgid`` (the English text until it is translated)."""
    with translation.override("fi"):
        return html.escape(gettext(msgid) if isinstance(msgid, str) else str(msgid))


def image_post(town: Town, *, state: str = "draft") -> tuple[Post, PostMedia]:
    post = approved(town, channel(town)) if state == "approved" else draft(town, channel(town))
    image = media_actions.add_media(
        post.author, post, SimpleUploadedFile("k.jpg", JPEG), "Lapsia lukemassa"
    )
    return fresh(post), image


def video_post(town: Town) -> tuple[Post, PostMedia]:
    post = draft(town, channel(town, "youtube"))
    video = media_actions.add_media(post.author, post, SimpleUploadedFile("v.mp4", MP4))
    return fresh(post), video


def page_url(post: Post, item: PostMedia, verb: str = "") -> str:
    if verb:
        return reverse("content:media_act", args=[post.pk, item.pk, verb])
    return reverse("content:media_edit", args=[post.pk, item.pk])


def test_the_editor_links_each_file_to_its_page(town: Town) -> None:
    post, image = image_post(town)
    page = web(post.author).get(reverse("content:post_edit", args=[post.pk])).content.decode()
    assert f'id="media-edit-{image.pk}"' in page and page_url(post, image) in page
    media_page = web(post.author).get(page_url(post, image))
    body = media_page.content.decode()
    assert media_page.status_code == 200
    assert (
        'id="details-form"' in body and 'id="replace-form"' in body and 'id="remove-form"' in body
    )
    assert 'name="captions"' not in body  # an image has no captions
    assert "Lapsia lukemassa" in body


def test_alt_text_is_saved_and_an_approved_post_returns_to_draft(town: Town) -> None:
    post, image = image_post(town, state="approved")
    client = web(post.author)
    response = client.post(
        page_url(post, image, "details"),
        {"alt_text": "Kaksi lasta lukee satukirjaa", "version": post.version},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/posts/{post.pk}/edit/#h-media")
    assert PostMedia.objects.get(pk=image.pk).alt_text == "Kaksi lasta lukee satukirjaa"
    assert fresh(post).state == S.DRAFT and fresh(post).approved_by is None
    shown = client.get(response["Location"]).content.decode()
    assert in_finnish("The post is a draft again: it needs a new review.") in shown
    assert "Kaksi lasta lukee satukirjaa" in shown
    history = client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    assert 'data-verb="post.media_updated"' in history
    assert in_finnish(VERB_LABELS["post.media_updated"]) in history


@pytest.mark.parametrize(("name", "content"), [("t.srt", SRT), ("t.vtt", VTT)], ids=["srt", "vtt"])
def test_captions_upload(town: Town, name: str, content: bytes) -> None:
    post, video = video_post(town)
    client = web(post.author)
    page = client.get(page_url(post, video)).content.decode()
    assert 'name="captions"' in page and 'enctype="multipart/form-data"' in page
    response = client.post(
        page_url(post, video, "details"),
        {"alt_text": "", "captions": SimpleUploadedFile(name, content), "version": post.version},
    )
    assert response.status_code == 302
    item = PostMedia.objects.get(pk=video.pk)
    assert item.captions.name.endswith(name[-4:])
    served = client.get(reverse("content:media_file", args=[item.pk, "captions"]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == content  # type: ignore[attr-defined]


def test_a_non_caption_file_gets_a_field_error(town: Town) -> None:
    post, video = video_post(town)
    response = web(post.author).post(
        page_url(post, video, "details"),
        {"captions": SimpleUploadedFile("kuva.srt", JPEG), "version": post.version},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in body and 'href="#details-captions"' in body
    assert 'aria-invalid="true"' in body
    assert in_finnish("Upload the captions as an SRT or WebVTT file.") in body
    assert not PostMedia.objects.get(pk=video.pk).captions
    assert fresh(post).version == post.version


def test_replace_and_remove(town: Town) -> None:
    post, image = image_post(town)
    client = web(post.author)
    old = image.file.name
    replaced = client.post(
        page_url(post, image, "replace"),
        {"file": SimpleUploadedFile("uusi.jpg", JPEG + b"1"), "version": post.version},
    )
    assert replaced.status_code == 302
    item = PostMedia.objects.get(pk=image.pk)
    assert item.file.name != old and item.alt_text == "Lapsia lukemassa"
    removed = client.post(page_url(post, item, "remove"), {"version": fresh(post).version})
    assert removed.status_code == 302 and not PostMedia.objects.filter(pk=image.pk).exists()
    # The test client commits nothing, so the file's deletion (on commit) is tested on actions.
    assert client.get(page_url(post, item)).status_code == 404


def test_a_producer_who_is_not_the_author_gets_403(town: Town) -> None:
    """A producer of the library sees a post of the children's library below it, but only its
    author and the reviewers may change it."""
    writer = town.users[Role.CONTENT_PRODUCER]
    post = actions.create_post(writer, town.subunit, {"title": "Satu", "body": "Satutunti."})
    image = media_actions.add_media(writer, post, SimpleUploadedFile("k.jpg", JPEG), "Kuvaus")
    post = fresh(post)
    library_producer = f.user(town.org, (Role.CONTENT_PRODUCER, town.unit))
    client = web(library_producer)
    assert client.get(reverse("content:post_detail", args=[post.pk])).status_code == 200
    assert client.get(page_url(post, image)).status_code == 403
    for verb, data in [
        ("details", {"alt_text": "Muuta"}),
        ("replace", {"file": SimpleUploadedFile("k.jpg", JPEG)}),
        ("remove", {}),
    ]:
        response = client.post(page_url(post, image, verb), {**data, "version": post.version})
        assert response.status_code == 403, verb
    assert PostMedia.objects.get(pk=image.pk).alt_text == "Kuvaus"
    assert fresh(post).version == post.version


def test_other_units_and_organisations_get_404(town: Town, other_town: Town) -> None:
    post, image = image_post(town)
    elsewhere = f.user(town.org, (Role.CONTENT_PRODUCER, town.other_sector))
    for user in (elsewhere, other_town.users[Role.COMMUNICATIONS]):
        client = web(user)
        assert client.get(page_url(post, image)).status_code == 404
        response = client.post(page_url(post, image, "remove"), {"version": post.version})
        assert response.status_code == 404
    assert PostMedia.objects.filter(pk=image.pk).exists()


def test_a_file_of_another_post_is_404(town: Town) -> None:
    post, image = image_post(town)
    other, _ = image_post(town)
    assert web(post.author).get(page_url(other, image)).status_code == 404


def test_stale_version_is_409_and_keeps_the_saved_alt_text(town: Town) -> None:
    post, image = image_post(town)
    client = web(post.author)
    url = page_url(post, image, "details")
    assert client.post(url, {"alt_text": "Uusi", "version": post.version}).status_code == 302
    stale = client.post(url, {"alt_text": "Vanha", "version": post.version})
    body = stale.content.decode()
    assert stale.status_code == 409 and 'id="conflict"' in body
    assert 'id="current-alt">Uusi<' in body  # the page shows what is saved now
    assert PostMedia.objects.get(pk=image.pk).alt_text == "Uusi"
    gone = client.post(page_url(post, image, "remove"), {"version": post.version})
    assert gone.status_code == 409 and PostMedia.objects.filter(pk=image.pk).exists()


def test_a_published_post_shows_its_media_without_forms(town: Town) -> None:
    post, image = image_post(town, state="approved")
    actions.mark_published_manually(
        town.users[Role.CHANNEL_OWNER], post, "https://example.test/julkaisu/2"
    )
    client = web(post.author)
    page = client.get(page_url(post, image)).content.decode()
    assert 'id="not-editable"' in page and 'id="details-form"' not in page
    response = client.post(page_url(post, image, "remove"), {"version": fresh(post).version})
    assert response.status_code == 409 and PostMedia.objects.filter(pk=image.pk).exists()


def test_the_file_stays_in_storage_when_the_form_is_refused(town: Town) -> None:
    post, image = image_post(town)
    response = web(post.author).post(page_url(post, image, "replace"), {"version": post.version})
    assert response.status_code == 400 and 'href="#replace-file"' in response.content.decode()
    assert get_media_storage().exists(PostMedia.objects.get(pk=image.pk).file.name)
