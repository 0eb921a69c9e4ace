"""Bluesky specifics against the real local PDS: facets, threads, record keys, real refusals."""

from __future__ import annotations

import datetime as dt
import re
import socket
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from atproto import Client
from atproto_client.exceptions import RateLimitExceededError
from atproto_client.models.common import XrpcError
from atproto_client.request import Request, Response

from somevahti.connectors import bluesky, errors
from somevahti.connectors.base import ChannelLimits, OutgoingMedia, OutgoingPost
from somevahti.connectors.bluesky import BlueskyConnector, record_key
from somevahti.connectors.pds import TOOLS, free_port
from somevahti.connectors.tests.harness_bluesky import World, png, record, texts, world

# The TID syntax of the atproto spec: 13 base32-sortable characters, top bit zero.
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
B32 = "234567abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def w(tmp_path_factory: pytest.TempPathFactory) -> World:
    return world(tmp_path_factory)


def _post(text: str, **kw: Any) -> OutgoingPost:
    return OutgoingPost(text=text, created_at=dt.datetime.now(dt.UTC), **kw)


def test_facets_use_utf8_byte_offsets(w: World) -> None:
    mention = f"@{w.other.handle}"
    link = "https://esimerkki.fi/aukioloajat"
    text = f"Hyvää päivää {mention}! Kesän öinä {link} #kirjastoäänet"
    sent = BlueskyConnector().publish(w.account, _post(text), uuid.uuid4().hex)

    value = record(w, sent.platform_id)
    assert value is not None and value["text"] == text
    raw = text.encode()
    found = {}
    for facet in value["facets"]:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        feature = facet["features"][0]
        found[raw[start:end].decode()] = feature
    assert found[mention]["did"] == w.other.account_id
    assert found[link]["uri"] == link
    assert found["#kirjastoäänet"]["tag"] == "kirjastoäänet"
    # Character offsets would be off by the two-byte letters before each facet.
    assert text.index(mention) != raw.index(mention.encode())


def test_reply_threads_keep_root_and_parent(w: World) -> None:
    connector = BlueskyConnector()
    root = connector.publish(w.account, _post("Kysy kirjastolta"), uuid.uuid4().hex)
    question = _post("Milloin olette auki?", reply_to=root.platform_id)
    answer = connector.publish(w.other, question, uuid.uuid4().hex)
    again = connector.publish(
        w.account, _post("Ma–pe 9–20.", reply_to=answer.platform_id), uuid.uuid4().hex
    )

    first = record(w, answer.platform_id)
    second = record(w, again.platform_id)
    assert first is not None and second is not None
    assert first["reply"]["root"]["uri"] == root.platform_id
    assert first["reply"]["parent"]["uri"] == root.platform_id
    assert second["reply"]["root"] == first["reply"]["root"]
    assert second["reply"]["parent"]["uri"] == answer.platform_id
    assert second["reply"]["parent"]["cid"] == answer.response["cid"]


def test_same_key_twice_is_one_record_under_a_valid_tid(w: World) -> None:
    connector = BlueskyConnector()
    marker = uuid.uuid4().hex[:10]
    post = _post(f"Vain kerran {marker}")
    key = uuid.uuid4().hex
    first = connector.publish(w.account, post, key)
    second = connector.publish(w.account, post, key)

    assert second.platform_id == first.platform_id and second.response == first.response
    assert sum(marker in t for t in texts(w, w.account)) == 1
    rkey = first.platform_id.rsplit("/", 1)[1]
    assert TID.match(rkey) and rkey == record_key(key, post.created_at)
    assert first.url == f"https://bsky.app/profile/{w.account.handle}/post/{rkey}"
    # The TID's time part is the delivery's created_at (to the second).
    micros = 0
    for ch in rkey[:11]:
        micros = micros * 32 + B32.index(ch)
    assert int(post.created_at.timestamp()) == micros // 1_000_000


def test_record_key_depends_on_key_and_time_only() -> None:
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    keys = {record_key(f"k{i}", at) for i in range(2000)}
    assert len(keys) == 2000 and all(TID.match(k) for k in keys)
    assert record_key("k1", at) == record_key(
        "k1", at.astimezone(dt.timezone(dt.timedelta(hours=2)))
    )
    assert record_key("k1", at) != record_key("k1", at + dt.timedelta(seconds=1))


def test_graphemes_not_code_points_count(w: World) -> None:
    """ "ä" typed as a + combining diaeresis is one grapheme, two code points."""
    connector = BlueskyConnector()
    sent = connector.publish(w.account, _post("a\u0308" * 300), uuid.uuid4().hex)
    assert record(w, sent.platform_id) is not None
    with pytest.raises(errors.Rejected) as info:
        connector.publish(w.account, _post("a\u0308" * 301), uuid.uuid4().hex)
    assert info.value.kind == "too_long"


