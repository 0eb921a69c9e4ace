"""Facebook and Instagram specifics, against the Graph API double."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from somevahti.connectors import errors
from somevahti.connectors.base import OutgoingMedia, OutgoingPost
from somevahti.connectors.doubles.graph import GraphDouble
from somevahti.connectors.meta import FacebookConnector, InstagramConnector
from somevahti.connectors.meta_graph import DEFAULT_RETRY_AFTER, Graph, map_error, retry_after
from somevahti.connectors.tests.harness import Harness
from somevahti.connectors.tests.harness_meta import (
    connect,
    harness_and_double,
    tiny_jpeg,
    tiny_png,
)


@pytest.fixture
def double() -> Iterator[GraphDouble]:
    d = GraphDouble(processing_polls=0).start()
    yield d
    d.stop()


@pytest.fixture
def ig_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, GraphDouble]]:
    h, d = harness_and_double("instagram", tmp_path_factory, processing_polls=3)
    yield h, d
    d.stop()


@pytest.fixture
def ig(ig_pair: tuple[Harness, GraphDouble]) -> Harness:
    return ig_pair[0]


@pytest.fixture
def ig_double(ig_pair: tuple[Harness, GraphDouble]) -> GraphDouble:
    return ig_pair[1]


@pytest.fixture
def fb_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, GraphDouble]]:
    h, d = harness_and_double("facebook", tmp_path_factory)
    yield h, d
    d.stop()


@pytest.fixture
def fb(fb_pair: tuple[Harness, GraphDouble]) -> Harness:
    return fb_pair[0]


@pytest.fixture
def fb_double(fb_pair: tuple[Harness, GraphDouble]) -> GraphDouble:
    return fb_pair[1]


def _image(path: Path, alt: str = "Lukusali") -> OutgoingMedia:
    return OutgoingMedia(path, "image/jpeg", "image", alt_text=alt, size=path.stat().st_size)


def _post(text: str, *media: OutgoingMedia, at: dt.datetime | None = None) -> OutgoingPost:
    return OutgoingPost(text=text, created_at=at or dt.datetime.now(dt.UTC), media=media)


# --- connecting ----------------------------------------------------------------------


def test_authorize_url_asks_for_the_page_and_instagram_scopes(double: GraphDouble) -> None:
    app = double.add_app()
    url = FacebookConnector(double.base, "https://login.example").authorize_url(app, "st4te")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == "/v26.0/dialog/oauth"
    assert query["client_id"] == [app.client_id] and query["state"] == ["st4te"]
    assert query["redirect_uri"] == [app.redirect_uri] and query["response_type"] == ["code"]
    scopes = set(query["scope"][0].split(","))
    assert {"pages_manage_posts", "pages_show_list", "instagram_content_publish"} <= scopes


def test_code_becomes_a_page_token_with_the_data_access_expiry(double: GraphDouble) -> None:
    user = double.add_user()
    first = double.add_page(user, "Kirjasto")
    double.add_page(user, "Nuorisopalvelut")
    app = double.add_app()
    connected = FacebookConnector(double.base).exchange_code(app, double.issue_code(app, user))

    creds = connected.account.credentials
    assert connected.account.account_id == first and connected.account.handle == "Kirjasto"
    assert creds["pages_available"] == 2  # the first Page was taken
    grant = double.tokens[creds["page_token"]]
    assert grant["kind"] == "page" and grant["page"] == first  # not the user token
    # Page tokens never expire; their data access ends 90 days after the grant.
    data_access_ends = double.users[user]["grant"] + dt.timedelta(days=90)
    assert connected.expires_at == data_access_ends.replace(microsecond=0)
    check = FacebookConnector(double.base).check_account(connected.account)
    assert check.ok and check.handle == "Kirjasto" and check.expires_at == connected.expires_at


def test_instagram_takes_the_first_page_with_a_linked_account(double: GraphDouble) -> None:
    user = double.add_user()
    double.add_page(user, "Ilman Instagramia")
    page = double.add_page(user, "Kirjasto", instagram="kirjasto_ig")
    account = connect(InstagramConnector(double.base), double, user)
    assert account.account_id == double.nodes[page]["ig"] == account.credentials["ig_user_id"]
    assert account.handle == "kirjasto_ig" and account.credentials["page_id"] == page


def test_instagram_without_a_linked_account_cannot_connect(double: GraphDouble) -> None:
    user = double.add_user()
    double.add_page(user, "Ilman Instagramia")
    with pytest.raises(errors.AuthExpired) as info:
        connect(InstagramConnector(double.base), double, user)
    assert info.value.kind == "permission_missing"


# --- Instagram publishing --------------------------------------------------------------


def test_container_is_polled_until_finished_then_published(
    ig: Harness, ig_double: GraphDouble
) -> None:
    assert ig.image is not None
    sent = ig.connector.publish(ig.account, _post("Uusi lukusali", _image(ig.image)), "k1")

    container = sent.response["container"]
    statuses = [i for i, (m, p, _) in enumerate(ig_double.log) if m == "GET" and p == container]
    published = [i for i, (m, p, _) in enumerate(ig_double.log) if p.endswith("/media_publish")]
    assert len(statuses) == 4  # IN_PROGRESS three times, then FINISHED
    assert published and published[0] > statuses[-1]
    media = ig_double.node(sent.platform_id)
    assert media is not None and media["caption"] == "Uusi lukusali"
    assert media["alt_text"] == "Lukusali" and media["media_type"] == "IMAGE"
    assert sent.url == media["permalink"]


def test_a_slow_container_is_left_unpublished_and_retried_later(
    ig: Harness, ig_double: GraphDouble
) -> None:
    ig_double.processing_polls = 10**6
    assert isinstance(ig.connector, InstagramConnector) and ig.image is not None
    ig.connector.image_wait = 0.0
    with pytest.raises(errors.Transient) as info:
        ig.connector.publish(ig.account, _post("Hidas", _image(ig.image)), "k2")
    assert info.value.kind == "unavailable" and info.value.retry_after == 60.0
    assert not ig_double.requests_to("POST", f"{ig.account.account_id}/media_publish")
    assert ig.count_with_text("Hidas") == 0


def test_processing_error_is_media_rejected(ig: Harness, ig_double: GraphDouble) -> None:
    ig_double.processing_error = "The video could not be processed."
    assert ig.image is not None
    with pytest.raises(errors.Rejected) as info:
        ig.connector.publish(ig.account, _post("Virhe", _image(ig.image)), "k3")
    assert info.value.kind == "media_rejected" and "could not be processed" in info.value.detail


def test_without_a_public_media_address_the_post_is_refused(
    ig: Harness, ig_double: GraphDouble
) -> None:
    assert ig.image is not None
    plain = InstagramConnector(ig_double.base, poll_interval=0)  # the site gave no address
    with pytest.raises(errors.Rejected) as info:
        plain.publish(ig.account, _post("Ei osoitetta", _image(ig.image)), "k4")
    assert info.value.kind == "media_rejected" and "public address" in info.value.detail
    assert not ig_double.requests_to("POST", f"{ig.account.account_id}/media")


def test_instagram_refuses_a_png_before_making_a_container(
    ig: Harness, ig_double: GraphDouble, tmp_path: Path
) -> None:
    png = tmp_path / "kuva.png"
    png.write_bytes(tiny_png())
    with pytest.raises(errors.Rejected) as info:
        ig.connector.publish(ig.account, _post("PNG", _image(png)), "k5")
    assert info.value.kind == "media_rejected" and "JPEG" in info.value.detail
    assert not ig_double.requests_to("POST", f"{ig.account.account_id}/media")


def test_several_pictures_become_one_carousel(ig: Harness, tmp_path: Path) -> None:
    second = tmp_path / "toinen.jpg"
    second.write_bytes(tiny_jpeg())
    assert ig.image is not None
    post = _post("Karuselli", _image(ig.image, "Eka"), _image(second, "Toka"))
    sent = ig.connector.publish(ig.account, post, "k6")
    view = ig.read_back(sent.platform_id)
    assert view is not None and view.media_count == 2 and view.alt_texts == ["Eka", "Toka"]
    assert ig.count_with_text("Karuselli") == 1


def test_caption_limit_is_2200_characters(ig: Harness, ig_double: GraphDouble) -> None:
    assert ig.image is not None
    ok = ig.connector.publish(ig.account, _post("x" * 2200, _image(ig.image)), "k7")
    assert ig.read_back(ok.platform_id) is not None
    before = len(ig_double.log)
    with pytest.raises(errors.Rejected) as info:
        ig.connector.publish(ig.account, _post("y" * 2201, _image(ig.image)), "k8")
    assert info.value.kind == "too_long" and len(ig_double.log) == before  # refused before any call


# --- Facebook publishing ---------------------------------------------------------------


def test_several_photos_are_uploaded_unpublished_then_attached(
    fb: Harness, fb_double: GraphDouble, tmp_path: Path
) -> None:
    second = tmp_path / "toinen.png"
    second.write_bytes(tiny_png())
    assert fb.image is not None
    post = _post("Kaksi kuvaa", _image(fb.image, "Eka"), _image(second, "Toka"))
    sent = fb.connector.publish(fb.account, post, "f1")
    uploads = fb_double.requests_to("POST", f"{fb.account.account_id}/photos")
    assert [u["published"] for u in uploads] == ["false", "false"]
    view = fb.read_back(sent.platform_id)
    assert view is not None and view.text == "Kaksi kuvaa"
    assert view.media_count == 2 and view.alt_texts == ["Eka", "Toka"]


def test_a_link_in_the_text_is_sent_for_its_preview(fb: Harness, fb_double: GraphDouble) -> None:
    sent = fb.connector.publish(fb.account, _post("Lue lisää https://kunta.example/a b"), "f2")
    node = fb_double.node(sent.platform_id)
    assert node is not None and node["link"] == "https://kunta.example/a"


def test_same_status_twice_is_refused_as_duplicate(fb: Harness, fb_double: GraphDouble) -> None:
    fb.connector.publish(fb.account, _post("Sama teksti"), "f3")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)  # lookup cannot see the first
    assert fb.connector.lookup(fb.account, _post("Sama teksti", at=later), "f4") is None
    with pytest.raises(errors.Rejected) as info:
        fb.connector.publish(fb.account, _post("Sama teksti", at=later), "f4")
    assert info.value.kind == "duplicate" and "506" in info.value.detail
    assert fb.count_with_text("Sama teksti") == 1


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_rate_limit_header_gives_retry_after(
    platform: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    h, d = harness_and_double(platform, tmp_path_factory)
    try:
        d.regain_minutes = 7
        assert h.force("rate_limited") and h.image is not None
        with pytest.raises(errors.Transient) as info:
            h.connector.publish(h.account, _post(uuid.uuid4().hex, _image(h.image)), "r1")
        assert info.value.kind == "rate_limited" and info.value.retry_after == 7 * 60
    finally:
        d.stop()


# --- error mapping and transport -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "subcode", "status", "cls", "kind"),
    [
        (190, 460, 400, errors.AuthExpired, "token_expired"),  # password changed
        (190, 467, 400, errors.AuthExpired, "token_expired"),
        (200, None, 403, errors.AuthExpired, "permission_missing"),
        (10, None, 403, errors.AuthExpired, "permission_missing"),
        (4, 2207051, 400, errors.Rejected, "content_rejected"),  # "restrict certain activity"
        (9, 2207042, 400, errors.Transient, "rate_limited"),  # 100 posts a day
        (352, 2207026, 400, errors.Rejected, "media_rejected"),
        (-1, 2207001, 400, errors.Transient, "unavailable"),
        (100, None, 400, errors.Rejected, "content_rejected"),
        (1, None, 500, errors.Transient, "unavailable"),
    ],
)
def test_graph_errors_map_to_the_taxonomy(
    code: int, subcode: int | None, status: int, cls: type, kind: str
) -> None:
    error = {"message": f"({code}) sanottu", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    mapped = map_error(status, {"error": error}, {})
    assert isinstance(mapped, cls) and mapped.kind == kind and mapped.detail


def test_retry_after_falls_back_when_meta_gives_no_estimate() -> None:
    app_usage = {"X-App-Usage": json.dumps({"call_count": 100, "total_time": 30})}
    assert retry_after(app_usage) == DEFAULT_RETRY_AFTER


def test_timeout_after_sending_is_unknown_but_refused_connection_is_transient() -> None:
    graph = Graph("https://graph.test")
    refused = requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "no")))  # type: ignore[arg-type]
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, "https://graph.test/v26.0/1/feed", body=requests.ReadTimeout())
        mock.add(responses.POST, "https://graph.test/v26.0/2/feed", body=refused)
        with pytest.raises(errors.UnknownOutcome) as unknown:
            graph.post("1/feed", "EAAtoken", {"message": "x"})
        with pytest.raises(errors.Transient):
            graph.post("2/feed", "EAAtoken", {"message": "x"})
        mock.add(responses.POST, "https://graph.test/v26.0/3/media", body=requests.ReadTimeout())
        with pytest.raises(errors.Transient):  # a container nobody sees: safe to make again
            graph.post("3/media", "EAAtoken", {"image_url": "x"}, makes_post=False)
    assert unknown.value.kind == "timeout" and "EAAtoken" not in str(unknown.value.summary())
