"""The YouTube connector against the double built from the YouTube Data API discovery document."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build

from somevahti.connectors.base import Account
from somevahti.connectors.doubles.youtube import YouTubeDouble
from somevahti.connectors.tests.harness import Harness, PublishedView
from somevahti.connectors.youtube import TOKEN_URI, YouTubeConnector

CHUNK = 256 * 1024  # the smallest chunk the protocol allows, so small files still take several

SRT = (
    "1\n00:00:00,000 --> 00:00:02,000\nKirjasto on auki.\n\n"
    "2\n00:00:02,000 --> 00:00:04,000\nTervetuloa!\n"
)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def tiny_mp4(padding: int = 0) -> bytes:
    """An ISO BMFF file: ftyp, a moov with a one-second mvhd, and an mdat of ``padding`` bytes."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2mp41")
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">IIIII", 0, 0, 0, 1000, 1000)  # version+flags, times, timescale, duration
        + struct.pack(">IH", 0x10000, 0x100)  # rate 1.0, volume 1.0
        + b"\0" * 10
        + matrix
        + b"\0" * 24
        + struct.pack(">I", 2),  # next track id
    )
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", b"\0" * padding)


def account_for(double: YouTubeDouble, channel_id: str, *, expires_in: float = 3500) -> Account:
    tokens = double.grant(channel_id)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=expires_in)
    return Account(
        platform="youtube",
        account_id=channel_id,
        handle=double.channels[channel_id]["snippet"]["customUrl"],
        credentials={
            **tokens,
            "expires_at": expires.isoformat(),
            "token_uri": TOKEN_URI,
            "client_id": double.client_id,
            "client_secret": double.client_secret,
        },
    )


def read_back_via(double: YouTubeDouble, account: Account, video_id: str) -> PublishedView | None:
    """Read the video through the double's API with the owner's token, as YouTube shows it."""
    http = AuthorizedHttp(Credentials(account.credentials["access_token"]), http=double.http())
    service = build("youtube", "v3", http=http, static_discovery=True)
    found = service.videos().list(part="snippet,status", id=video_id).execute()["items"]
    if not found:
        return None
    snippet = found[0]["snippet"]
    return PublishedView(
        text=f"{snippet['title']}\n{snippet['description']}",
        media_count=1,
        language=snippet.get("defaultLanguage", ""),
        raw=found[0],
    )


def make_harness(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    tmp: Path = tmp_path_factory.mktemp("youtube")
    double = YouTubeDouble()
    channel_id = double.add_channel("Esimerkkilän kaupunki", "@esimerkkilankaupunki")
    account = account_for(double, channel_id)
    expired = account_for(double, channel_id, expires_in=-60)
    double.expire(expired.credentials["access_token"])
    double.expire(expired.credentials["refresh_token"])
    video = tmp / "video.mp4"
    video.write_bytes(tiny_mp4(padding=CHUNK))  # two chunks
    captions = tmp / "captions.srt"
    captions.write_text(SRT, encoding="utf-8")
    return Harness(
        connector=YouTubeConnector(transport=double.http, chunksize=CHUNK),
        account=account,
        expired_account=expired,
        read_back=lambda video_id: read_back_via(double, account, video_id),
        count_with_text=double.count_with_text,
        force=double.force,
        video=video,
        captions=captions,
        supports_images=False,
    )