def test_image_over_the_lexicon_limit_is_refused_by_the_pds(w: World, tmp_path: Path) -> None:
    """The PDS's own refusal (the connector would stop it earlier with its limits)."""

    class Lenient(BlueskyConnector):
        limits = replace(BlueskyConnector.limits, image_max_bytes=3_000_000)

    big = tmp_path / "iso.png"
    big.write_bytes(png(840, 840, noise=True))
    assert big.stat().st_size > 2_000_000
    image = OutgoingMedia(big, "image/png", "image", alt_text="Iso kuva")
    marker = uuid.uuid4().hex[:10]
    with pytest.raises(errors.Rejected) as info:
        Lenient().publish(w.account, _post(f"Iso {marker}", media=(image,)), uuid.uuid4().hex)
    assert info.value.kind == "media_rejected" and "blob too big" in info.value.detail
    with pytest.raises(errors.Rejected) as info:
        BlueskyConnector().publish(w.account, _post("Iso", media=(image,)), uuid.uuid4().hex)
    assert info.value.kind == "media_rejected" and info.value.status is None
    assert sum(marker in t for t in texts(w, w.account)) == 0


def test_taken_down_account_is_gone(w: World) -> None:
    account = w.connect(f"poistettu{uuid.uuid4().hex[:6]}.test")
    w.pds.takedown(account.account_id)
    connector = BlueskyConnector()
    with pytest.raises(errors.AuthExpired) as info:
        connector.publish(account, _post("Ei enää"), uuid.uuid4().hex)
    assert info.value.kind == "account_gone" and "taken down" in info.value.detail
    assert not connector.check_account(account).ok


def test_main_password_is_not_stored(w: World) -> None:
    with pytest.raises(errors.AuthExpired) as info:
        BlueskyConnector().login(w.pds.url, w.other.handle, "salasana-1234")
    assert info.value.kind == "permission_missing"


def test_refused_access_token_means_one_fresh_login(w: World) -> None:
    """As after the PDS rotated its signing key: the cached token fails, a new login works."""
    creds = w.account.credentials
    client = bluesky._login(w.pds.url, creds["identifier"], creds["app_password"])
    session = client._session
    assert session is not None
    session.access_jwt = session.access_jwt[:-4] + (
        "AAAA" if session.access_jwt[-4:] != "AAAA" else "BBBB"
    )
    sent = BlueskyConnector().publish(w.account, _post("Uusi kirjautuminen"), uuid.uuid4().hex)
    assert record(w, sent.platform_id) is not None
    fresh = bluesky._login(w.pds.url, creds["identifier"], creds["app_password"])
    assert fresh is not client


def test_unreachable_server_is_transient(w: World) -> None:
    account = replace(w.account, base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(errors.Transient) as info:
        BlueskyConnector().publish(account, _post("Ei yhteyttä"), uuid.uuid4().hex)
    assert info.value.kind == "unavailable"


def test_timeout_after_sending_is_unknown_outcome(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that takes the request and never answers: the post may exist, so no retry."""
    creds = w.account.credentials
    logged_in = bluesky._login(w.pds.url, creds["identifier"], creds["app_password"])
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the connection; nobody ever reads or answers
        client = Client(w.pds.url, request=Request(timeout=0.5))
        client.login(session_string=logged_in.export_session_string(), fetch_bsky_profile=False)
        client.update_base_url(f"http://127.0.0.1:{silent.getsockname()[1]}")
        key = bluesky._session_key(w.pds.url, creds["identifier"], creds["app_password"])
        monkeypatch.setitem(bluesky._sessions, key, client)
        with pytest.raises(errors.UnknownOutcome) as info:
            BlueskyConnector().publish(w.account, _post("Hukkuuko?"), uuid.uuid4().hex)
    assert info.value.kind == "timeout" and "ReadTimeout" in info.value.detail


def test_rate_limit_answer_gives_retry_after() -> None:
    """Bluesky's 429 body and RateLimit-* headers, as the SDK hands them over."""
    reset = int(time.time()) + 120
    response = Response(
        success=False,
        status_code=429,
        content=XrpcError(error="RateLimitExceeded", message="Rate Limit Exceeded"),
        headers={
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
        },
    )
    err = bluesky._error(RateLimitExceededError(response), sent=True)
    assert isinstance(err, errors.Transient) and err.kind == "rate_limited"
    assert err.retry_after is not None and 100 < err.retry_after <= 120
    assert err.detail == "RateLimitExceeded: Rate Limit Exceeded"


def test_limits_match_the_installed_lexicons(w: World) -> None:
    """Our limits against the lexicons the pinned PDS validates with (fails on an upgrade
    that changes them)."""
    lexicons = TOOLS / "pds" / "node_modules" / "@atproto" / "pds" / "dist" / "lexicons"
    images = (lexicons / "app/bsky/embed/images.defs.js").read_text()
    post = (lexicons / "app/bsky/feed/post.defs.js").read_text()
    limits: ChannelLimits = BlueskyConnector.limits
    assert f"maxSize: {limits.image_max_bytes}" in images
    assert f"maxLength: {limits.max_images} }}" in images
    assert f"maxLength: {bluesky.MAX_TEXT_BYTES}, maxGraphemes: {limits.max_chars} }}" in post
