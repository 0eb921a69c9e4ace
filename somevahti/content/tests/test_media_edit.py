"""Removing, replacing and describing a post's media through the actions: what the database and
the media storage hold afterwards, and who may do it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import actions, media_actions
from somevahti.content.models import Post, PostMedia, get_media_storage
from somevahti.content.tests.builders import FUTURE, approved, channel, draft, fresh
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.roles import Role
from tests import factories as f

S = Post.State
NOW = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
MP4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64
SRT = "1\r\n00:00:01,000 --> 00:00:04,000\r\nTervetuloa kirjastoon!\r\n".encode("cp1252")
VTT = b"WEBVTT\n\n00:01.000 --> 00:04.000\nTervetuloa kirjastoon!\n"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def upload(name: str, content: bytes, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def with_image(post: Post, alt: str = "Lapsia lukemassa") -> PostMedia:
    return media_actions.add_media(post.author, post, upload("kuva.jpg", JPEG), alt)


def with_video(post: Post) -> PostMedia:
    return media_actions.add_media(post.author, post, upload("video.mp4", MP4))


def stored(name: str) -> bool:
    return bool(name) and get_media_storage().exists(name)


def last_event(post: Post) -> AuditEvent:
    return AuditEvent.objects.filter(target_type="content.post", target_id=str(post.pk)).latest(
        "id"
    )


def test_removing_deletes_the_row_and_the_files_after_commit(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    post = draft(town, channel(town, "youtube"))
    video = with_video(post)
    media_actions.update_media(post.author, post, video, captions=upload("t.srt", SRT))
    video.refresh_from_db()
    names = (video.file.name, video.captions.name)
    assert all(stored(n) for n in names)
    version = fresh(post).version
    with django_capture_on_commit_callbacks(execute=True):
        media_actions.remove_media(post.author, post, video, version)
    assert not PostMedia.objects.filter(pk=video.pk).exists()
    assert not any(stored(n) for n in names)
    event = last_event(post)
    assert (event.verb, event.data["media"], event.data["kind"]) == (
        "post.media_removed",
        video.pk,
        "video",
    )
    assert fresh(post).version == version + 1


def test_editing_media_of_a_scheduled_post_voids_its_approval(town: Town) -> None:
    post = approved(town, channel(town))
    image = with_image(post)
    with clock.frozen(NOW):
        actions.schedule(town.users[Role.CHANNEL_OWNER], post, FUTURE)
    media_actions.update_media(post.author, post, image, alt_text="Satutuokio lastenosastolla")
    post = fresh(post)
    assert (post.state, post.approved_by, post.approved_at, post.scheduled_at) == (
        S.DRAFT,
        None,
        None,
        None,
    )
    event = last_event(post)
    assert event.verb == "post.media_updated"
    assert event.data["previous"] == S.SCHEDULED and event.data["changed"] == ["alt_text"]
    assert PostMedia.objects.get(pk=image.pk).alt_text == "Satutuokio lastenosastolla"


def test_saving_unchanged_details_keeps_the_approval(town: Town) -> None:
    post = approved(town, channel(town))
    image = with_image(post, "Kuvaus")
    version = fresh(post).version
    media_actions.update_media(post.author, post, image, alt_text=" Kuvaus ", version=version)
    assert (fresh(post).state, fresh(post).version) == (S.APPROVED, version)


def test_replacing_keeps_the_alt_text_unless_a_new_one_is_given(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    post = approved(town, channel(town))
    image = with_image(post, "Lapsia lukemassa")
    old = image.file.name
    with django_capture_on_commit_callbacks(execute=True):
        media_actions.replace_media(post.author, post, image, upload("uusi.png", PNG))
    image.refresh_from_db()
    assert (image.content_type, image.alt_text) == ("image/png", "Lapsia lukemassa")
    assert stored(image.file.name) and not stored(old)
    with image.file.open("rb") as fh:
        assert fh.read() == PNG
    event = last_event(post)
    assert event.verb == "post.media_replaced" and event.data["alt_text_changed"] is False
    assert fresh(post).state == S.DRAFT and event.data["previous"] == S.APPROVED

    media_actions.replace_media(
        post.author, post, image, upload("k.jpg", JPEG), "Aikuisia lukemassa"
    )
    image.refresh_from_db()
    assert image.alt_text == "Aikuisia lukemassa"
    assert last_event(post).data["alt_text_changed"] is True


def test_a_refused_replacement_keeps_the_old_file(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    post = draft(town, channel(town, "instagram"))
    image = with_image(post)
    version = fresh(post).version
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError) as refused:
            media_actions.replace_media(post.author, post, image, upload("k.png", PNG), "", version)
    assert "Instagram" in refused.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as kind:
        media_actions.replace_media(post.author, post, image, upload("v.mp4", MP4), "", version)
    assert "file" in kind.value.message_dict
    assert callbacks == []
    item = PostMedia.objects.get(pk=image.pk)
    assert item.file.name == image.file.name and stored(item.file.name)
    assert fresh(post).version == version


@pytest.mark.parametrize(
    ("name", "content", "ext"), [("t.srt", SRT, "srt"), ("t.txt", VTT, "vtt")], ids=["srt", "vtt"]
)
def test_captions_are_stored_under_their_real_format(
    town: Town, django_capture_on_commit_callbacks: Any, name: str, content: bytes, ext: str
) -> None:
    post = draft(town, channel(town, "youtube"))
    video = with_video(post)
    media_actions.update_media(post.author, post, video, captions=upload("vanha.vtt", VTT))
    first = PostMedia.objects.get(pk=video.pk).captions.name
    with django_capture_on_commit_callbacks(execute=True):
        media_actions.update_media(post.author, post, video, captions=upload(name, content))
    item = PostMedia.objects.get(pk=video.pk)
    assert item.captions.name.endswith(f".{ext}") and stored(item.captions.name)
    assert not stored(first)
    with item.captions.open("rb") as fh:
        assert fh.read() == content
    assert last_event(post).data["changed"] == ["captions"]


@pytest.mark.parametrize(
    "content",
    [PNG, b"Tervetuloa kirjastoon!\n", b"1\n00:00:01 --> 00:00:04\nei millisekunteja\n"],
    ids=["image", "plain-text", "bad-timing"],
)
def test_a_file_that_is_not_captions_is_refused_on_the_captions_field(
    town: Town, content: bytes
) -> None:
    post = draft(town, channel(town, "youtube"))
    video = with_video(post)
    with pytest.raises(ValidationError) as refused:
        media_actions.update_media(post.author, post, video, captions=upload("t.srt", content))
    assert list(refused.value.message_dict) == ["captions"]
    assert not PostMedia.objects.get(pk=video.pk).captions


def test_captions_on_an_image_are_refused(town: Town) -> None:
    post = draft(town, channel(town))
    image = with_image(post)
    with pytest.raises(ValidationError) as refused:
        media_actions.update_media(post.author, post, image, captions=upload("t.srt", SRT))
    assert list(refused.value.message_dict) == ["captions"]


def test_another_units_producer_may_not_touch_the_media(town: Town) -> None:
    post = approved(town, channel(town))
    image = with_image(post)
    elsewhere = f.user(town.org, (Role.CONTENT_PRODUCER, town.other_sector))
    version = fresh(post).version
    with pytest.raises(PermissionDenied):
        media_actions.remove_media(elsewhere, post, image, version)
    with pytest.raises(PermissionDenied):
        media_actions.update_media(elsewhere, post, image, alt_text="Muuta", version=version)
    with pytest.raises(PermissionDenied):
        media_actions.replace_media(elsewhere, post, image, upload("k.jpg", JPEG), "", version)
    assert (fresh(post).state, fresh(post).version) == (S.APPROVED, version)
    assert PostMedia.objects.get(pk=image.pk).alt_text == "Lapsia lukemassa"


def test_a_stale_version_changes_nothing(town: Town) -> None:
    post = draft(town, channel(town))
    image = with_image(post)
    stale = fresh(post).version
    media_actions.update_media(post.author, post, image, alt_text="Ensimmäinen", version=stale)
    with pytest.raises(Conflict):
        media_actions.update_media(post.author, post, image, alt_text="Toinen", version=stale)
    with pytest.raises(Conflict):
        media_actions.remove_media(post.author, post, image, stale)
    assert PostMedia.objects.get(pk=image.pk).alt_text == "Ensimmäinen"


def test_media_of_a_finished_post_stay_as_they_are(town: Town) -> None:
    post = approved(town, channel(town))
    image = with_image(post)
    owner = town.users[Role.CHANNEL_OWNER]
    actions.mark_published_manually(owner, post, "https://example.test/julkaisu/1")
    with pytest.raises(Conflict):
        media_actions.remove_media(post.author, post, image)
    assert PostMedia.objects.filter(pk=image.pk).exists()
    assert fresh(post).state == S.PUBLISHED_MANUALLY
