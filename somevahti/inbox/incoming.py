"""The one shape every source turns its events into before they become inbox items.

Webhook parsers (``inbox.parsers``) and connectors' ``fetch_events`` both return these; no
Django imports, so connectors can build them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Incoming:
    source: str  # "meta", "instagram", "bluesky", "mastodon", "ingest", ...
    external_id: str  # the platform's id of this comment/message; the dedup key
    kind: str  # "comment" | "message" | "mention"
    # Items with the same thread and author form one conversation: a post's comment thread
    # (its root id) or a private chat (the chat id).
    thread_id: str
    author_handle: str
    text: str
    sent_at: dt.datetime
    author_name: str = ""
    author_email: str = ""
    language: str = ""  # when the platform says; else detected later
    url: str = ""
    parent_external_id: str = ""
    # Which of our accounts it came to: a page id, a DID, a Mastodon account id, ...
    account_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
