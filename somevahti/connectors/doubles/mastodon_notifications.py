"""Notifications and thread context of the Mastodon double (see ``mastodon.py``).

What Mastodon does and the double copies: a status that mentions a local account gives that
account one ``mention`` notification (LocalNotificationWorker via ProcessMentionsService);
a reply notifies only through its mention, which is why every client, and ``post_as``,
starts a reply with ``@author``. A direct message is a mention whose status has visibility
``direct``. ``GET /api/v1/notifications`` filters by ``types[]``, ``exclude_types[]`` and
``account_id`` and pages by id like every Mastodon list (``max_id``, ``since_id``,
``min_id``, ``limit`` 40 by default, at most 80), newest first, with a Link header;
notifications from suspended accounts are left out (``without_suspended``). Entity shape:
Mastodon.py's ``Notification`` (``group_key`` is ``ungrouped-<id>`` for mentions, as
Mastodon 4.3 sets it) and ``Context`` for ``GET /api/v1/statuses/:id/context``.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from somevahti.connectors.doubles import mastodon_entities as E
from somevahti.connectors.doubles._http import Request, Response
from somevahti.connectors.doubles.mastodon_statuses import err

DEFAULT_LIMIT = 40  # Api::V1::NotificationsController::DEFAULT_NOTIFICATIONS_LIMIT
MAX_LIMIT = 80  # limit_param allows twice the default


class NotificationViews:
    """Mixed into ``MastodonDouble`` beside ``StatusViews``."""

    lock: threading.RLock
    base_url: str
    accounts: dict[str, dict[str, Any]]
    posts: dict[str, dict[str, Any]]
    notes: dict[str, dict[str, Any]]

    if TYPE_CHECKING:  # provided by MastodonDouble and StatusViews

        def account_id(self, account: str) -> str:
            raise NotImplementedError

        def _me(self, req: Request, scope: str) -> dict[str, Any] | Response:
            raise NotImplementedError

        def _auth(
            self, req: Request, scope: str, optional: bool = False
        ) -> dict[str, Any] | Response | None:
            raise NotImplementedError

        def _account_json(self, acct_id: str, source: bool = False) -> dict[str, Any]:
            raise NotImplementedError

        def status_json(self, s: dict[str, Any]) -> dict[str, Any]:
            raise NotImplementedError

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
            raise NotImplementedError

        def mentioned(self, text: str) -> list[tuple[str, str, str]]:
            raise NotImplementedError

        def can_see(self, viewer_id: str, s: dict[str, Any]) -> bool:
            raise NotImplementedError

        def _save_state(self) -> None:
            raise NotImplementedError

    # --- control API for tests and the demo ------------------------------------------

    def post_as(
        self,
        account: str,
        text: str,
        in_reply_to_id: str | None = None,
        visibility: str = "public",
        language: str = "fi",
    ) -> str:
        """Post as another account on this server (a resident), the way its web composer
        would: a reply starts with ``@`` and the author answered. Returns the status id."""
        author = self.account_id(account)
        if in_reply_to_id:
            parent = self.posts[str(in_reply_to_id)]
            if parent["account_id"] != author:
                name = self.accounts[parent["account_id"]]["username"]
                if not any(m[2] == parent["account_id"] for m in self.mentioned(text)):
                    text = f"@{name} {text}"
        s = self.new_status(
            author,
            text,
            in_reply_to_id=str(in_reply_to_id or ""),
            visibility=visibility,
            language=language,
        )
        self._save_state()
        return str(s["id"])

    def notifications_of(self, account: str) -> list[dict[str, Any]]:
        acct_id = self.account_id(account)
        with self.lock:
            return [dict(n) for n in self.notes.values() if n["account_id"] == acct_id]

    # --- behaviour -------------------------------------------------------------------

    def _notify(self, s: dict[str, Any]) -> None:
        """One ``mention`` notification for each local account the status names."""
        targets = {local for _u, _d, local in self.mentioned(s["text"]) if local}
        for target in sorted(targets - {s["account_id"]}):
            n = {
                "id": E.snowflake(), "type": "mention", "account_id": target,
                "from_account_id": s["account_id"], "status_id": s["id"],
                "created_at": time.time(),
            }  # fmt: skip
            self.notes[n["id"]] = n

    def notification_json(self, n: dict[str, Any]) -> dict[str, Any]:
        status = self.posts.get(n["status_id"]) if n.get("status_id") else None
        return {
            "id": n["id"],
            "type": n["type"],
            "created_at": E.iso(n["created_at"]),
            "group_key": f"ungrouped-{n['id']}",
            "account": self._account_json(n["from_account_id"]),
            "status": self.status_json(status) if status else None,
        }

    # --- views -----------------------------------------------------------------------

    def notifications(self, req: Request) -> Response:
        me = self._me(req, "read:notifications")
        if isinstance(me, Response):
            return me
        types, exclude = set(req.params("types")), set(req.params("exclude_types"))
        sender = req.param("account_id")
        with self.lock:
            mine = [
                n
                for n in self.notes.values()
                if n["account_id"] == me["id"]
                and (not types or n["type"] in types)
                and n["type"] not in exclude
                and (not sender or n["from_account_id"] == sender)
                and not self.accounts[n["from_account_id"]]["suspended"]
            ]
            try:
                limit = max(1, min(int(req.param("limit") or DEFAULT_LIMIT), MAX_LIMIT))
            except ValueError:
                limit = DEFAULT_LIMIT
            ids = sorted((int(n["id"]) for n in mine), reverse=True)
            for name, keep in (("max_id", int.__lt__), ("since_id", int.__gt__)):
                if req.param(name).isdigit():
                    bound = int(req.param(name))
                    ids = [i for i in ids if keep(i, bound)]
            if req.param("min_id").isdigit():  # the page just after min_id, newest first
                ids = sorted(i for i in ids if i > int(req.param("min_id")))[:limit][::-1]
            page = ids[:limit]
            body = [self.notification_json(self.notes[str(i)]) for i in page]
        headers: dict[str, str] = {}
        if page:
            path = f"{self.base_url}/api/v1/notifications"
            headers["Link"] = (
                f'<{path}?{urlencode({"limit": limit, "max_id": page[-1]})}>; rel="next", '
                f'<{path}?{urlencode({"limit": limit, "min_id": page[0]})}>; rel="prev"'
            )
        return Response(200, body, headers)

    def notification_show(self, req: Request, note_id: str) -> Response:
        me = self._me(req, "read:notifications")
        if isinstance(me, Response):
            return me
        n = self.notes.get(note_id)
        if n is None or n["account_id"] != me["id"]:
            return err(404, "Record not found")
        return Response(200, self.notification_json(n))

    def status_context(self, req: Request, status_id: str) -> Response:
        me = self._auth(req, "read:statuses", optional=True)
        if isinstance(me, Response):
            return me
        viewer = str((me or {}).get("id") or "")
        with self.lock:
            s = self.posts.get(status_id)
            if s is None or not self.can_see(viewer, s):
                return err(404, "Record not found")
            ancestors = []
            parent = self.posts.get(s["in_reply_to_id"] or "")
            while parent is not None and self.can_see(viewer, parent):
                ancestors.append(parent)
                parent = self.posts.get(parent["in_reply_to_id"] or "")
            descendants, frontier = [], [s["id"]]
            while frontier:
                children = sorted(
                    (p for p in self.posts.values() if p["in_reply_to_id"] in frontier),
                    key=lambda p: int(p["id"]),
                )
                children = [c for c in children if self.can_see(viewer, c)]
                descendants += children
                frontier = [c["id"] for c in children]
            body = {
                "ancestors": [self.status_json(a) for a in reversed(ancestors)],
                "descendants": [self.status_json(d) for d in descendants],
            }
        return Response(200, body)
