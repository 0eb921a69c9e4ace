"""The LinkedIn connector against the in-process LinkedIn double (no emulator exists)."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from somevahti.connectors.base import Account, OAuthApp
from somevahti.connectors.doubles.linkedin import LinkedInDouble
from somevahti.connectors.linkedin import LinkedInConnector
from somevahti.connectors.tests.harness import Harness, PublishedView


def tiny_png(path: Path) -> Path:
    """A valid 1×1 PNG without Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    path.write_bytes(png + chunk(b"IEND", b""))
    return path


def app_for(double: LinkedInDouble) -> OAuthApp:
    return OAuthApp(double.client_id, double.client_secret, "https://somevahti.test/oauth/li")


def connect(double: LinkedInDouble, connector: LinkedInConnector) -> Account:
    """The owner's round trip: consent on LinkedIn, then the code exchange."""
    return connector.exchange_code(app_for(double), double.issue_code()).account


def make_harness(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    double = LinkedInDouble().start()
    connector = LinkedInConnector()
    account = connect(double, connector)
    stale = double.issue_token()
    double.expire(stale)
    expired = replace(account, credentials={**account.credentials, "access_token": stale})

    def read_back(urn: str) -> PublishedView | None:
        if urn not in double.posts:
            return None
        alts = double.alt_texts(urn)
        return PublishedView(
            text=double.text_of(urn),
            alt_texts=alts,
            media_count=len(alts),
            raw=double.posts[urn],
        )

    def count_with_text(marker: str) -> int:
        return sum(marker in double.text_of(urn) for urn in double.posts)

    return Harness(
        connector=connector,
        account=account,
        expired_account=expired,
        read_back=read_back,
        count_with_text=count_with_text,
        force=double.force,
        image=tiny_png(tmp_path_factory.mktemp("linkedin") / "lukusali.png"),
        stop=double.stop,
    )
