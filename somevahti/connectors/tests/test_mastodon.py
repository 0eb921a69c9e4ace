"""Mastodon beyond the shared contract: OAuth, media processing, counting, errors, lookup."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from mastodon import Mastodon, return_types

from somevahti.connectors import errors
from somevahti.connectors.base import Account, OutgoingMedia, OutgoingPost
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.mastodon import SCOPES, MastodonConnector
from somevahti.connectors.mastodon_text import countable_length
from somevahti.connectors.tests.harness_mastodon import REDIRECT, connect, read_back, tiny_png


@pytest.fixture
def double() -> Iterator[MastodonDouble]:
    d = MastodonDouble().start()
    d.processing_seconds = 0.15
    yield d
    d.stop()


@pytest.fixture
def connector() -> MastodonConnector:
    return MastodonConnector(timeout=5)


@pytest.fixture
def account(connector: MastodonConnector, double: MastodonDouble) -> Account:
    return connect(connector, double)


def _post(text: str, **kw: object) -> OutgoingPost:
    return OutgoingPost(text=text, created_at=dt.datetime.now(dt.UTC), **kw)  # type: ignore[arg-type]


def _image(path: Path, alt: str) -> OutgoingMedia:
    return OutgoingMedia(path, "image/png", "image", alt_text=alt, size=path.stat().st_size)


def _with_token(double: MastodonDouble, username: str, token: str) -> Account:
    return Account(
        "mastodon", double.account_id(username), base_url=double.base_url,
        credentials={"access_token": token},
    )  # fmt: skip


def _posts(double: MastodonDouble) -> list[tuple[str, str]]:
    return [r for r in double.log if r == ("POST", "/api/v1/statuses")]


def test_connecting_registers_an_app_and_exchanges_the_code(
    connector: MastodonConnector, double: MastodonDouble
) -> None:
    app = connector.register_app(double.base_url + "/", REDIRECT)
    registered = double.apps[app.client_id]
    assert registered["name"] == "Somevahti" and registered["redirect_uris"] == [REDIRECT]
    assert registered["scopes"] == list(SCOPES)  # narrower than "read write"

    url = connector.authorize_url(app, "tila-42")
    assert url.startswith(double.base_url + "/oauth/authorize?")
    assert "state=tila-42" in url and "force_login=True" in url and "lang=None" not in url
    code = double.authorize(url)

    connected = connector.exchange_code(app, code)
    assert connected.account.account_id == double.account_id("kaupunki")
    assert connected.account.handle == f"kaupunki@{double.base_url.split('//')[1]}"
    assert connected.expires_at is None  # Mastodon's tokens do not expire
    token = double.tokens[connected.account.credentials["access_token"]]
    assert token["scopes"] == list(SCOPES) and token["client_id"] == app.client_id

    with pytest.raises(errors.AuthExpired) as info:  # a code is good once
        connector.exchange_code(app, code)
    assert "authorization grant is invalid" in info.value.detail


def test_two_images_are_processed_and_keep_order_and_alt_texts(
    connector: MastodonConnector, double: MastodonDouble, account: Account, tmp_path: Path
) -> None:
    double.async_images = True  # 202 Accepted, as Mastodon answers for large media
    first = _image(tiny_png(tmp_path / "a.png", (200, 0, 0)), "Kirjaston lukusali")
    second = _image(tiny_png(tmp_path / "b.png", (0, 200, 0)), "Uimahallin allas")
    sent = connector.publish(account, _post("Kaksi kuvaa", media=(first, second)), "k-media")

    view = read_back(double, account.credentials["access_token"], sent.platform_id)
    assert view is not None and view.media_count == 2
    assert view.alt_texts == ["Kirjaston lukusali", "Uimahallin allas"]
    assert all(m["url"] for m in view.raw["media_attachments"])
    assert sum(method == "GET" and "/api/v1/media/" in p for method, p in double.log) >= 1


def test_language_visibility_and_reply_arrive(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    parent = connector.publish(account, _post("Kysymys?"), "k-parent")
    reply = connector.publish(
        account,
        _post("Svar på svenska", language="sv", visibility="unlisted", reply_to=parent.platform_id),
        "k-reply",
    )
    view = read_back(double, account.credentials["access_token"], reply.platform_id)
    assert view is not None
    assert view.language == "sv"
    assert view.raw["visibility"] == "unlisted"
    assert view.raw["in_reply_to_id"] == parent.platform_id
    assert reply.url == view.raw["url"]


def test_length_is_counted_as_mastodon_counts_it() -> None:
    link = "https://www.kunta.fi/" + "palvelut/" * 20
    assert countable_length("Lue lisää: " + link) == len("Lue lisää: ") + 23
    assert countable_length("Katso https://kunta.fi/a.") == len("Katso ") + 23 + 1
    assert countable_length("Kiitos @matti@kunta.social") == len("Kiitos @matti")
    assert countable_length("👨‍👩‍👧🇫🇮") == 2  # grapheme clusters, not code points
    assert countable_length("kunta.fi/sivu") == len("kunta.fi/sivu")  # no scheme: plain text


def test_links_let_a_long_text_through_and_the_count_is_checked_before_sending(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    link = "https://www.kunta.fi/" + "x" * 200
    fits = "a" * 470 + " " + link  # 694 characters, 494 as Mastodon counts
    sent = connector.publish(account, _post(fits), "k-fits")
    assert double.posts[sent.platform_id]["text"] == fits  # the double's own count agreed

    before = len(_posts(double))
    with pytest.raises(errors.Rejected) as info:
        connector.publish(account, _post("a" * 480 + " " + link), "k-long")  # 504 counted
    assert info.value.kind == "too_long" and "500" in info.value.detail
    assert len(_posts(double)) == before  # refused without asking the instance


def test_the_instance_limit_is_read_from_its_configuration(connector: MastodonConnector) -> None:
    roomy = MastodonDouble(max_chars=1000).start()
    try:
        account = connect(connector, roomy)
        sent = connector.publish(account, _post("ö" * 900), "k-roomy")
        assert len(roomy.posts[sent.platform_id]["text"]) == 900
    finally:
        roomy.stop()


def test_same_key_twice_makes_one_status_per_account(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    post = _post("Vain kerran")
    first = connector.publish(account, post, "k-same")
    again = connector.publish(account, post, "k-same")
    assert again.platform_id == first.platform_id
    assert len(double.statuses("kaupunki")) == 1

    # Mastodon refuses nothing as a duplicate: another key is another status.
    connector.publish(account, post, "k-other")
    assert len(double.statuses("kaupunki")) == 2
    # The key is remembered per account, not globally.
    double.add_account("kirjasto")
    library = _with_token(double, "kirjasto", double.issue_token("kirjasto"))
    assert connector.publish(library, post, "k-same").platform_id != first.platform_id


def test_revoked_token_is_auth_expired(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    # What disconnecting does: Mastodon.py revokes the token at /oauth/revoke.
    Mastodon(
        client_id=account.credentials["client_id"],
        client_secret=account.credentials["client_secret"],
        access_token=account.credentials["access_token"],
        api_base_url=double.base_url,
    ).revoke_access_token(allow_http=True)
    with pytest.raises(errors.AuthExpired) as info:
        connector.publish(account, _post("Ei mene"), "k-revoked")
    assert info.value.kind == "token_expired"
    assert info.value.detail == "The access token was revoked"
    check = connector.check_account(account)
    assert not check.ok and check.detail == "The access token was revoked"


def test_missing_scope_and_suspension_stop_the_channel(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    reader = _with_token(double, "kaupunki", double.issue_token("kaupunki", ("read",)))
    with pytest.raises(errors.AuthExpired) as info:
        connector.publish(reader, _post("Ei oikeutta"), "k-scope")
    assert info.value.kind == "permission_missing"
    assert info.value.detail == "This action is outside the authorized scopes"

    double.suspend("kaupunki")
    with pytest.raises(errors.AuthExpired) as info:
        connector.publish(account, _post("Jäädytetty"), "k-suspended")
    assert info.value.kind == "account_gone"
    assert not connector.check_account(account).ok
    assert double.statuses("kaupunki") == []


def test_rate_limit_headers_give_retry_after(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    token = account.credentials["access_token"]
    answer = requests.get(
        f"{double.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    reset = dt.datetime.fromisoformat(answer.headers["X-RateLimit-Reset"])
    assert answer.headers["X-RateLimit-Limit"] == "300"
    assert int(answer.headers["X-RateLimit-Remaining"]) < 300

    double.rate_limit = 0  # this token's window is used up
    started = time.monotonic()
    with pytest.raises(errors.Transient) as info:
        connector.publish(account, _post("Liian usein"), "k-rate")
    assert time.monotonic() - started < 3  # Mastodon.py did not sleep until the reset
    assert info.value.kind == "rate_limited" and info.value.detail == "Too many requests"
    expected = (reset - dt.datetime.now(dt.UTC)).total_seconds()
    assert info.value.retry_after is not None and abs(info.value.retry_after - expected) < 3


def test_file_the_instance_cannot_read_is_media_rejected(
    connector: MastodonConnector, double: MastodonDouble, account: Account, tmp_path: Path
) -> None:
    fake = tmp_path / "kuva.png"
    fake.write_text("tämä ei ole kuva")
    with pytest.raises(errors.Rejected) as info:
        connector.publish(account, _post("Kuva", media=(_image(fake, "Kuva"),)), "k-fake")
    assert info.value.kind == "media_rejected"
    assert info.value.detail == "Validation failed: File content type is invalid, File is invalid"
    assert double.statuses("kaupunki") == []


def test_timeout_after_sending_is_unknown_and_lookup_finds_the_status(
    double: MastodonDouble, account: Account
) -> None:
    impatient = MastodonConnector(timeout=0.5)
    post = _post("Hitaasti perille @matti@kunta.social")
    double.stall_next_status = 1.5
    with pytest.raises(errors.UnknownOutcome) as info:
        impatient.publish(account, post, "k-slow")
    assert info.value.kind == "timeout"

    found = impatient.lookup(account, post, "k-slow")
    assert found is not None and found.platform_id == double.statuses("kaupunki")[0]["id"]
    # The mention shows as "@matti" in content; the source text decided the match.
    assert "kunta.social</" not in double.status_json(double.posts[found.platform_id])["content"]
    assert impatient.publish(account, post, "k-slow").platform_id == found.platform_id
    assert len(double.statuses("kaupunki")) == 1


def test_lookup_ignores_the_same_text_written_in_another_app(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    web = requests.post(f"{double.base_url}/api/v1/apps", data={"client_name": "Web"}, timeout=5)
    token = double.issue_token("kaupunki", client_id=web.json()["client_id"])
    post = _post("Sama teksti")
    requests.post(
        f"{double.base_url}/api/v1/statuses",
        data={"status": post.text},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    with pytest.raises(errors.LookupUnsupported):
        connector.lookup(account, post, "k-lookup")


def test_unreachable_instance_is_transient(
    connector: MastodonConnector, double: MastodonDouble, account: Account
) -> None:
    double.stop()  # connection refused: nothing was sent
    with pytest.raises(errors.Transient) as info:
        connector.publish(account, _post("Ei yhteyttä"), uuid.uuid4().hex)
    assert info.value.kind == "unavailable"


def _required(cls: type) -> set[str]:
    return {
        k for k, v in cls.__annotations__.items() if not str(v).strip("'").startswith("Optional")
    }


def test_entities_have_the_fields_mastodon_py_defines(
    connector: MastodonConnector, double: MastodonDouble, account: Account, tmp_path: Path
) -> None:
    sent = connector.publish(
        account, _post("Muoto", media=(_image(tiny_png(tmp_path / "c.png"), "Alt"),)), "k-shape"
    )
    auth = {"Authorization": f"Bearer {account.credentials['access_token']}"}
    base = double.base_url
    status = requests.get(f"{base}/api/v1/statuses/{sent.platform_id}", headers=auth, timeout=5)
    me = requests.get(f"{base}/api/v1/accounts/verify_credentials", headers=auth, timeout=5)
    app = requests.post(
        f"{base}/api/v1/apps", data={"client_name": "X", "redirect_uris": REDIRECT}, timeout=5
    ).json()
    notes = requests.get(f"{base}/api/v1/notifications", headers=auth, timeout=5)
    assert notes.status_code == 200 and notes.json() == []
    v1 = requests.get(f"{base}/api/v1/instance", timeout=5).json()
    v2 = requests.get(f"{base}/api/v2/instance", timeout=5).json()
    shapes = [
        (return_types.Status, status.json()),
        (return_types.Account, status.json()["account"]),
        (return_types.MediaAttachment, status.json()["media_attachments"][0]),
        (return_types.Account, me.json()),
        (return_types.CredentialAccountSource, me.json()["source"]),
        (return_types.Application, app),
        (return_types.Instance, v1),
        (return_types.InstanceV2, v2),
        (return_types.InstanceConfigurationV2, v2["configuration"]),
        (return_types.InstanceStatusConfiguration, v2["configuration"]["statuses"]),
        (return_types.InstanceMediaConfiguration, v2["configuration"]["media_attachments"]),
    ]
    for cls, entity in shapes:
        assert _required(cls) <= set(entity), (cls.__name__, _required(cls) - set(entity))
    # Token (docs.joinmastodon.org/entities/Token), from the code flow by hand.
    url = f"{base}/oauth/authorize?" + urlencode(
        {"client_id": app["client_id"], "redirect_uri": app["redirect_uri"], "scope": "read"}
    )
    token = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "authorization_code", "code": double.authorize(url),
              "client_id": app["client_id"], "client_secret": app["client_secret"],
              "redirect_uri": app["redirect_uri"]},
        timeout=5,
    ).json()  # fmt: skip
    assert set(token) == {"access_token", "token_type", "scope", "created_at"}
