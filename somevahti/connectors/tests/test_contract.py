"""The contract every connector keeps, run against each platform's peer (see conftest)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from somevahti.connectors import errors
from somevahti.connectors.base import OutgoingMedia, OutgoingPost
from somevahti.connectors.tests.harness import FORCEABLE, Harness


def _post(h: Harness, text: str, *, image: bool = False) -> OutgoingPost:
    media: tuple[OutgoingMedia, ...] = ()
    if image and h.image is not None:
        media = (
            OutgoingMedia(
                h.image,
                "image/png",
                "image",
                alt_text="Kirjaston lukusali",
                size=h.image.stat().st_size,
            ),
        )
    elif h.video is not None and h.connector.limits.media_required:
        media = (
            OutgoingMedia(
                h.video, "video/mp4", "video", captions_path=h.captions, size=h.video.stat().st_size
            ),
        )
    return OutgoingPost(
        text=text, created_at=dt.datetime.now(dt.UTC), media=media, language="fi", title="Testi"
    )


def _marker() -> str:
    return f"m{uuid.uuid4().hex[:10]}"


def test_publishes_text_and_returns_id_and_link(harness: Harness) -> None:
    marker = _marker()
    sent = harness.connector.publish(
        harness.account, _post(harness, f"Kirjasto on auki ma–pe {marker}"), uuid.uuid4().hex
    )
    assert sent.platform_id
    assert sent.url.startswith(("http://", "https://"))
    view = harness.read_back(sent.platform_id)
    assert view is not None and marker in view.text


def test_image_keeps_its_alt_text(harness: Harness) -> None:
    if not harness.supports_images or harness.image is None:
        pytest.skip("this platform publishes no images")
    sent = harness.connector.publish(
        harness.account, _post(harness, f"Kuva {_marker()}", image=True), uuid.uuid4().hex
    )
    view = harness.read_back(sent.platform_id)
    assert view is not None and view.media_count == 1
    assert view.alt_texts == ["Kirjaston lukusali"]


def test_same_key_twice_makes_one_post(harness: Harness) -> None:
    marker = _marker()
    key = uuid.uuid4().hex
    post = _post(harness, f"Vain kerran {marker}")
    first = harness.connector.publish(harness.account, post, key)
    try:
        second = harness.connector.publish(harness.account, post, key)
    except errors.Rejected as e:
        assert e.kind == "duplicate"
    else:
        assert second.platform_id == first.platform_id
    assert harness.count_with_text(marker) == 1


def test_lookup_finds_by_key_or_says_it_cannot(harness: Harness) -> None:
    key = uuid.uuid4().hex
    post = _post(harness, f"Haettava {_marker()}")
    if not harness.connector.lookup_by_key:
        with pytest.raises(errors.LookupUnsupported):
            harness.connector.lookup(harness.account, post, key)
        return
    assert harness.connector.lookup(harness.account, post, key) is None
    sent = harness.connector.publish(harness.account, post, key)
    found = harness.connector.lookup(harness.account, post, key)
    assert found is not None and found.platform_id == sent.platform_id


def test_expired_credentials_are_auth_expired(harness: Harness) -> None:
    with pytest.raises(errors.AuthExpired):
        harness.connector.publish(
            harness.expired_account, _post(harness, f"Ei mene {_marker()}"), uuid.uuid4().hex
        )
    check = harness.connector.check_account(harness.expired_account)
    assert not check.ok
    assert harness.connector.check_account(harness.account).ok


@pytest.mark.parametrize("situation", sorted(FORCEABLE))
def test_platform_errors_map_to_the_taxonomy(harness: Harness, situation: str) -> None:
    if not harness.force(situation):
        pytest.skip(f"the peer cannot be made to answer {situation}")
    cls_name, kind = FORCEABLE[situation]
    with pytest.raises(getattr(errors, cls_name)) as info:
        harness.connector.publish(
            harness.account, _post(harness, f"Virhe {_marker()}", image=True), uuid.uuid4().hex
        )
    assert info.value.kind == kind
    assert info.value.detail  # the platform's own words are kept for the record
    if situation == "rate_limited":
        assert isinstance(info.value, errors.Transient) and info.value.retry_after is not None


def test_too_long_text_is_refused_before_or_by_the_platform(harness: Harness) -> None:
    limit = harness.connector.limits.max_chars
    if limit is None:
        pytest.skip("no text limit")
    marker = _marker()
    with pytest.raises(errors.Rejected) as info:
        harness.connector.publish(
            harness.account, _post(harness, marker + " " + "å" * limit), uuid.uuid4().hex
        )
    assert info.value.kind == "too_long"
    assert harness.count_with_text(marker) == 0
