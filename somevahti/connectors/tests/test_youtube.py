"""YouTube specifics: chunked uploads, captions, quota, the key in a tag, titles, connecting."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError

from somevahti.connectors import errors
from somevahti.connectors.base import Account, OAuthApp, OutgoingMedia, OutgoingPost
from somevahti.connectors.doubles.youtube import QUOTA, YouTubeDouble
from somevahti.connectors.tests.harness_youtube import CHUNK, SRT, account_for, tiny_mp4
from somevahti.connectors.youtube import SCOPES, YouTubeConnector
from somevahti.connectors.youtube_errors import seconds_until_quota_reset

INSERT = "youtube.videos.insert"


@dataclass
class YT:
    double: YouTubeDouble
    account: Account
    connector: YouTubeConnector
    tmp: Path

    def video(self, size: int = 1000, name: str = "v.mp4") -> Path:
        path = self.tmp / name
        path.write_bytes(tiny_mp4(padding=size))
        return path

    def post(
        self,
        text: str = "Kirjasto on auki",
        *,
        title: str = "Kirjaston aukiolo",
        video: Path | None = None,
        captions: Path | None = None,
        language: str = "fi",
        media: tuple[OutgoingMedia, ...] | None = None,
    ) -> OutgoingPost:
        path = video or self.video()
        if media is None:
            media = (OutgoingMedia(path, "video/mp4", "video", captions_path=captions),)
        now = dt.datetime.now(dt.UTC)
        return OutgoingPost(text, now, media=media, language=language, title=title)

    def srt(self, text: str = SRT) -> Path:
        path = self.tmp / "c.srt"
        path.write_text(text, encoding="utf-8")
        return path

    def sent(self, method_id: str = INSERT) -> int:
        return sum(1 for mid, _ in self.double.log if mid == method_id)


@pytest.fixture
def yt(tmp_path: Path) -> YT:
    double = YouTubeDouble()
    channel = double.add_channel("Esimerkkilän kaupunki", "@esimerkkila")
    connector = YouTubeConnector(transport=double.http, chunksize=CHUNK)
    return YT(double, account_for(double, channel), connector, tmp_path)


def test_resumable_upload_in_several_chunks_arrives_whole(yt: YT) -> None:
    path = yt.video(size=2 * CHUNK + 5000)
    sent = yt.connector.publish(yt.account, yt.post(video=path), uuid.uuid4().hex)
    assert yt.double.media[sent.platform_id] == path.read_bytes()
    assert yt.sent("youtube.videos.insert:chunk") == 3
    assert sent.url == f"https://www.youtube.com/watch?v={sent.platform_id}"
    video = yt.double.videos[sent.platform_id]
    assert video["status"]["privacyStatus"] == "public"
    assert video["status"]["selfDeclaredMadeForKids"] is False
    assert video["snippet"]["defaultLanguage"] == video["snippet"]["defaultAudioLanguage"] == "fi"


@pytest.mark.parametrize(("language", "name"), [("fi", "Suomi"), ("sv", "Svenska")])
def test_captions_track_is_attached_with_its_language(yt: YT, language: str, name: str) -> None:
    sent = yt.connector.publish(
        yt.account, yt.post(captions=yt.srt(), language=language), uuid.uuid4().hex
    )
    tracks = [c for c in yt.double.captions.values() if c["snippet"]["videoId"] == sent.platform_id]
    assert [(t["snippet"]["language"], t["snippet"]["name"]) for t in tracks] == [(language, name)]
    assert tracks[0]["snippet"]["status"] == "serving"
    assert yt.double.caption_files[tracks[0]["id"]].decode() == SRT
    assert sent.response["captions"]["status"] == "ok"


def test_captions_failure_keeps_the_video_and_says_so(yt: YT) -> None:
    yt.double.fail_next("youtube.captions.insert", 403, "quotaExceeded", QUOTA, "youtube.quota")
    key, post = uuid.uuid4().hex, yt.post("Valtuuston kokous", captions=yt.srt())
    sent = yt.connector.publish(yt.account, post, key)
    assert sent.platform_id in yt.double.videos
    assert sent.response["warnings"] == ["captions_failed"]
    assert sent.response["captions"]["status"] == "failed"
    assert sent.response["captions"]["error"]["kind"] == "rate_limited"
    assert "quota" in sent.response["captions"]["error"]["detail"]
    # A retry of the same delivery finds the video instead of uploading it again.
    again = yt.connector.publish(yt.account, post, key)
    assert again.platform_id == sent.platform_id
    assert yt.sent() == 1 and yt.double.count_with_text("Valtuuston kokous") == 1


def test_quota_exceeded_waits_until_midnight_pacific(yt: YT) -> None:
    yt.double.force("rate_limited")
    with pytest.raises(errors.Transient) as info:
        yt.connector.publish(yt.account, yt.post(), uuid.uuid4().hex)
    pacific = dt.datetime.now(ZoneInfo("America/Los_Angeles"))
    midnight = dt.datetime.combine(pacific.date() + dt.timedelta(days=1), dt.time(), pacific.tzinfo)
    assert info.value.kind == "rate_limited" and "quota" in info.value.detail
    assert info.value.retry_after is not None
    assert abs(info.value.retry_after - (midnight.timestamp() - time.time())) < 120
    assert yt.double.videos == {}


@pytest.mark.parametrize(
    ("utc", "hours"),
    [
        ("2026-06-10T06:00:00+00:00", 1.0),  # 23:00 PDT: one hour left
        ("2026-03-08T08:30:00+00:00", 22.5),  # 00:30 PST on the 23-hour day clocks spring on
        ("2026-11-01T07:30:00+00:00", 24.5),  # 00:30 PDT on the 25-hour day clocks fall back
    ],
)
def test_quota_reset_counts_real_hours_across_summer_time(utc: str, hours: float) -> None:
    assert seconds_until_quota_reset(dt.datetime.fromisoformat(utc)) == hours * 3600 + 60


def test_same_key_twice_makes_one_video_and_the_key_is_a_hidden_tag(yt: YT) -> None:
    key, post = uuid.uuid4().hex, yt.post("Uimahalli suljettu")
    assert yt.connector.lookup(yt.account, post, key) is None
    first = yt.connector.publish(yt.account, post, key)
    second = yt.connector.publish(yt.account, post, key)
    assert second.platform_id == first.platform_id and yt.sent() == 1
    tags = yt.double.videos[first.platform_id]["snippet"]["tags"]
    assert len(tags) == 1 and tags[0].startswith("sv-") and key not in tags[0]
    assert "sv-" not in yt.double.videos[first.platform_id]["snippet"]["description"]
    assert yt.connector.lookup(yt.account, post, uuid.uuid4().hex) is None


def test_lookup_pages_through_a_busy_channel(yt: YT) -> None:
    key, post = uuid.uuid4().hex, yt.post()
    sent = yt.connector.publish(yt.account, post, key)
    for n in range(60):  # newer uploads push it to the second page of 50
        yt.double.seed_upload(yt.account.account_id, f"Video {n}", tiny_mp4())
    found = yt.connector.lookup(yt.account, post, key)
    assert found is not None and found.platform_id == sent.platform_id


def test_a_lost_answer_is_unknown_and_the_video_is_then_found(yt: YT) -> None:
    yt.double.lose_upload_answer = True
    key, post = uuid.uuid4().hex, yt.post(video=yt.video(size=CHUNK + 10))
    with pytest.raises(errors.UnknownOutcome) as info:
        yt.connector.publish(yt.account, post, key)
    assert info.value.kind == "timeout"
    found = yt.connector.lookup(yt.account, post, key)
    assert found is not None and found.platform_id in yt.double.videos
    assert yt.connector.publish(yt.account, post, key).platform_id == found.platform_id
    assert len(yt.double.videos) == 1


def test_title_falls_back_to_the_first_line_shortened(yt: YT) -> None:
    sent = yt.connector.publish(
        yt.account, yt.post("\nUusi kirjasto avataan\nTervetuloa!", title=""), uuid.uuid4().hex
    )
    assert yt.double.videos[sent.platform_id]["snippet"]["title"] == "Uusi kirjasto avataan"
    long_line = "Kaupunginvaltuusto kokoontuu " + "pitkästi " * 20
    sent = yt.connector.publish(yt.account, yt.post(long_line, title=""), uuid.uuid4().hex)
    title = yt.double.videos[sent.platform_id]["snippet"]["title"]
    assert len(title) <= 100 and title.endswith("…") and long_line.startswith(title[:-1])


@pytest.mark.parametrize(
    ("text", "title", "kind"),
    [
        ("Kuvaus", "T" * 101, "too_long"),
        ("ä" * 2600, "Otsikko", "too_long"),  # 2600 characters, 5200 bytes
        ("Ikäraja <18", "Otsikko", "content_rejected"),
        ("", "", "content_rejected"),  # no title to be had
    ],
)
def test_limits_are_checked_before_anything_is_sent(
    yt: YT, text: str, title: str, kind: str
) -> None:
    with pytest.raises(errors.Rejected) as info:
        yt.connector.publish(yt.account, yt.post(text, title=title), uuid.uuid4().hex)
    assert info.value.kind == kind
    assert yt.double.log == []


def test_media_must_be_one_video_with_srt_or_webvtt_captions(yt: YT) -> None:
    image = OutgoingMedia(yt.tmp / "k.png", "image/png", "image")
    bad_captions = yt.srt("Tämä ei ole tekstitystiedosto.")
    for post in (
        yt.post(media=()),
        yt.post(media=(image,)),
        yt.post(captions=bad_captions),
    ):
        with pytest.raises(errors.Rejected) as info:
            yt.connector.publish(yt.account, post, uuid.uuid4().hex)
        assert info.value.kind == "media_rejected"
    assert yt.double.log == []
    webvtt = yt.srt("WEBVTT\n\n00:00.000 --> 00:02.000\nHei\n")
    yt.connector.publish(yt.account, yt.post(captions=webvtt), uuid.uuid4().hex)


@pytest.mark.parametrize(
    ("code", "reason", "cls", "kind"),
    [
        (400, "uploadLimitExceeded", errors.Rejected, "content_rejected"),
        (400, "invalidTitle", errors.Rejected, "content_rejected"),
        (400, "mediaBodyRequired", errors.Rejected, "media_rejected"),
        (403, "forbidden", errors.AuthExpired, "permission_missing"),
        (403, "authenticatedUserAccountSuspended", errors.AuthExpired, "account_gone"),
        (403, "rateLimitExceeded", errors.Transient, "rate_limited"),
        (500, "backendError", errors.Transient, "unavailable"),
    ],
)
def test_youtube_error_reasons_map_to_the_taxonomy(
    yt: YT, code: int, reason: str, cls: type[errors.ConnectorError], kind: str
) -> None:
    yt.double.fail_next(INSERT, code, reason, f"The platform says {reason}.", "youtube.video")
    with pytest.raises(cls) as info:
        yt.connector.publish(yt.account, yt.post(), uuid.uuid4().hex)
    assert info.value.kind == kind and info.value.code == reason
    assert info.value.detail == f"The platform says {reason}."
    if kind == "rate_limited":  # a per-minute limit, not the daily quota
        assert isinstance(info.value, errors.Transient) and info.value.retry_after == 60


def test_an_expired_access_token_is_refreshed_with_the_refresh_token(yt: YT) -> None:
    stale = account_for(yt.double, yt.account.account_id, expires_in=-60)
    yt.double.expire(stale.credentials["access_token"])
    yt.connector.publish(stale, yt.post(), uuid.uuid4().hex)
    assert ("token", "POST") in yt.double.log
    revoked = account_for(yt.double, yt.account.account_id)
    yt.double.expire(revoked.credentials["access_token"])  # refused although not yet due
    yt.double.expire(revoked.credentials["refresh_token"])
    with pytest.raises(errors.AuthExpired) as info:
        yt.connector.publish(revoked, yt.post(), uuid.uuid4().hex)
    assert info.value.kind == "token_expired" and "invalid_grant" in info.value.detail


def _app() -> OAuthApp:
    return OAuthApp(YouTubeDouble.client_id, YouTubeDouble.client_secret, "https://sv.example/cb")


def test_connecting_a_channel(yt: YT) -> None:
    url = urlsplit(yt.connector.authorize_url(_app(), "tila-123"))
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    assert query["scope"].split() == list(SCOPES)
    assert (query["access_type"], query["prompt"], query["state"]) == (
        "offline",
        "consent",
        "tila-123",
    )
    channel = yt.account.account_id
    connected = yt.connector.exchange_code(_app(), yt.double.authorization_code(channel))
    assert connected.account.account_id == channel
    assert connected.account.handle == "@esimerkkila"
    assert connected.expires_at is None  # a refresh token does not expire by time
    assert connected.account.credentials["refresh_token"]
    assert yt.connector.check_account(connected.account).ok
    yt.connector.publish(connected.account, yt.post(), uuid.uuid4().hex)
    with pytest.raises(errors.AuthExpired):  # a code works once
        yt.connector.exchange_code(_app(), next(iter(yt.double.codes), "4/used"))


def test_connecting_without_the_upload_scope_is_refused(yt: YT) -> None:
    code = yt.double.authorization_code(yt.account.account_id, frozenset(SCOPES[1:]))
    with pytest.raises(errors.AuthExpired) as info:
        yt.connector.exchange_code(_app(), code)
    assert info.value.kind == "permission_missing" and "youtube.upload" in info.value.detail


# --- the double answers in the shapes the discovery document describes ---

DOC = json.loads(get_static_doc("youtube", "v3"))
TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
}


def _conforms(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    if "$ref" in schema:
        schema = DOC["schemas"][schema["$ref"]]
    problems: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is None:
            inner = schema.get("additionalProperties", {})
            return [p for k, v in value.items() for p in _conforms(v, inner, f"{where}.{k}")]
        problems += [f"{where}.{k} is not in the schema" for k in value if k not in props]
        for k, v in value.items():
            problems += _conforms(v, props.get(k, {}), f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems += _conforms(v, schema.get("items", {}), f"{where}[{i}]")
    elif schema.get("type") in TYPES and not isinstance(value, TYPES[schema["type"]]):
        problems.append(f"{where} should be {schema['type']}")
    elif "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}={value!r} is not one of {schema['enum']}")
    return problems


def test_the_double_answers_in_the_discovery_documents_shapes(yt: YT) -> None:
    sent = yt.connector.publish(yt.account, yt.post(captions=yt.srt()), uuid.uuid4().hex)
    http = AuthorizedHttp(
        Credentials(yt.account.credentials["access_token"]), http=yt.double.http()
    )
    api = build("youtube", "v3", http=http, static_discovery=True)
    uploads = "UU" + yt.account.account_id[2:]
    answers = {
        "ChannelListResponse": api.channels().list(part="snippet,contentDetails", mine=True),
        "PlaylistItemListResponse": api.playlistItems().list(
            part="snippet,contentDetails,status", playlistId=uploads
        ),
        "VideoListResponse": api.videos().list(part="snippet,status", id=sent.platform_id),
        "CaptionListResponse": api.captions().list(part="snippet", videoId=sent.platform_id),
    }
    problems = []
    for schema, request in answers.items():
        body = request.execute()
        assert body["items"], schema
        problems += _conforms(body, {"$ref": schema}, schema)
    assert problems == []
    yt.double.force("rate_limited")
    with pytest.raises(HttpError) as info:  # a real error body, as the SDK parses it
        api.videos().insert(part="snippet", body={}, media_body=None).execute()
    assert json.loads(info.value.content)["error"]["errors"][0]["domain"] == "youtube.quota"
