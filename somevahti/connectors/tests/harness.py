"""What the shared contract tests need from each connector's test set-up.

Each platform provides ``make_harness()`` in ``harness_<platform>.py`` (listed in
``conftest.py``) returning a ``Harness`` around a real peer (the local Bluesky PDS) or a
double built from the platform's official SDK types or published API schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from somevahti.connectors.base import Account, Connector

# Error situations a double can be told to produce on the next publish call. Each must come
# back from the connector as the error class and kind named here.
FORCEABLE = {
    "rate_limited": ("Transient", "rate_limited"),
    "unavailable": ("Transient", "unavailable"),
    "token_expired": ("AuthExpired", "token_expired"),
    "permission_missing": ("AuthExpired", "permission_missing"),
    "duplicate": ("Rejected", "duplicate"),
    "media_rejected": ("Rejected", "media_rejected"),
}


@dataclass
class PublishedView:
    """The post as the platform shows it, read back through the peer, not the connector."""

    text: str
    alt_texts: list[str] = field(default_factory=list)
    media_count: int = 0
    language: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Harness:
    connector: Connector
    account: Account  # connected and working
    expired_account: Account  # credentials the platform refuses
    # Read a published post back by its platform id (None: not there).
    read_back: Callable[[str], PublishedView | None]
    # How many posts the account has whose text contains the given marker.
    count_with_text: Callable[[str], int]
    # Make the next publish fail in one of FORCEABLE's ways; False if the peer cannot.
    force: Callable[[str], bool] = lambda situation: False
    image: Path | None = None  # a small image the platform accepts
    video: Path | None = None  # for platforms that need a video (YouTube)
    captions: Path | None = None
    supports_images: bool = True
    stop: Callable[[], None] = lambda: None
