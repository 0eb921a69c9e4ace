"""Mastodon's inbox: mentions of our account (replies and direct messages are mentions too),
read from the notifications API, and our answers to them.

Reading: ``GET /api/v1/notifications?types[]=mention``. The cursor is the newest notification
id seen; the next poll asks with ``min_id`` (the page just after it) rather than ``since_id``
(the newest page above it), so a burst of more than one page leaves no gap. The first poll
reads back ``FIRST_LOOKBACK``. A status with visibility ``direct`` is a private message; a
status answering one of ours is a comment; anything else naming us is a mention. The thread
is the root of the reply chain (``GET /api/v1/statuses/:id/context``), which is also how
Mastodon groups a private conversation.

Since Mastodon 4.3 the account's notification policy may filter some notifications (for
example private mentions from accounts it does not follow) into "notification requests",
which this endpoint leaves out until someone accepts them in Mastodon; the organisation
should let private mentions through in its Mastodon settings.

Answering: a status with ``in_reply_to_id`` and the visibility of the message answered
(``direct`` for a private message), starting with ``@author`` as Mastodon's own composer
does: only a mention notifies the person, and only a mention lets them see a direct answer.
Sent through ``MastodonConnector.publish``, so Mastodon's Idempotency-Key makes one status
per key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mastodon import Mastodon
from mastodon.errors import MastodonError

from somevahti.connectors.base import Account, Delivery, OutgoingPost
from somevahti.connectors.mastodon import _base, _handle
from somevahti.connectors.mastodon_errors import Seen, map_error
from somevahti.connectors.mastodon_text import plain_text
from somevahti.inbox.incoming import Incoming

if TYPE_CHECKING:
    from somevahti.connectors.mastodon import MastodonConnector

SOURCE = "mastodon"
PAGE = 40  # Mastodon's default page of notifications
MAX_PAGES = 25  # 1,000 mentions per poll; the rest come next time
FIRST_LOOKBACK = dt.timedelta(days=7)
MATCHING = frozenset({"public", "unlisted", "private"})


def fetch_events(
    conn: MastodonConnector, account: Account, since: str | None
) -> tuple[list[Incoming], str | None]:
    api, seen = conn._account_client(account)
    try:
        notes, raw, newest = _mentions(api, seen, since)
        events = [
            _incoming(api, account, n, raw.get(str(n["id"])))
            for n in notes
            if n.get("type") == "mention" and n.get("status")
        ]
    except MastodonError as e:
        raise map_error(e, seen, stage="read") from e
    events.sort(key=lambda e: (e.sent_at, int(e.external_id)))
    return events, newest or since


def _id(value: Any) -> int:
    return int(str(value))


def _mentions(
    api: Mastodon, seen: Seen, since: str | None
) -> tuple[list[Any], dict[str, dict[str, Any]], str | None]:
    """(notifications, their JSON as sent, the newest id) after ``since``."""
    notes: list[Any] = []
    raw: dict[str, dict[str, Any]] = {}
    newest = _id(since) if since and since.isdigit() else None
    cutoff = dt.datetime.now(dt.UTC) - FIRST_LOOKBACK
    min_id, max_id = newest, None
    for _page in range(MAX_PAGES):
        batch = list(api.notifications(types=["mention"], min_id=min_id, max_id=max_id, limit=PAGE))
        raw.update(_raw(seen))
        if not batch:
            break
        ids = [_id(n["id"]) for n in batch]
        newest = max([*ids, newest or 0])
        if min_id is not None:  # paging forward from the cursor
            notes += batch
            min_id = max(ids)
            if len(batch) < PAGE:
                break
            continue
        # First poll: newest first, back to the lookback.
        fresh = [n for n in batch if _utc(n["created_at"]) >= cutoff]
        notes += fresh
        if len(fresh) < len(batch) or len(batch) < PAGE:
            break
        max_id = min(ids)
    return notes, raw, str(newest) if newest else None


def _raw(seen: Seen) -> dict[str, dict[str, Any]]:
    """The notifications exactly as Mastodon sent them, for the raw event."""
    try:
        body = seen.response.json() if seen.response is not None else []
    except ValueError:
        return {}
    return {str(n["id"]): n for n in body if isinstance(n, dict) and "id" in n}


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return dt.datetime.fromisoformat(str(value)).astimezone(dt.UTC)


def _root(api: Mastodon, status: Any) -> str:
    if not status.get("in_reply_to_id"):
        return str(status["id"])
    ancestors = api.status_context(status["id"]).get("ancestors") or []
    return str(ancestors[0]["id"] if ancestors else status["in_reply_to_id"])


def _incoming(api: Mastodon, account: Account, note: Any, raw: dict[str, Any] | None) -> Incoming:
    status = note["status"]
    author = status["account"]
    if status.get("visibility") == "direct":
        kind = "message"
    elif str(status.get("in_reply_to_account_id") or "") == str(account.account_id):
        kind = "comment"
    else:
        kind = "mention"
    reply_to = status.get("in_reply_to_id")
    return Incoming(
        source=SOURCE,
        external_id=str(status["id"]),
        kind=kind,
        thread_id=_root(api, status),
        author_handle=_handle(author, account.base_url),
        author_name=str(author.get("display_name") or ""),
        text=plain_text(status.get("content") or ""),
        sent_at=_utc(status["created_at"]),
        language=str(status.get("language") or "")[:8],
        url=str(status.get("url") or status.get("uri") or ""),
        parent_external_id=str(reply_to) if reply_to else "",
        account_id=str(account.account_id),
        raw=raw if raw is not None else json.loads(json.dumps(note, default=str)),
    )


# --- answering ------------------------------------------------------------------------


def _mention(handle: str, base_url: str) -> str:
    """How to address the author: local accounts by name, others by their full address."""
    user, _, domain = handle.lstrip("@").partition("@")
    return user if domain in ("", urlsplit(_base(base_url)).netloc) else f"{user}@{domain}"


def _addressed(text: str, acct: str, handle: str) -> bool:
    names = {f"@{acct}".lower(), f"@{handle.lstrip('@')}".lower()}
    found = re.findall(r"(?<![\w/=])@[\w.-]+(?:@[\w.:-]*\w)?", text)
    return any(m.lower() in names for m in found)


def _visibility(event: Incoming) -> str:
    if event.kind == "message":
        return "direct"
    status = event.raw.get("status") if isinstance(event.raw, dict) else None
    visibility = (status or {}).get("visibility") if isinstance(status, dict) else None
    return visibility if visibility in MATCHING else "public"


def reply(
    conn: MastodonConnector, account: Account, event: Incoming, text: str, idempotency_key: str
) -> Delivery:
    acct = _mention(event.author_handle, account.base_url)
    if acct and not _addressed(text, acct, event.author_handle):
        text = f"@{acct} {text}"
    post = OutgoingPost(
        text=text,
        created_at=dt.datetime.now(dt.UTC),  # lookup's lower bound if the answer is lost
        reply_to=event.external_id,
        visibility=_visibility(event),
        language=event.language,
    )
    return conn.publish(account, post, idempotency_key)
