"""Webhook bodies into ``Incoming`` events. A body that cannot be read raises ``Unreadable``
(the raw event is kept for an admin); unknown kinds of change are skipped, not errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from somevahti.inbox.incoming import Incoming


class Unreadable(ValueError):
    pass


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise Unreadable(f"Not JSON: {e}") from None


def _epoch(value: Any, millis: bool = False) -> dt.datetime:
    """Seconds or milliseconds since 1970 (Meta uses both; large values are milliseconds)."""
    try:
        number = float(value)
        if millis or number > 1e11:
            number /= 1000
        return dt.datetime.fromtimestamp(number, dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise Unreadable(f"Bad time: {value!r}") from None


def _time(value: Any) -> dt.datetime:
    if isinstance(value, int | float):
        return _epoch(value)
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Unreadable(f"Bad time: {value!r}") from None
    if parsed.tzinfo is None:
        raise Unreadable(f"Time without a zone: {value!r}")
    return parsed.astimezone(dt.UTC)


def parse_meta(body: str) -> list[Incoming]:
    """Page feed comments, Instagram comments, Messenger and Instagram messages."""
    data = _json(body)
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise Unreadable("No entry list.")
    platform = "instagram" if data.get("object") == "instagram" else "facebook"
    out: list[Incoming] = []
    for entry in data["entry"]:
        account = str(entry.get("id", ""))
        when = _epoch(entry.get("time", 0))
        for change in entry.get("changes", []) or []:
            item = _meta_change(platform, account, change, when)
            if item is not None:
                out.append(item)
        for event in entry.get("messaging", []) or []:
            item = _meta_message(platform, account, event)
            if item is not None:
                out.append(item)
    return out


def _meta_change(
    platform: str, account: str, change: dict[str, Any], when: dt.datetime
) -> Incoming | None:
    value = change.get("value") or {}
    if platform == "facebook":
        if change.get("field") != "feed" or value.get("item") != "comment":
            return None
        if value.get("verb") not in (None, "add"):
            return None  # edits and removals are not new items
        sender = value.get("from") or {}
        if str(sender.get("id", "")) == account:
            return None  # our own reply coming back
        return Incoming(
            source="facebook",
            external_id=str(value["comment_id"]),
            kind="comment",
            thread_id=str(value.get("post_id", "")),
            author_handle=str(sender.get("id", "")),
            author_name=str(sender.get("name", "")),
            text=str(value.get("message", "")),
            sent_at=_epoch(value.get("created_time", 0)),
            parent_external_id=str(value.get("parent_id", "")),
            account_id=account,
        )
    if change.get("field") not in ("comments", "live_comments"):
        return None
    sender = value.get("from") or {}
    media = value.get("media") or {}
    return Incoming(
        source="instagram",
        external_id=str(value["id"]),
        kind="comment",
        thread_id=str(media.get("id", "")),
        author_handle=str(sender.get("username", "") or sender.get("id", "")),
        text=str(value.get("text", "")),
        sent_at=_epoch(value.get("timestamp"))
        if value.get("timestamp")
        else dt.datetime.now(dt.UTC),
        parent_external_id=str(value.get("parent_id", "")),
        account_id=account,
    )


def _meta_message(platform: str, account: str, event: dict[str, Any]) -> Incoming | None:
    message = event.get("message") or {}
    if not message or message.get("is_echo"):
        return None  # deliveries, reads and our own messages echoed back
    sender = str((event.get("sender") or {}).get("id", ""))
    return Incoming(
        source=platform,
        external_id=str(message["mid"]),
        kind="message",
        thread_id=sender,  # a private chat is one thread per sender
        author_handle=sender,
        text=str(message.get("text", "")),
        sent_at=_epoch(event.get("timestamp", 0), millis=True),
        account_id=account,
    )


def parse_ingest(body: str) -> list[Incoming]:
    """The signed REST ingest: one JSON object per request (see the README)."""
    data = _json(body)
    if not isinstance(data, dict):
        raise Unreadable("Expected one JSON object.")
    missing = [k for k in ("id", "text", "sent_at") if not data.get(k)]
    if missing:
        raise Unreadable(f"Missing: {', '.join(missing)}")
    author = data.get("author") or {}
    kind = data.get("kind", "message")
    if kind not in ("message", "comment", "mention"):
        raise Unreadable(f"Unknown kind {kind!r}")
    handle = str(author.get("email") or author.get("handle") or "")
    return [
        Incoming(
            source="ingest",
            external_id=str(data["id"]),
            kind=kind,
            thread_id=str(data.get("thread") or data["id"]),
            author_handle=handle,
            author_name=str(author.get("name", "")),
            author_email=str(author.get("email", "")),
            text=str(data["text"]),
            language=str(data.get("language", ""))[:8],
            url=str(data.get("url", ""))[:500],
            sent_at=_time(data["sent_at"]),
        )
    ]


def parse_polled(body: str) -> list[Incoming]:
    """A polled event stored by ``ingest.store_polled`` (one Incoming as JSON)."""
    data = _json(body)
    try:
        data["sent_at"] = _time(data["sent_at"])
        return [Incoming(**data)]
    except (KeyError, TypeError) as e:
        raise Unreadable(f"Not an event: {e}") from None


PARSERS = {"meta": parse_meta, "ingest": parse_ingest}
