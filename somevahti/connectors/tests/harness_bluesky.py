"""The contract's peer for Bluesky: a real local PDS (``somevahti.connectors.pds``).

One PDS per pytest worker process, started on first use and stopped when the process exits;
its accounts are made once. Reads go through a plain SDK client, not the connector. A real
PDS cannot be told to fail on request, so ``force`` answers False; test_bluesky.py produces
the situations a real server can (revoked password, taken-down account, too big a blob).
"""

from __future__ import annotations

import atexit
import os
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from atproto import Client, models
from atproto_core.uri import AtUri

from somevahti.connectors.base import Account
from somevahti.connectors.bluesky import POST, BlueskyConnector
from somevahti.connectors.pds import LocalPds, installed
from somevahti.connectors.tests.harness import Harness, PublishedView

PASSWORD = "salasana-1234"  # the accounts' own passwords; Somevahti gets app passwords


@dataclass
class World:
    pds: LocalPds
    account: Account  # the organisation's channel
    other: Account  # a second account: mentioned, replying
    expired: Account  # the first account's handle with an app password since revoked
    image: Path
    reader: Client  # anonymous SDK client for reading records back

    def connect(self, handle: str) -> Account:
        return connect(self.pds, handle)


_world: World | None = None


def connect(pds: LocalPds, handle: str) -> Account:
    """A fresh account on the PDS, connected the way a user connects one (app password)."""
    pds.create_account(handle, PASSWORD)
    app_password = pds.create_app_password(handle, PASSWORD)
    return BlueskyConnector().login(pds.url, handle, app_password).account


def png(width: int = 4, height: int = 3, noise: bool = False) -> bytes:
    """A valid RGB PNG; ``noise`` stores random pixels uncompressed (a big file on purpose)."""
    row = 3 * width
    rows = [b"\0" + (os.urandom(row) if noise else b"\xc0\x40\x20" * width) for _ in range(height)]

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"".join(rows), 0 if noise else 6)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """This worker's PDS and accounts, made on first use."""
    global _world
    if _world is not None and _world.pds.running:
        return _world
    if not installed():
        pytest.fail("The local Bluesky PDS (tools/pds) is not installed: run make setup")
    pds = LocalPds().start()
    atexit.register(pds.stop)
    account = connect(pds, "kirjasto.test")
    # The same account with an app password its owner has since revoked in Bluesky's settings.
    revoked = pds.create_app_password(account.handle, PASSWORD, "revoked")
    pds.revoke_app_password(account.handle, PASSWORD, "revoked")
    expired = replace(account, credentials={"identifier": account.handle, "app_password": revoked})
    image = tmp_path_factory.mktemp("bluesky") / "lukusali.png"
    image.write_bytes(png())
    _world = World(pds, account, connect(pds, "kunta.test"), expired, image, Client(pds.url))
    return _world


def record(w: World, uri: str) -> dict[str, Any] | None:
    """The stored record at an at:// URI, as a plain dict (None when absent)."""
    at = AtUri.from_str(uri)
    params = models.ComAtprotoRepoGetRecord.Params(
        repo=at.host, collection=at.collection, rkey=at.rkey
    )
    try:
        got = w.reader.com.atproto.repo.get_record(params)
    except Exception as e:
        if "RecordNotFound" in str(e):
            return None
        raise
    value: dict[str, Any] = models.get_model_as_dict(got.value)
    return value


def texts(w: World, account: Account) -> list[str]:
    out: list[str] = []
    cursor = None
    while True:
        params = models.ComAtprotoRepoListRecords.Params(
            repo=account.account_id, collection=POST, limit=100, cursor=cursor
        )
        page = w.reader.com.atproto.repo.list_records(params)
        out += [models.get_model_as_dict(r.value).get("text", "") for r in page.records]
        if not page.cursor or not page.records:
            return out
        cursor = page.cursor


def make_harness(platform: str, tmp_path_factory: pytest.TempPathFactory) -> Harness:
    w = world(tmp_path_factory)

    def read_back(platform_id: str) -> PublishedView | None:
        value = record(w, platform_id)
        if value is None:
            return None
        images = (value.get("embed") or {}).get("images") or []
        return PublishedView(
            text=value.get("text", ""),
            alt_texts=[i.get("alt", "") for i in images],
            media_count=len(images),
            language=(value.get("langs") or [""])[0],
            raw=value,
        )

    return Harness(
        connector=BlueskyConnector(),
        account=w.account,
        expired_account=w.expired,
        read_back=read_back,
        count_with_text=lambda marker: sum(marker in t for t in texts(w, w.account)),
        image=w.image,
    )
