"""The Mastodon connector against the Mastodon double, connected through real OAuth."""

from __future__ import annotations

import html
import re
import struct
import zlib
from pathlib import Path

import pytest
import requests

from somevahti.connectors.base import Account
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.mastodon import MastodonConnector
from somevahti.connectors.tests.harness import Harness, PublishedView

REDIRECT = "https://somevahti.example/connect/mastodon/callback"


def tiny_png(path: Path, rgb: tuple[int, int, int] = (0, 120, 200)) -> Path:
    """A valid 1×1 PNG (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def connect(connector: MastodonConnector, double: MastodonDouble) -> Account:
    """Register the app, let the signed-in person approve, exchange the code."""
    app = connector.register_app(double.base_url, REDIRECT)
    code = double.authorize(connector.authorize_url(app, "state-1"))
    return connector.exchange_code(app, code).account


def read_back(double: MastodonDouble, token: str, status_id: str) -> PublishedView | None:
    answer = requests.get(
        f"{double.base_url}/api/v1/statuses/{status_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    if answer.status_code == 404:
        return None
    status = answer.json()
    content = re.sub(r"<br ?/?>|</p><p>", "\n", status["content"])
    return PublishedView(
        text=html.unescape(re.sub(r"<[^>]+>", "", content)),
        alt_texts=[m["description"] or "" for m in status["media_attachments"]],
        media_count=len(status["media_attachments"]),
        language=status["language"] or "",
        raw=status,
    )


def make_harness(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    double = MastodonDouble().start()
    double.processing_seconds = 0.1
    connector = MastodonConnector(timeout=5)
    account = connect(connector, double)
    token = account.credentials["access_token"]
    expired = double.issue_token("kaupunki")
    double.revoke(expired)
    return Harness(
        connector=connector,
        account=account,
        expired_account=Account(
            platform="mastodon",
            account_id=account.account_id,
            base_url=double.base_url,
            credentials={"access_token": expired},
        ),
        read_back=lambda status_id: read_back(double, token, status_id),
        count_with_text=lambda marker: sum(
            marker in s["text"] for s in double.statuses(account.account_id)
        ),
        force=double.force,
        image=tiny_png(tmp_path_factory.mktemp("mastodon") / "kuva.png"),
        stop=double.stop,
    )
