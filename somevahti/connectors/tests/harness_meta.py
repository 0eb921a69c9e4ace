"""Contract set-up for Facebook and Instagram: the connectors against the Graph API double.

The account is connected the way a person would connect it (OAuth code → user token →
long-lived token → Page token), so every contract test also runs through that flow.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from somevahti.connectors.base import Account, OutgoingMedia
from somevahti.connectors.doubles.graph import GraphDouble
from somevahti.connectors.meta import FacebookConnector, InstagramConnector
from somevahti.connectors.meta_graph import GraphConnector
from somevahti.connectors.tests.harness import Harness, PublishedView


def tiny_png() -> bytes:
    """A valid 1×1 white PNG built with zlib (Pillow is not a dependency)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def tiny_jpeg() -> bytes:
    """A valid 8×8 mid-grey baseline JPEG: one block whose DC difference and AC are zero,
    coded with one-symbol Huffman tables (code ``0``), so the scan is ``00`` + padding."""

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + b"\x01" * 64
    frame = b"\x08\x00\x08\x00\x08\x01\x01\x11\x00"  # 8-bit, 8×8, one component
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1 for symbol 0
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + segment(0xE0, jfif)
        + segment(0xDB, quant)
        + segment(0xC0, frame)
        + segment(0xC4, b"\x00" + one_code)
        + segment(0xC4, b"\x10" + one_code)
        + segment(0xDA, scan)
        + b"\x3f"
        + b"\xff\xd9"
    )


def tiny_mp4() -> bytes:
    """An ``ftyp`` box and an empty ``mdat``: enough for a double that only fetches it."""
    ftyp = b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2mp41"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", 8) + b"mdat"


class SignedMediaInstagram(InstagramConnector):
    """Plays the site's part: a file without a public address gets one from the double,
    as the site's signed media addresses would give it."""

    def __init__(self, double: GraphDouble, **kw: Any) -> None:
        super().__init__(double.base, **kw)
        self.double = double

    def _public_url(self, media: OutgoingMedia) -> str:
        return media.url or self.double.serve(media.path)


def connect(connector: GraphConnector, double: GraphDouble, user_id: str) -> Account:
    app = double.add_app()
    return connector.exchange_code(app, double.issue_code(app, user_id)).account


def _view(double: GraphDouble, platform_id: str) -> PublishedView | None:
    node = double.node(platform_id)
    if node is None:
        return None
    if node["kind"] == "post":
        photos = [double.nodes[p] for p in node["attached_photos"]]
        alts = [p["alt_text_custom"] for p in photos if p["alt_text_custom"]]
        return PublishedView(
            text=node["message"], alt_texts=alts, media_count=len(photos), raw=node
        )
    parts = [double.nodes[c] for c in node["children"]] or [node]
    alts = [p["alt_text"] for p in parts if p["alt_text"]]
    return PublishedView(text=node["caption"], alt_texts=alts, media_count=len(parts), raw=node)


def make_harness(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    return harness_and_double(platform, tmp_path_factory)[0]


def harness_and_double(
    platform: str, tmp_path_factory: pytest.TempPathFactory, *, processing_polls: int = 1
) -> tuple[Harness, GraphDouble]:
    """The harness and the double behind it, for tests that steer or inspect the double."""
    instagram = platform == "instagram"
    double = GraphDouble(processing_polls=processing_polls).start()
    user = double.add_user()
    page = double.add_page(
        user, "Esimerkkilän kirjasto", instagram="esimerkkila_kirjasto" * instagram
    )
    connector: GraphConnector = (
        SignedMediaInstagram(double, poll_interval=0)
        if instagram
        else FacebookConnector(double.base, poll_interval=0)
    )
    account = connect(connector, double, user)
    expired = connect(connector, double, user)
    double.expire(expired.credentials["page_token"])
    owner = account.account_id

    folder: Path = tmp_path_factory.mktemp(platform)
    image = folder / ("kuva.jpg" if instagram else "kuva.png")
    image.write_bytes(tiny_jpeg() if instagram else tiny_png())
    video = None
    if instagram:  # Instagram takes no text-only posts: the contract sends a video then
        video = folder / "video.mp4"
        video.write_bytes(tiny_mp4())

    def count_with_text(marker: str) -> int:
        return sum(
            marker in (p.get("message") or p.get("caption") or "") for p in double.posts(owner)
        )

    def force(situation: str) -> bool:
        return not (instagram and situation == "duplicate") and double.force(situation)

    assert owner == (double.nodes[page]["ig"] if instagram else page)
    harness = Harness(
        connector=connector,
        account=account,
        expired_account=expired,
        read_back=lambda platform_id: _view(double, platform_id),
        count_with_text=count_with_text,
        force=force,
        image=image,
        video=video,
        stop=double.stop,
    )
    return harness, double
