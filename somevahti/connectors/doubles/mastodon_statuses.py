"""The media and status endpoints of the Mastodon double (see ``mastodon.py``).

Validation order and messages follow Mastodon's Api::V1::StatusesController,
PostStatusService (idempotency, media checks) and StatusLengthValidator, and the media
methods page of the API documentation (200 when processed, 202/206 while processing).
"""

from __future__ import annotations

import re
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from somevahti.checks.text import graphemes
from somevahti.connectors.doubles import mastodon_entities as E
from somevahti.connectors.doubles._http import Request, Response

IDEMPOTENCY_TTL = 3600  # PostStatusService: redis.setex(idempotency_key, 3_600, …)
VISIBILITIES = ("public", "unlisted", "private", "direct")
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"


def err(status: int, message: str, **headers: str) -> Response:
    return Response(status, {"error": message}, headers)


class StatusViews:
    """Mixed into ``MastodonDouble``, which owns the state and authentication."""

    lock: threading.RLock
    base_url: str
    max_chars: int
    accounts: dict[str, dict[str, Any]]
    apps: dict[str, dict[str, Any]]
    media: dict[str, dict[str, Any]]
    posts: dict[str, dict[str, Any]]
    idempotency: dict[str, list[Any]]
    async_images: bool
    processing_seconds: float
    stall_next_status: float

    def _auth(
        self, req: Request, scope: str, optional: bool = False
    ) -> dict[str, Any] | Response | None:
        raise NotImplementedError

    def _account_json(self, acct_id: str, source: bool = False) -> dict[str, Any]:
        raise NotImplementedError

    if TYPE_CHECKING:

        def _notify(self, s: dict[str, Any]) -> None: ...  # NotificationViews

    def _me(self, req: Request, scope: str) -> dict[str, Any] | Response:
        me = self._auth(req, scope)
        return me if me is not None else err(401, "The access token is invalid")

    # --- media -------------------------------------------------------------------------

    def upload(self, req: Request, version: str) -> Response:
        me = self._me(req, "write:media")
        if isinstance(me, Response):
            return me
        upload = req.files.get("file")
        if upload is None:
            return err(422, "Validation failed: File can't be blank")
        kind = E.sniff(upload.data)  # Mastodon trusts the bytes, not the declared type
        if kind not in E.IMAGE_TYPES + E.VIDEO_TYPES:
            return err(422, "Validation failed: File content type is invalid, File is invalid")
        is_image = kind in E.IMAGE_TYPES
        limit = E.IMAGE_LIMIT if is_image else E.VIDEO_LIMIT
        if len(upload.data) > limit:
            mb = limit // (1024 * 1024)
            return err(422, f"Validation failed: File file size must be less than {mb} MB")
        description = req.param("description")
        if len(description) > 1500:
            return err(
                422, "Validation failed: Description is too long (maximum is 1500 characters)"
            )
        width, height = E.dimensions(upload.data)
        # Mastodon 4 processes images during the request and video in the background; v1
        # always waits. async_images makes images take the background path too (tests).
        background = version == "2" and (self.async_images or not is_image)
        with self.lock:
            m = {
                "id": E.snowflake(), "account_id": me["id"],
                "type": "image" if is_image else "video",
                "content_type": kind, "blob": upload.data, "description": description,
                "width": width, "height": height, "status_id": None,
                "ready_at": time.time() + (self.processing_seconds if background else 0.0),
            }  # fmt: skip
            self.media[m["id"]] = m
        return Response(202 if background else 200, E.media(m, self.base_url))

    def media_show(self, req: Request, media_id: str) -> Response:
        me = self._me(req, "write:media")
        if isinstance(me, Response):
            return me
        m = self.media.get(media_id)
        if m is None or m["account_id"] != me["id"] or m["status_id"]:
            return err(404, "Record not found")
        return Response(200 if m["ready_at"] <= time.time() else 206, E.media(m, self.base_url))

    def media_file(self, req: Request, media_id: str) -> Response:
        m = self.media.get(media_id)
        if m is None:
            return Response(404, b"", content_type="text/plain")
        return Response(200, m["blob"], content_type=m["content_type"])

    # --- statuses ----------------------------------------------------------------------

    def status_json(self, s: dict[str, Any]) -> dict[str, Any]:
        acct = self.accounts[s["account_id"]]
        mentions = [
            {"id": local or "0", "username": u, "acct": u if local else f"{u}@{d}",
             "url": f"{self.base_url}/@{u}" if local else f"https://{d}/@{u}"}
            for u, d, local in self.mentioned(s["text"])
        ]  # fmt: skip
        tags = [
            {"name": t.lower(), "url": f"{self.base_url}/tags/{t.lower()}"}
            for t in E.TAG_RE.findall(s["text"])
        ]
        replies = sum(1 for p in list(self.posts.values()) if p["in_reply_to_id"] == s["id"])
        return {
            "id": s["id"], "created_at": E.iso(s["created_at"]), "edited_at": None,
            "uri": f"{self.base_url}/users/{acct['username']}/statuses/{s['id']}",
            "url": f"{self.base_url}/@{acct['username']}/{s['id']}",
            "account": self._account_json(acct["id"]),
            "in_reply_to_id": s["in_reply_to_id"],
            "in_reply_to_account_id": s["in_reply_to_account_id"],
            "content": E.render(s["text"], self.base_url), "spoiler_text": s["spoiler_text"],
            "sensitive": s["sensitive"], "visibility": s["visibility"], "language": s["language"],
            "media_attachments": [E.media(self.media[i], self.base_url) for i in s["media_ids"]],
            "application": E.application(self.apps.get(s["client_id"])),
            "mentions": mentions, "tags": tags, "emojis": [], "card": None, "poll": None,
            "reblog": None, "quote": None, "reblogs_count": 0, "favourites_count": 0,
            "replies_count": replies, "quotes_count": 0, "favourited": False,
            "reblogged": False, "muted": False, "bookmarked": False, "pinned": False,
            "filtered": [], "tagged_collections": [],
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
        }  # fmt: skip

    def _validate(self, me: dict[str, Any], req: Request) -> Response | list[dict[str, Any]]:
        text, media_ids = req.param("status"), req.params("media_ids")
        if not text.strip() and not media_ids:
            return err(422, "Validation failed: Text can't be blank")
        if len(media_ids) > 4:
            return err(422, "Cannot attach more than 4 files")
        found = [self.media.get(i) for i in media_ids]
        missing = [
            i for i, m in zip(media_ids, found, strict=True)
            if m is None or m["account_id"] != me["id"] or m["status_id"]
        ]  # fmt: skip
        if missing:
            return err(
                422, f"Media {', '.join(missing)} not found or already attached to another post"
            )
        media = [m for m in found if m is not None]
        if len(media) > 1 and any(m["type"] != "image" for m in media):
            return err(422, "Cannot attach a video to a post that already contains images")
        if any(m["ready_at"] > time.time() for m in media):
            return err(422, NOT_READY)
        length = E.countable(text, graphemes) + len(graphemes(req.param("spoiler_text")))
        if length > self.max_chars:
            return err(422, f"Validation failed: Text character limit of {self.max_chars} exceeded")
        reply = req.param("in_reply_to_id")
        if reply and reply not in self.posts:
            return err(404, "Record not found")
        return media

    def create_status(self, req: Request) -> Response:
        me = self._me(req, "write:statuses")
        if isinstance(me, Response):
            return me
        key = req.headers.get("idempotency-key", "")
        with self.lock:
            known = self.idempotency.get(f"{me['id']}:{key}") if key else None
            if known and time.time() - known[1] < IDEMPOTENCY_TTL and known[0] in self.posts:
                return Response(200, self.status_json(self.posts[known[0]]))
            media = self._validate(me, req)
            if isinstance(media, Response):
                return media
            s = self.new_status(
                me["id"],
                req.param("status"),
                in_reply_to_id=req.param("in_reply_to_id"),
                visibility=req.param("visibility"),  # Mastodon.py refuses other values itself
                language=req.param("language"),
                spoiler_text=req.param("spoiler_text"),
                sensitive=req.param("sensitive") in ("1", "true"),
                media_ids=[m["id"] for m in media],
                client_id=me["client_id"],
            )
            for m in media:
                m["status_id"] = s["id"]
            if key:
                self.idempotency[f"{me['id']}:{key}"] = [s["id"], time.time()]
            stall, self.stall_next_status = self.stall_next_status, 0.0
            body = self.status_json(s)
        if stall:  # the status exists; the answer is late (a timeout after sending)
            time.sleep(stall)
        return Response(200, body)

    def new_status(
        self,
        account_id: str,
        text: str,
        *,
        in_reply_to_id: str = "",
        visibility: str = "public",
        language: str = "",
        spoiler_text: str = "",
        sensitive: bool = False,
        media_ids: list[str] | None = None,
        client_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a status (already validated) and notify the local accounts it mentions."""
        with self.lock:
            reply = self.posts.get(in_reply_to_id) if in_reply_to_id else None
            if not re.fullmatch(r"[a-z]{2,3}", language):  # valid_locale_cascade
                language = self.accounts[account_id]["language"] or "en"
            s: dict[str, Any] = {
                "id": E.snowflake(), "account_id": account_id, "text": text,
                "spoiler_text": spoiler_text, "language": language,
                "visibility": visibility if visibility in VISIBILITIES else "public",
                "sensitive": sensitive or bool(spoiler_text),
                "in_reply_to_id": reply["id"] if reply else None,
                "in_reply_to_account_id": reply["account_id"] if reply else None,
                "media_ids": list(media_ids or []), "client_id": client_id,
                "created_at": time.time(),
            }  # fmt: skip
            self.posts[s["id"]] = s
            self._notify(s)
            return s

    def mentioned(self, text: str) -> list[tuple[str, str, str]]:
        """(username, domain, local account id or "") for each @mention, as
        ProcessMentionsService resolves them: a bare name or this server's domain is local."""
        host = urlsplit(self.base_url).hostname or ""
        by_name = {a["username"].lower(): a["id"] for a in self.accounts.values()}
        out = []
        for user, domain in E.MENTION_RE.findall(text):
            local = by_name.get(user.lower(), "") if domain in ("", host) else ""
            out.append((user, domain, local))
        return out

    def can_see(self, viewer_id: str, s: dict[str, Any]) -> bool:
        """Private and direct statuses: their author and the accounts they mention."""
        if s["visibility"] in ("public", "unlisted") or viewer_id == s["account_id"]:
            return True
        return bool(viewer_id) and any(m[2] == viewer_id for m in self.mentioned(s["text"]))

    def _visible(self, req: Request, s: dict[str, Any] | None) -> dict[str, Any] | Response:
        me = self._auth(req, "read:statuses", optional=True)
        if isinstance(me, Response):
            return me
        if s is None or not self.can_see(str((me or {}).get("id") or ""), s):
            return err(404, "Record not found")
        return s

    def status_show(self, req: Request, status_id: str) -> Response:
        s = self._visible(req, self.posts.get(status_id))
        return s if isinstance(s, Response) else Response(200, self.status_json(s))

    def status_source(self, req: Request, status_id: str) -> Response:
        me = self._me(req, "read:statuses")
        if isinstance(me, Response):
            return me
        s = self.posts.get(status_id)
        if s is None or s["account_id"] != me["id"]:
            return err(404, "Record not found")
        return Response(200, {"id": s["id"], "text": s["text"], "spoiler_text": s["spoiler_text"]})

    def account_statuses(self, req: Request, acct_id: str) -> Response:
        me = self._auth(req, "read:statuses", optional=True)
        if isinstance(me, Response):
            return me
        if acct_id not in self.accounts:
            return err(404, "Record not found")
        owner = (me or {}).get("id") == acct_id
        with self.lock:
            mine = [
                s
                for s in self.posts.values()
                if s["account_id"] == acct_id
                and (owner or s["visibility"] in ("public", "unlisted"))
            ]
        if req.param("exclude_replies") in ("1", "true"):
            mine = [s for s in mine if not s["in_reply_to_id"]]
        if req.param("only_media") in ("1", "true"):
            mine = [s for s in mine if s["media_ids"]]
        if req.param("pinned") in ("1", "true"):
            mine = []
        limit = min(int(req.param("limit") or 20), 40)
        ids = sorted((int(s["id"]) for s in mine), reverse=True)
        if req.param("max_id"):
            ids = [i for i in ids if i < int(req.param("max_id"))]
        if req.param("since_id"):
            ids = [i for i in ids if i > int(req.param("since_id"))]
        if req.param("min_id"):  # the page just after min_id, still newest first
            ids = sorted(i for i in ids if i > int(req.param("min_id")))[:limit][::-1]
        page = ids[:limit]
        headers: dict[str, str] = {}
        if page:
            path = f"{self.base_url}/api/v1/accounts/{acct_id}/statuses"
            headers["Link"] = (
                f'<{path}?{urlencode({"limit": limit, "max_id": page[-1]})}>; rel="next", '
                f'<{path}?{urlencode({"limit": limit, "min_id": page[0]})}>; rel="prev"'
            )
        return Response(200, [self.status_json(self.posts[str(i)]) for i in page], headers)
