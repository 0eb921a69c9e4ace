"""A recording connector double for the engine's tests and ``bench/publish_burst.py``.

It stands in for every platform when ``SOMEVAHTI_CONNECTORS=fake:<file>[?options]``. Each
call that "reaches the platform" is appended as one JSON line (one ``write`` on an
``O_APPEND`` file, so several worker processes can share it), which lets a test or the
benchmark count deliveries per idempotency key from outside the workers.

Options: ``latency`` (seconds, uniform 0..2×), ``transient`` (share of calls answered 503
before they are recorded), ``seed``. Markers in the text steer one post:
``[[hang-before]]`` sleeps before the platform sees the call, ``[[hang-after]]`` after it
(the response is lost), ``[[reject]]``, ``[[expired]]`` and ``[[transient]]`` raise,
``[[captions-fail]]`` publishes with a warning as YouTube's connector does. ``reply`` (the
inbox) records and obeys the same markers.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

from somevahti.connectors.base import (
    MB,
    Account,
    AccountCheck,
    ChannelLimits,
    Connector,
    Delivery,
    OutgoingPost,
)
from somevahti.connectors.errors import AuthExpired, Rejected, Transient, UnknownOutcome

HANG_SECONDS = 120.0


class RecordingConnector(Connector):
    platform = "fake"
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=None,
        max_images=4,
        max_videos=1,
        image_max_bytes=16 * MB,
        video_max_bytes=512 * MB,
    )
    lookup_by_key = True

    def __init__(
        self, path: Path, platform: str, latency: float = 0.0, transient: float = 0.0, seed: int = 0
    ) -> None:
        self.path = path
        self.platform_name = platform
        self.latency = latency
        self.transient = transient
        self.random = random.Random(seed or None)

    @classmethod
    def from_spec(cls, spec: str, platform: str) -> RecordingConnector:
        path, _, query = spec.partition("?")
        opts = {k: v[-1] for k, v in parse_qs(query).items()}
        return cls(
            Path(path),
            platform,
            latency=float(opts.get("latency", 0)),
            transient=float(opts.get("transient", 0)),
            seed=int(opts.get("seed", 0)),
        )

    def _append(self, row: dict[str, Any]) -> None:
        line = (json.dumps(row, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def calls(self, key: str = "") -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text().splitlines()
        return [json.loads(line) for line in lines if line and key in line]

    def _before(self, text: str) -> None:
        """Latency and the markers that act before the platform records anything."""
        if "[[hang-before]]" in text:
            time.sleep(HANG_SECONDS)
        if self.latency:
            time.sleep(self.random.uniform(0, 2 * self.latency))
        if "[[expired]]" in text:
            raise AuthExpired("Error validating access token: Session has expired.", status=401)
        if "[[reject]]" in text:
            raise Rejected("Duplicate status.", kind="duplicate", status=422)
        if "[[transient]]" in text or (self.transient and self.random.random() < self.transient):
            raise Transient("Service Unavailable", status=503, retry_after=1)

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        text = post.text
        self._before(text)
        # No de-duplication here on purpose: a second delivery must show up as a duplicate.
        platform_id = f"{self.platform_name}-{idempotency_key}"
        self._append(
            {
                "key": idempotency_key,
                "platform": self.platform_name,
                "account": account.account_id,
                "id": platform_id,
                "at": time.time(),
                "pid": os.getpid(),
            }
        )
        if "[[hang-after]]" in text:
            time.sleep(HANG_SECONDS)
        response: dict[str, Any] = {"id": platform_id}
        if "[[captions-fail]]" in text:
            response["warnings"] = ["captions_failed"]
        return Delivery(platform_id, f"https://fake.invalid/{platform_id}", response)

    def reply(self, account: Account, event: Any, text: str, idempotency_key: str) -> Delivery:
        """Recorded like ``publish`` (with ``action`` "reply" and the id answered); the same
        markers steer it, and ``[[hang-after]]`` raises UnknownOutcome (the response lost)."""
        self._before(text)
        platform_id = f"{self.platform_name}-reply-{idempotency_key}"
        self._append(
            {
                "key": idempotency_key,
                "action": "reply",
                "platform": self.platform_name,
                "account": account.account_id,
                "in_reply_to": getattr(event, "external_id", ""),
                "id": platform_id,
                "at": time.time(),
                "pid": os.getpid(),
            }
        )
        if "[[hang-after]]" in text:
            raise UnknownOutcome("Read timed out.", kind="timeout")
        return Delivery(platform_id, f"https://fake.invalid/{platform_id}", {"id": platform_id})

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        for row in self.calls(idempotency_key):
            if row["key"] == idempotency_key:
                return Delivery(row["id"], f"https://fake.invalid/{row['id']}", {"id": row["id"]})
        return None

    def check_account(self, account: Account) -> AccountCheck:
        return AccountCheck(ok=True, handle=account.handle)
