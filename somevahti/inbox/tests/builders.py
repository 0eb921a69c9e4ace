"""Builders for inbox tests: signed webhook requests in the platforms' documented shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.test import Client

from somevahti.core import clock, crypto
from somevahti.core.models import Organisation
from somevahti.inbox.models import IngestKey
from somevahti.publishing.models import PlatformApp
from somevahti.registry.models import Channel

META_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "vahtila-verify"
INGEST_SECRET = "ingest-secret-for-tests"


def meta_app(org: Organisation) -> PlatformApp:
    return PlatformApp.objects.create(
        organisation=org,
        platform="facebook",
        client_id="1234",
        secret=crypto.encrypt_json({"client_secret": META_SECRET, "verify_token": VERIFY_TOKEN}),
        created_at=clock.now(),
    )


def ingest_key(org: Organisation, channel: Channel | None = None) -> IngestKey:
    return IngestKey.objects.create(
        organisation=org,
        name="Palautejärjestelmä",
        key_id=f"palaute-{org.pk}",
        secret=crypto.encrypt(INGEST_SECRET),
        channel=channel,
        created_at=clock.now(),
    )


def page_comment(
    page_id: str, comment_id: str, text: str, who: str = "Maija Meikäläinen"
) -> dict[str, Any]:
    """A Page feed webhook for a new comment (Graph API webhooks reference, field "feed")."""
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": 1795000000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "987654", "name": who},
                            "item": "comment",
                            "verb": "add",
                            "comment_id": comment_id,
                            "post_id": f"{page_id}_111",
                            "parent_id": f"{page_id}_111",
                            "message": text,
                            "created_time": 1795000000,
                        },
                    }
                ],
            }
        ],
    }


def messenger(
    page_id: str, mid: str, text: str, sender: str = "555", ts_ms: int = 1795000000000
) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": ts_ms,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": page_id},
                        "timestamp": ts_ms,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }


def post_meta(
    client: Client, payload: dict[str, Any] | bytes, secret: str = META_SECRET, sign: bool = True
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if sign:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers["HTTP_X_HUB_SIGNATURE_256"] = f"sha256={digest}"
    return client.post("/hooks/meta/", body, content_type="application/json", **headers)


def post_ingest(
    client: Client,
    key: IngestKey,
    payload: dict[str, Any],
    *,
    secret: str = INGEST_SECRET,
    at: float | None = None,
) -> Any:
    body = json.dumps(payload).encode()
    stamp = str(int(at if at is not None else time.time()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return client.post(
        "/hooks/ingest/",
        body,
        content_type="application/json",
        HTTP_X_SOMEVAHTI_KEY=key.key_id,
        HTTP_X_SOMEVAHTI_TIMESTAMP=stamp,
        HTTP_X_SOMEVAHTI_SIGNATURE=f"sha256={digest}",
    )
