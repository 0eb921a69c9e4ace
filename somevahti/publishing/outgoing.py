"""Turning database rows into the plain values connectors take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from somevahti.connectors.base import Account, Connector, OutgoingMedia, OutgoingPost
from somevahti.core import crypto
from somevahti.publishing.media_links import signed_url
from somevahti.publishing.models import Connection, Delivery


def account_for(conn: Connection) -> Account:
    return Account(
        platform=conn.platform,
        account_id=conn.account_id,
        handle=conn.account_name,
        base_url=conn.base_url,
        credentials=crypto.decrypt_json(conn.secret),
    )


def _path(field: Any) -> Path | None:
    return Path(field.path) if field else None


def outgoing_for(delivery: Delivery) -> OutgoingPost:
    post = delivery.post
    media = tuple(
        OutgoingMedia(
            path=Path(m.file.path),
            content_type=m.content_type,
            kind=m.kind,
            alt_text=m.alt_text,
            captions_path=_path(m.captions),
            size=m.size,
            url=signed_url(m),
        )
        for m in post.media.all()
    )
    return OutgoingPost(
        text=delivery.variant.text(post),
        created_at=delivery.created_at,
        media=media,
        language=settings.LANGUAGE_CODE,  # the organisation writes in its default language
        title=post.title,
    )


def request_summary(delivery: Delivery, connector: Connector) -> dict[str, Any]:
    """What the record keeps of a request: its shape, not its text or any token."""
    post = delivery.post
    return {
        "platform": connector.platform,
        "idempotency_key": delivery.idempotency_key,
        "characters": len(delivery.variant.text(post)),
        "media": [m.content_type for m in post.media.all()],
    }
