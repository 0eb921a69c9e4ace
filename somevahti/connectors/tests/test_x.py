"""X specifics beyond the shared contract, against the X API v2 double."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from somevahti.connectors import errors
from somevahti.connectors.base import Account, OutgoingMedia, OutgoingPost
from somevahti.connectors.doubles.x import ALL_SCOPES, XDouble
from somevahti.connectors.tests.harness_linkedin import tiny_png
from somevahti.connectors.tests.harness_x import app_for, connect
from somevahti.connectors.x import XConnector
from somevahti.connectors.x_text import weighted_length


@pytest.fixture
def double() -> Iterator[XDouble]:
    d = XDouble().start()
    yield d
    d.stop()


@pytest.fixture
def connector() -> XConnector:
    return XConnector()


@pytest.fixture
def account(double: XDouble, connector: XConnector) -> Account:
    return connect(double, connector)


def _post(text: str, *media: OutgoingMedia, at: dt.datetime | None = None) -> OutgoingPost:
    return OutgoingPost(text=text, created_at=at or dt.datetime.now(dt.UTC), media=media)


def test_authorize_url_uses_pkce_and_the_posting_scopes(
    double: XDouble, connector: XConnector
) -> None:
    url = connector.authorize_url(app_for(double), "tila-9")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://x.com/i/oauth2/authorize?")
    assert set(query["scope"][0].split()) == set(ALL_SCOPES)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"] == ["tila-9"]


def test_code_exchange_gives_a_two_hour_token_and_a_refresh_token(
    double: XDouble, connector: XConnector
) -> None:
    app = app_for(double)
    code = double.consent(connector.authorize_url(app, "tila-2"))
    connected = connector.exchange_code(app, code, state="tila-2")
    assert connected.account.account_id == double.user.id
    assert connected.account.handle == "testilankunta"
    assert connected.expires_at is not None
    left = connected.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=119) < left <= dt.timedelta(hours=2)
    assert connected.account.credentials["refresh_token"]


def test_a_code_with_another_states_verifier_is_refused(
    double: XDouble, connector: XConnector
) -> None:
    app = app_for(double)
    code = double.consent(connector.authorize_url(app, "oikea"))
    with pytest.raises(errors.AuthExpired) as info:
        connector.exchange_code(app, code, state="väärä")
    assert "authorization code was invalid" in info.value.detail


def test_refresh_rotates_tokens_and_a_replayed_refresh_token_kills_the_family(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    app = app_for(double)
    renewed = connector.refresh(app, account).account
    assert renewed.credentials["refresh_token"] != account.credentials["refresh_token"]
    assert connector.check_account(renewed).ok
    with pytest.raises(errors.AuthExpired):  # the caller did not store the new pair
        connector.refresh(app, account)
    assert not connector.check_account(renewed).ok


def test_needs_refresh_shortly_before_the_two_hours_are_up(
    connector: XConnector, account: Account
) -> None:
    assert not connector.needs_refresh(account)
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
    assert connector.needs_refresh(replace(account, credentials={"expires_at": soon}))


def test_image_gets_its_alt_text_through_media_metadata(
    double: XDouble, connector: XConnector, account: Account, tmp_path: Path
) -> None:
    png = tiny_png(tmp_path / "kuva.png")
    image = OutgoingMedia(png, "image/png", "image", alt_text="Lukusali", size=png.stat().st_size)
    sent = connector.publish(account, _post("Kirjasto & kahvila <3", image), "k1")
    assert sent.url == f"https://x.com/testilankunta/status/{sent.platform_id}"
    assert double.alt_texts(sent.platform_id) == ["Lukusali"]
    assert [m["bytes"] for m in double.media.values()] == [png.read_bytes()]
    assert double.text_of(sent.platform_id) == "Kirjasto & kahvila <3"


def test_duplicate_text_in_a_later_delivery_is_a_rejected_duplicate(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    connector.publish(account, _post("Tiedote & muistutus"), "k2")
    later = _post("Tiedote & muistutus", at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    with pytest.raises(errors.Rejected) as info:
        connector.publish(account, later, "k3")
    assert info.value.kind == "duplicate"
    assert info.value.detail == "You are not allowed to create a Tweet with duplicate content."
    assert len(double.tweets) == 1


def test_same_key_twice_returns_the_first_post_despite_t_co_and_escaping(
    double: XDouble, connector: XConnector, account: Account, tmp_path: Path
) -> None:
    png = tiny_png(tmp_path / "kuva.png")
    image = OutgoingMedia(png, "image/png", "image", alt_text="Tori", size=png.stat().st_size)
    post = _post("Kesä & tori: https://kunta.fi/tapahtumat?a=1&b=2", image)
    first = connector.publish(account, post, "k4")
    assert "https://t.co/" in double.tweets[first.platform_id]["text"]  # X rewrote the text
    assert connector.publish(account, post, "k4").platform_id == first.platform_id
    assert len(double.tweets) == 1


def test_timeout_after_sending_is_unknown_and_lookup_finds_the_post(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    post = _post("Katkos vastauksessa")
    double.force("timeout_after_send")
    with pytest.raises(errors.UnknownOutcome) as info:
        connector.publish(account, post, "k5")
    assert info.value.kind == "timeout"
    found = connector.lookup(account, post, "k5")
    assert found is not None and found.platform_id in double.tweets


def test_lookup_without_timeline_access_says_it_cannot(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    double.timeline_forbidden = True
    with pytest.raises(errors.LookupUnsupported):
        connector.lookup(account, _post("Haettava"), "k6")


def test_rate_limit_waits_until_x_rate_limit_reset(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    double.force("rate_limited")
    with pytest.raises(errors.Transient) as info:
        connector.publish(account, _post("Ruuhka"), "k7")
    assert info.value.kind == "rate_limited"
    assert info.value.retry_after == pytest.approx(900, abs=3)
    assert info.value.detail == "Too Many Requests"


def test_a_token_without_tweet_write_is_permission_missing(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    reader = double.issue_token(frozenset({"tweet.read", "users.read"}))
    limited = replace(account, credentials={**account.credentials, "access_token": reader})
    with pytest.raises(errors.AuthExpired) as info:
        connector.publish(limited, _post("Ei kirjoitusoikeutta"), "k8")
    assert info.value.kind == "permission_missing" and double.tweets == {}


def test_weighted_length_counts_links_as_23_and_cjk_as_2() -> None:
    assert weighted_length("å" * 280) == 280
    assert weighted_length("漢" * 140) == 280
    assert weighted_length("Katso https://kunta.fi/" + "a" * 100) == 6 + 23
    assert weighted_length("é") == weighted_length("e\u0301") == 1  # NFC first


def test_text_over_280_weighted_characters_is_refused_before_sending(
    double: XDouble, connector: XConnector, account: Account
) -> None:
    connector.publish(account, _post("漢" * 140), "k9")
    with pytest.raises(errors.Rejected) as info:
        connector.publish(account, _post("漢" * 141), "k10")
    assert info.value.kind == "too_long"
    assert len(double.tweets) == 1
