"""Bluesky's inbox: replies and mentions addressed to our account, and our answers to them.

Where the events come from:

* Against bsky.social, or any PDS set up with an AppView, the right call is
  ``app.bsky.notification.listNotifications`` (reasons ``reply`` and ``mention``): the
  AppView has indexed the whole network. It is tried first on every poll.
* A bare PDS has no AppView and answers that call with 400 "No service configured for
  app.bsky.notification.listNotifications". Then we read what the PDS itself holds: every repo
  it hosts (``com.atproto.sync.listRepos``) and their ``app.bsky.feed.post`` records
  (``com.atproto.repo.listRecords``, newest first), keeping posts whose reply parent or root
  is one of our posts, or whose facets mention our DID. Record keys are TIDs, so "newer than
  the cursor" is a comparison of keys, and a repo whose latest commit (``rev``, also a TID) is
  older than the cursor is skipped without listing it. This sees only accounts on the same
  PDS; a record whose author's clock ran more than ``MARGIN`` behind is missed.

Direct messages live in Bluesky's separate chat service (``chat.bsky.*``), which a PDS only
proxies to; Somevahti does not read or send them yet.

The cursor is a small JSON object: when the last poll started and the keys of events already
returned within ``MARGIN`` before it. Each poll looks back ``MARGIN`` further than the last
one (clock skew, late indexing) and drops what it already returned. The first poll looks
``FIRST_LOOKBACK`` back. The inbox stores events by their URI, so an event returned twice
(a cursor cut short by ``MAX_SEEN``) is still one item.

Replies are written like posts (``BlueskyConnector._create``): one record per idempotency key
under a TID derived from the key and the time of the message answered (the only time every
retry knows), threaded with the message as parent and its thread's root as root. Its
``createdAt`` is the time of sending. An answer sent long after the message thus has an old
record key; the repo scan of another account on the same bare PDS can miss it (the AppView
indexes by arrival and does not).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from atproto import Client, models
from atproto_client.exceptions import RequestErrorBase
from atproto_client.models.common import XrpcError

from somevahti.connectors.base import Account, Delivery, OutgoingPost
from somevahti.connectors.bluesky import (
    EPOCH,
    POST,
    TID_CHARS,
    _as_dict,
    _utc,
    post_url,
    record_key,
)
from somevahti.connectors.errors import Rejected
from somevahti.inbox.incoming import Incoming

if TYPE_CHECKING:
    from somevahti.connectors.bluesky import BlueskyConnector

SOURCE = "bluesky"
REASONS = {"reply": "comment", "mention": "mention"}
MARGIN = dt.timedelta(minutes=15)
FIRST_LOOKBACK = dt.timedelta(days=7)
MAX_SEEN = 30  # 24 characters each: the cursor stays under 1,000
MAX_PAGES = 20  # per repo, and of notifications: 2,000 events per poll at most
MAX_REPO_PAGES = 10  # 10,000 repos: a bare PDS is small; big hosts have an AppView
NO_APPVIEW = "No service configured"


# --- TIDs and the cursor --------------------------------------------------------------


def tid_at(moment: dt.datetime) -> str:
    """The smallest TID of that microsecond (clock id 0): a bound to compare keys with."""
    micros = (_utc(moment) - EPOCH) // dt.timedelta(microseconds=1)
    value = max(micros, 0) << 10
    return "".join(TID_CHARS[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def tid_time(tid: str) -> dt.datetime | None:
    if len(tid) != 13 or any(ch not in TID_CHARS for ch in tid):
        return None
    value = 0
    for ch in tid:
        value = value * 32 + TID_CHARS.index(ch)
    return EPOCH + dt.timedelta(microseconds=value >> 10)


def _seen_key(tid: str, uri: str) -> str:
    return f"{tid}.{hashlib.sha256(uri.encode()).hexdigest()[:10]}"


def read_cursor(since: str | None) -> tuple[dt.datetime | None, set[str]]:
    """(when the last poll started, keys returned since MARGIN before it); an unreadable
    cursor counts as none (the inbox's de-duplication absorbs the repeats)."""
    if not since:
        return None, set()
    try:
        data = json.loads(since)
        at = dt.datetime.fromisoformat(data["at"])
        seen = {str(k) for k in data.get("seen", [])}
    except (ValueError, TypeError, KeyError):
        return None, set()
    return _utc(at), seen


def write_cursor(started: dt.datetime, seen: set[str]) -> str:
    floor = tid_at(started - MARGIN)
    keep = sorted(k for k in seen if k >= floor)[-MAX_SEEN:]
    return json.dumps({"at": started.isoformat(), "seen": keep}, separators=(",", ":"))


# --- reading --------------------------------------------------------------------------


def fetch_events(
    conn: BlueskyConnector, account: Account, since: str | None
) -> tuple[list[Incoming], str | None]:
    started = dt.datetime.now(dt.UTC)
    last, seen = read_cursor(since)
    lower = (last - MARGIN) if last else started - FIRST_LOOKBACK

    def poll(c: Client) -> list[tuple[str, Incoming]]:
        me = conn._repo(c, account)
        found = _from_appview(c, account, me, lower)
        return found if found is not None else _from_repos(c, account, me, lower)

    found = conn._with_session(account, poll)
    events: dict[str, Incoming] = {}
    for key, event in found:
        if key not in seen:
            events.setdefault(key, event)
    seen |= {key for key, _ in found}
    ordered = sorted(events.values(), key=lambda e: (e.sent_at, e.external_id))
    return ordered, write_cursor(started, seen)


def _from_appview(
    c: Client, account: Account, me: str, lower: dt.datetime
) -> list[tuple[str, Incoming]] | None:
    """Notifications newer than ``lower``, newest first; None when there is no AppView."""
    out: list[tuple[str, Incoming]] = []
    cursor = None
    for _page in range(MAX_PAGES):
        params = models.AppBskyNotificationListNotifications.Params(
            limit=100, cursor=cursor, reasons=sorted(REASONS)
        )
        try:
            page = c.app.bsky.notification.list_notifications(params)
        except RequestErrorBase as e:
            if _no_appview(e):
                return None
            raise
        older = False
        for n in page.notifications:
            indexed = _time(n.indexed_at)
            if indexed is None or indexed < lower:
                older = True
                continue
            kind = REASONS.get(n.reason)
            if kind is None:
                continue
            value = _as_dict(n.record)
            event = _incoming(
                account,
                n.uri,
                n.cid,
                value,
                n.author.handle,
                n.author.display_name or "",
                _kind(value, me) or kind,
            )
            out.append((_seen_key(tid_at(indexed), n.uri), event))
        if older or not page.cursor or not page.notifications:
            break
        cursor = page.cursor
    return out


def _no_appview(e: RequestErrorBase) -> bool:
    response = e.response
    if response is None or response.status_code not in (400, 404, 501):
        return False
    content = response.content
    if not isinstance(content, XrpcError):
        return False
    return NO_APPVIEW in (content.message or "") or content.error == "MethodNotImplemented"


def _from_repos(
    c: Client, account: Account, me: str, lower: dt.datetime
) -> list[tuple[str, Incoming]]:
    """Replies to and mentions of ``me`` in the posts of every other repo on the PDS."""
    floor = tid_at(lower)
    out: list[tuple[str, Incoming]] = []
    for repo in _repos(c):
        if repo.did == me or repo.active is False or repo.rev < floor:
            continue  # ours, deactivated, or nothing committed since the cursor
        matches = [
            (rkey, uri, cid, value, kind)
            for rkey, uri, cid, value in _posts_since(c, repo.did, floor)
            if (kind := _kind(value, me)) is not None
        ]
        if not matches:
            continue
        handle, name = _author(c, repo.did)
        for rkey, uri, cid, value, kind in matches:
            event = _incoming(account, uri, cid, value, handle, name, kind)
            out.append((_seen_key(rkey, uri), event))
    return out


def _repos(c: Client) -> Iterator[Any]:
    cursor = None
    for _page in range(MAX_REPO_PAGES):
        page = c.com.atproto.sync.list_repos(
            models.ComAtprotoSyncListRepos.Params(limit=1000, cursor=cursor)
        )
        yield from page.repos
        if not page.cursor or not page.repos:
            return
        cursor = page.cursor


def _posts_since(c: Client, did: str, floor: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(rkey, uri, cid, record) of the repo's posts with keys from ``floor`` up."""
    cursor = None
    for _page in range(MAX_PAGES):
        params = models.ComAtprotoRepoListRecords.Params(
            repo=did, collection=POST, limit=100, cursor=cursor
        )
        try:
            page = c.com.atproto.repo.list_records(params)
        except RequestErrorBase as e:
            if e.response is not None and e.response.status_code == 400:
                return  # RepoDeactivated, RepoTakendown, ...: not ours to report
            raise
        for rec in page.records:
            rkey = rec.uri.rsplit("/", 1)[-1]
            if rkey < floor:
                return
            yield rkey, rec.uri, rec.cid, _as_dict(rec.value)
        if not page.cursor or not page.records:
            return
        cursor = page.cursor


def _author(c: Client, did: str) -> tuple[str, str]:
    """(handle, display name) as the author's own PDS has them; blanks when it will not say."""
    handle = name = ""
    with contextlib.suppress(RequestErrorBase):
        handle = c.com.atproto.repo.describe_repo(
            models.ComAtprotoRepoDescribeRepo.Params(repo=did)
        ).handle
    with contextlib.suppress(RequestErrorBase):
        profile = c.com.atproto.repo.get_record(
            models.ComAtprotoRepoGetRecord.Params(
                repo=did, collection="app.bsky.actor.profile", rkey="self"
            )
        )
        name = str(_as_dict(profile.value).get("displayName") or "")
    return handle, name


# --- shaping --------------------------------------------------------------------------


def _host(uri: str) -> str:
    return uri.removeprefix("at://").split("/", 1)[0] if uri.startswith("at://") else ""


def _kind(value: dict[str, Any], me: str) -> str | None:
    """ "comment" for a reply in one of our threads, "mention" for a post naming our DID."""
    reply = value.get("reply") or {}
    for ref in (reply.get("parent"), reply.get("root")):
        if ref and _host(str(ref.get("uri", ""))) == me:
            return "comment"
    for facet in value.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("did") == me:
                return "mention"
    return None


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return _utc(value)
    try:
        return _utc(dt.datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _incoming(
    account: Account,
    uri: str,
    cid: str,
    value: dict[str, Any],
    handle: str,
    name: str,
    kind: str,
) -> Incoming:
    did, rkey = _host(uri), uri.rsplit("/", 1)[-1]
    reply = value.get("reply") or {}
    root = str((reply.get("root") or {}).get("uri") or uri)
    parent = str((reply.get("parent") or {}).get("uri") or "")
    sent = _time(value.get("createdAt")) or tid_time(rkey) or dt.datetime.now(dt.UTC)
    langs = value.get("langs") or [""]
    return Incoming(
        source=SOURCE,
        external_id=uri,
        kind=kind,
        thread_id=root,
        author_handle=handle or did,
        author_name=name,
        text=str(value.get("text") or ""),
        sent_at=sent,
        language=str(langs[0])[:8],
        url=post_url(handle or did, rkey),
        parent_external_id=parent,
        account_id=account.account_id,
        # JSON-safe: the raw event is stored as text
        raw=json.loads(json.dumps({"uri": uri, "cid": cid, "record": value}, default=str)),
    )


# --- answering ------------------------------------------------------------------------


def reply(
    conn: BlueskyConnector, account: Account, event: Incoming, text: str, idempotency_key: str
) -> Delivery:
    if event.kind == "message":
        raise Rejected(
            "Bluesky direct messages go through its chat service, which Somevahti cannot "
            "use yet; answer in the Bluesky app.",
            kind="content_rejected",
        )
    if not event.external_id.startswith("at://"):
        raise Rejected(f"Not a Bluesky post: {event.external_id}", kind="content_rejected")
    post = OutgoingPost(
        text=text,
        created_at=dt.datetime.now(dt.UTC),  # the record's createdAt: when we answer
        reply_to=event.external_id,
        language=event.language,
    )
    conn._check(post)
    # The key's TID takes its time from the message answered, which every retry knows,
    # so a retry hits the same record key however late it comes.
    return conn._create(account, post, record_key(idempotency_key, event.sent_at))
