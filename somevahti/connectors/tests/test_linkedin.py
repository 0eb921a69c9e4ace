"""LinkedIn specifics beyond the shared contract, against the LinkedIn double."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from somevahti.connectors import errors
from somevahti.connectors.base import Account, OutgoingMedia, OutgoingPost
from somevahti.connectors.doubles.linkedin import ALL_SCOPES, LinkedInDouble
from somevahti.connectors.linkedin import LinkedInConnector
from somevahti.connectors.linkedin_text import little_text
from somevahti.connectors.tests.harness_linkedin import app_for, connect, tiny_png


@pytest.fixture
def double() -> Iterator[LinkedInDouble]:
    d = LinkedInDouble().start()
    yield d
    d.stop()


@pytest.fixture
def connector() -> LinkedInConnector:
    return LinkedInConnector()


@pytest.fixture
def account(double: LinkedInDouble, connector: LinkedInConnector) -> Account:
    return connect(double, connector)


def _post(text: str, *media: OutgoingMedia, at: dt.datetime | None = None) -> OutgoingPost:
    return OutgoingPost(text=text, created_at=at or dt.datetime.now(dt.UTC), media=media)


def _image(path: Path, alt: str) -> OutgoingMedia:
    return OutgoingMedia(path, "image/png", "image", alt_text=alt, size=path.stat().st_size)


def test_authorize_url_asks_for_the_page_scopes(
    double: LinkedInDouble, connector: LinkedInConnector
) -> None:
    url = connector.authorize_url(app_for(double), "tila/123")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://www.linkedin.com/oauth/v2/authorization?")
    assert set(query["scope"][0].split()) == set(ALL_SCOPES)
    assert query["state"] == ["tila/123"]
    assert query["redirect_uri"] == ["https://somevahti.test/oauth/li"]


def test_code_exchange_gives_the_page_and_a_sixty_day_token(
    double: LinkedInDouble, connector: LinkedInConnector
) -> None:
    connected = connector.exchange_code(app_for(double), double.issue_code())
    assert connected.account.account_id == double.org
    assert connected.account.handle == "testilan-kunta"
    assert connected.expires_at is not None
    left = connected.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=59) < left <= dt.timedelta(days=60)
    assert connected.account.credentials["refresh_token"]
    with pytest.raises(errors.AuthExpired):  # a code works once
        connector.exchange_code(app_for(double), "used-or-made-up")


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    renewed = connector.refresh(app_for(double), account).account
    assert renewed.credentials["access_token"] != account.credentials["access_token"]
    assert renewed.credentials["refresh_token"] == account.credentials["refresh_token"]
    assert connector.check_account(renewed).ok


def test_image_post_keeps_alt_text_and_the_bytes(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account, tmp_path: Path
) -> None:
    png = tiny_png(tmp_path / "kuva.png")
    sent = connector.publish(account, _post("Uusi kirjasto", _image(png, "Lukusali")), "k1")
    assert sent.url == f"https://www.linkedin.com/feed/update/{sent.platform_id}/"
    assert double.posts[sent.platform_id]["content"]["media"]["altText"] == "Lukusali"
    assert double.image_bytes(sent.platform_id) == [png.read_bytes()]


def test_several_images_become_a_multi_image_post(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account, tmp_path: Path
) -> None:
    png = tiny_png(tmp_path / "kuva.png")
    media = (_image(png, "Eteinen"), _image(png, "Lukusali"))
    sent = connector.publish(account, _post("Kuvia", *media), "k2")
    assert "multiImage" in double.posts[sent.platform_id]["content"]
    assert double.alt_texts(sent.platform_id) == ["Eteinen", "Lukusali"]


def test_reserved_characters_are_escaped_and_read_back_unchanged(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    text = "Aukiolo (ma–pe) 8_16 #kirjasto https://kunta.fi/a_b_(c) <3"
    sent = connector.publish(account, _post(text), "k3")
    commentary = double.posts[sent.platform_id]["commentary"]
    assert r"\(ma–pe\)" in commentary and r"8\_16" in commentary and r"\<3" in commentary
    assert "#kirjasto" in commentary and "https://kunta.fi/a_b_(c)" in commentary
    assert double.text_of(sent.platform_id) == text
    assert little_text("a#b") == r"a\#b"  # only word-start # is a hashtag


def test_same_text_in_a_later_delivery_is_a_rejected_duplicate(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    first = connector.publish(account, _post("Tiedote"), "k4")
    later = _post("Tiedote", at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    with pytest.raises(errors.Rejected) as info:
        connector.publish(account, later, "k5")
    assert info.value.kind == "duplicate"
    assert f"Content is a duplicate of {first.platform_id}" in info.value.detail
    assert len(double.posts) == 1


def test_duplicate_naming_our_own_post_is_that_post_when_the_finder_lags(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    post = _post("Vain kerran, vaikka haku viivästyy")
    first = connector.publish(account, post, "k6")
    double.finder_lag = True
    again = connector.publish(account, post, "k6")
    assert again.platform_id == first.platform_id
    assert len(double.posts) == 1


def test_timeout_after_sending_is_unknown_and_lookup_finds_the_post(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    post = _post(f"Aikakatkaisu {uuid.uuid4().hex[:6]}")
    double.force("timeout_after_send")
    with pytest.raises(errors.UnknownOutcome) as info:
        connector.publish(account, post, "k7")
    assert info.value.kind == "timeout"
    found = connector.lookup(account, post, "k7")
    assert found is not None and found.platform_id in double.posts


def test_rate_limit_waits_until_linkedins_daily_reset(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    double.force("rate_limited")
    with pytest.raises(errors.Transient) as info:
        connector.publish(account, _post("Ruuhka"), "k8")
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert info.value.kind == "rate_limited"
    assert info.value.retry_after == pytest.approx((midnight - now).total_seconds(), abs=5)


def test_token_without_the_posting_scope_is_permission_missing(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account
) -> None:
    reader = double.issue_token(frozenset({"r_organization_social"}))
    limited = replace(account, credentials={**account.credentials, "access_token": reader})
    with pytest.raises(errors.AuthExpired) as info:
        connector.publish(limited, _post("Ei oikeuksia"), "k9")
    assert info.value.kind == "permission_missing"
    assert info.value.detail.startswith("Not enough permissions to access")


def test_a_file_linkedin_cannot_process_is_media_rejected(
    double: LinkedInDouble, connector: LinkedInConnector, account: Account, tmp_path: Path
) -> None:
    broken = tmp_path / "rikki.png"
    broken.write_bytes(b"not an image at all")
    with pytest.raises(errors.Rejected) as info:
        connector.publish(account, _post("Kuva", _image(broken, "Rikki")), "k10")
    assert info.value.kind == "media_rejected" and "PROCESSING_FAILED" in info.value.detail
    assert double.posts == {}
