"""A stateful fake of Meta's Graph API for the Facebook and Instagram connectors.

No emulator of the Graph API exists, so this double answers in-process through the
``responses`` library: the connectors' real ``requests`` code runs unchanged (URL building,
headers, multipart uploads, JSON parsing) and only the transport is replaced.

Shapes: node and edge fields follow the Graph API reference and the facebook-business
SDK's field lists (``adobjects.page.Page.Field``, ``pagepost.PagePost.Field``,
``photo.Photo.Field`` incl. ``alt_text_custom``, ``igmedia.IGMedia.Field`` incl.
``alt_text``, ``shadowigmediabuilder.ShadowIGMediaBuilder.Field`` for containers'
``status_code``; request parameters from ``Page.create_feed`` / ``create_photo`` and
``IGUser.create_media`` / ``create_media_publish``). OAuth answers follow the Facebook
Login "access tokens" guides (``/oauth/access_token``, ``fb_exchange_token``,
``/debug_token`` with ``expires_at`` 0 = never and ``data_access_expires_at``). Error bodies
are in ``graph_errors``.

Set-up: ``add_app``, ``add_user``, ``add_page`` (optionally with an Instagram account),
``issue_code``; ``serve(path)`` gives a file a public address Meta could fetch.
Control: ``force(situation)`` makes the next write fail; ``expire(token)``;
``processing_polls`` containers answer IN_PROGRESS before FINISHED;
``processing_error`` makes them end in ERROR instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import secrets
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from requests import PreparedRequest

from somevahti.connectors.base import OAuthApp
from somevahti.connectors.doubles import graph_errors as err
from somevahti.connectors.doubles.graph_edges import GraphEdges, _fields
from somevahti.connectors.doubles.graph_errors import GraphAnswer
from somevahti.connectors.meta_graph import API_VERSION, GRAPH_URL

FORCED = ("rate_limited", "unavailable", "token_expired", "permission_missing", "media_rejected")
WRITE_EDGES = frozenset({"feed", "photos", "media", "media_publish"})
SECRET_PARAMS = frozenset(
    {"access_token", "client_secret", "fb_exchange_token", "code", "input_token"}
)
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
FB_PHOTO_MAX = 10 * 1024 * 1024
IG_IMAGE_MAX = 8 * 1024 * 1024
INTERNAL = frozenset({"kind", "owner", "at", "page", "ig", "polls", "child", "attached_photos"})
TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]


class GraphDouble(GraphEdges):
    def __init__(self, base_url: str = GRAPH_URL, *, processing_polls: int = 2) -> None:
        self.base = base_url.rstrip("/")
        self.prefix = f"{self.base}/{API_VERSION}/"
        self.processing_polls = processing_polls
        self.processing_error: str | None = None
        self.regain_minutes = 7  # estimated_time_to_regain_access in forced rate limits
        self.apps: dict[str, dict[str, str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.nodes: dict[str, dict[str, Any]] = {}  # pages, IG users, posts, photos, media
        self.tokens: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, tuple[str, str]] = {}
        self.files: dict[str, Path] = {}  # public address -> file Meta would fetch
        self.log: list[tuple[str, str, dict[str, str]]] = []  # no secrets
        self.forced: str | None = None
        self._ids = itertools.count(1)
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        pattern = re.compile(re.escape(self.prefix) + ".*")
        for method in (responses.GET, responses.POST):
            self.mock.add_callback(method, pattern, self._handle, content_type="application/json")

    def start(self) -> GraphDouble:
        self.mock.start()
        return self

    def stop(self) -> None:
        self.mock.stop()
        self.mock.reset()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def _id(self, base: int) -> str:
        return str(base + next(self._ids))

    # --- set-up and control -----------------------------------------------------------

    def add_app(self, redirect_uri: str = "https://somevahti.test/oauth/meta") -> OAuthApp:
        client_id = self._id(900_000_000_000_000)
        self.apps[client_id] = {"secret": secrets.token_hex(16), "redirect_uri": redirect_uri}
        secret = self.apps[client_id]["secret"]
        return OAuthApp(client_id=client_id, client_secret=secret, redirect_uri=redirect_uri)

    def add_user(self, name: str = "Viestintä Testaaja") -> str:
        user_id = self._id(100_000_000_000_000)
        self.users[user_id] = {"name": name, "pages": [], "grant": self.now()}
        return user_id

    def add_page(self, user_id: str, name: str, instagram: str = "") -> str:
        page_id = self._id(200_000_000_000_000)
        page: dict[str, Any] = {"kind": "page", "id": page_id, "name": name, "ig": ""}
        if instagram:
            ig_id = self._id(17_841_400_000_000_000)
            self.nodes[ig_id] = {
                "kind": "ig_user",
                "id": ig_id,
                "username": instagram,
                "page": page_id,
            }
            page["ig"] = ig_id
        self.nodes[page_id] = page
        self.users[user_id]["pages"].append(page_id)
        return page_id

    def issue_code(self, app: OAuthApp, user_id: str) -> str:
        code = secrets.token_urlsafe(24)
        self.codes[code] = (app.client_id, user_id)
        return code

    def serve(self, path: Path) -> str:
        url = f"https://media.somevahti.test/{secrets.token_hex(8)}/{path.name}"
        self.files[url] = path
        return url

    def expire(self, token: str) -> None:
        self.tokens[token]["expires"] = self.now() - dt.timedelta(seconds=1)

    def force(self, situation: str) -> bool:
        """Make the next write (feed, photos, media, media_publish) answer with this error.
        Instagram has no duplicate-content error, so ``duplicate`` is Facebook-only and is
        also what Facebook answers on its own to the same status twice in a row."""
        if situation not in (*FORCED, "duplicate"):
            return False
        self.forced = situation
        return True

    # --- reading the state back (what a person would see on the platform) ------------

    def node(self, object_id: str) -> dict[str, Any] | None:
        return self.nodes.get(object_id)

    def posts(self, owner: str) -> list[dict[str, Any]]:
        """Published posts (Facebook) or media (Instagram) of a Page / IG user, newest first."""
        kinds = ("post", "ig_media")
        mine = [
            n
            for n in self.nodes.values()
            if n["kind"] in kinds and n["owner"] == owner and not n.get("child")
        ]
        return sorted(mine, key=lambda n: n["at"], reverse=True)

    def requests_to(self, method: str, path: str) -> list[dict[str, str]]:
        return [params for m, p, params in self.log if m == method and p == path]

    # --- dispatch -----------------------------------------------------------------------

    def _handle(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url or "")
        path = url.path.split(f"/{API_VERSION}/", 1)[-1].strip("/")
        params: dict[str, str] = dict(parse_qsl(url.query))
        files: dict[str, bytes] = {}
        if request.body:
            more, files = _parse_body(request)
            params.update(more)
        auth = _text(request.headers.get("Authorization", ""))
        token = auth.split(" ", 1)[1] if " " in auth else params.get("access_token", "")
        method = request.method or "GET"
        safe = {k: v for k, v in params.items() if k not in SECRET_PARAMS}
        self.log.append((method, path, safe))
        try:
            body = self._route(method, path.split("/"), params, files, token)
        except GraphAnswer as answer:
            return answer.status, answer.headers, json.dumps(answer.body)
        return 200, {}, json.dumps(body)

    def _route(
        self,
        method: str,
        parts: list[str],
        params: dict[str, str],
        files: dict[str, bytes],
        token: str,
    ) -> dict[str, Any]:
        if parts == ["oauth", "access_token"]:
            return self._access_token(params)
        if parts == ["debug_token"]:
            return self._debug_token(params)
        grant = self._grant(token)
        if parts == ["me", "accounts"]:
            return self._accounts(grant)
        node_id = grant.get("page", "") if parts[0] == "me" else parts[0]
        node = self.nodes.get(node_id)
        if node is None or not self._may_see(grant, node):
            raise err.unknown_object(node_id, method.lower())
        if len(parts) == 1 and method == "GET":
            return _fields(self._shape(node), params)
        edge = parts[1] if len(parts) == 2 else ""
        if method == "POST" and edge in WRITE_EDGES:
            self._maybe_forced(node)
        handler = getattr(self, f"_{method.lower()}_{node['kind']}_{edge}", None)
        if handler is None:
            raise err.unknown_object(node_id, method.lower())
        result: dict[str, Any] = handler(node, params, files)
        return result

    def _maybe_forced(self, node: dict[str, Any]) -> None:
        situation, self.forced = self.forced, None
        instagram = node["kind"] == "ig_user"
        if situation == "rate_limited":
            raise err.rate_limited(instagram, node["id"], self.regain_minutes)
        if situation == "unavailable":
            raise err.unavailable()
        if situation == "token_expired":
            raise err.expired(self.now() - dt.timedelta(hours=1), self.now())
        if situation == "permission_missing":
            raise err.no_permission(instagram)
        if situation == "duplicate":
            raise err.duplicate()
        if situation == "media_rejected":
            raise err.ig_too_large() if instagram else err.bad_photo()

    # --- OAuth --------------------------------------------------------------------------

    def _access_token(self, params: dict[str, str]) -> dict[str, Any]:
        app = self.apps.get(params.get("client_id", ""))
        if app is None or app["secret"] != params.get("client_secret"):
            raise err.invalid_parameter("Error validating client secret.")
        if params.get("grant_type") == "fb_exchange_token":
            short = self.tokens.get(params.get("fb_exchange_token", ""))
            if short is None or short["kind"] != "user":
                raise err.bad_token()
            return self._mint("user", short["user"], dt.timedelta(days=60))
        client_id, user_id = self.codes.pop(params.get("code", ""), ("", ""))
        if client_id != params.get("client_id") or app["redirect_uri"] != params.get(
            "redirect_uri"
        ):
            raise err.invalid_parameter("Invalid verification code format.")
        return self._mint("user", user_id, dt.timedelta(hours=1, minutes=25))

    def _mint(
        self, kind: str, user_id: str, life: dt.timedelta | None, page: str = ""
    ) -> dict[str, Any]:
        token = "EAA" + secrets.token_urlsafe(32)
        expires = self.now() + life if life else None
        self.tokens[token] = {"kind": kind, "user": user_id, "page": page, "expires": expires}
        answer: dict[str, Any] = {"access_token": token, "token_type": "bearer"}
        if life:
            answer["expires_in"] = int(life.total_seconds())
        return answer

    def _debug_token(self, params: dict[str, str]) -> dict[str, Any]:
        app_id, _, secret = params.get("access_token", "").partition("|")
        if self.apps.get(app_id, {}).get("secret") != secret:
            raise err.bad_token()
        grant = self.tokens.get(params.get("input_token", ""))
        if grant is None:
            return {"data": {"is_valid": False, "error": {"code": 190, "message": "Invalid token"}}}
        data_access = self.users[grant["user"]]["grant"] + dt.timedelta(days=90)
        data: dict[str, Any] = {
            "app_id": app_id,
            "type": grant["kind"].upper(),
            "application": "Somevahti",
            "data_access_expires_at": int(data_access.timestamp()),
            "expires_at": int(grant["expires"].timestamp()) if grant["expires"] else 0,
            "is_valid": not self._is_expired(grant),
            "scopes": ["pages_manage_posts", "pages_read_engagement", "pages_show_list"],
            "user_id": grant["user"],
        }
        if grant["page"]:
            data["profile_id"] = grant["page"]
        return {"data": data}

    def _is_expired(self, grant: dict[str, Any]) -> bool:
        return grant["expires"] is not None and grant["expires"] <= self.now()

    def _grant(self, token: str) -> dict[str, Any]:
        grant = self.tokens.get(token)
        if grant is None:
            raise err.bad_token()
        if self._is_expired(grant):
            raise err.expired(grant["expires"], self.now())
        return grant

    def _accounts(self, grant: dict[str, Any]) -> dict[str, Any]:
        if grant["kind"] != "user":
            raise err.invalid_parameter(
                "Tried accessing nonexisting field (accounts) on node type (Page)"
            )
        data = []
        for page_id in self.users[grant["user"]]["pages"]:
            page_token = grant.setdefault("page_tokens", {}).get(page_id)
            if page_token is None:  # one Page token per long-lived user token
                page_token = self._mint("page", grant["user"], None, page_id)["access_token"]
                grant["page_tokens"][page_id] = page_token
            name = self.nodes[page_id]["name"]
            data.append({"access_token": page_token, "category": "Government organization",
                         "name": name, "id": page_id, "tasks": TASKS})  # fmt: skip
        return {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}

    def _may_see(self, grant: dict[str, Any], node: dict[str, Any]) -> bool:
        if grant["kind"] == "user":
            return node["kind"] == "page" and node["id"] in self.users[grant["user"]]["pages"]
        page = self.nodes[grant["page"]]
        home = node.get("owner", node["id"])
        return home in (page["id"], page["ig"]) or node.get("page") == page["id"]

    # --- nodes --------------------------------------------------------------------------

    def _shape(self, node: dict[str, Any]) -> dict[str, Any]:
        """A node as Graph shows it (internal bookkeeping keys dropped)."""
        shown = {k: v for k, v in node.items() if k not in INTERNAL}
        if node["kind"] == "page" and node["ig"]:
            shown["instagram_business_account"] = {"id": node["ig"]}
        if node["kind"] == "container":
            shown = self._container_status(node)
        if node["kind"] == "ig_media" and node.get("children"):
            shown["children"] = {"data": [{"id": c} for c in node["children"]]}
        return shown

    def _container_status(self, node: dict[str, Any]) -> dict[str, Any]:
        if node["polls"] > 0:
            node["polls"] -= 1
            status = "In Progress: Media is still being processed."
            return {"id": node["id"], "status_code": "IN_PROGRESS", "status": status}
        if node.get("error"):
            return {"id": node["id"], "status_code": "ERROR", "status": f"Error: {node['error']}"}
        code = "PUBLISHED" if node.get("published") else "FINISHED"
        return {"id": node["id"], "status_code": code, "status": f"{code.capitalize()}: ready"}


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _parse_body(request: PreparedRequest) -> tuple[dict[str, str], dict[str, bytes]]:
    body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    ctype = _text(request.headers.get("Content-Type", ""))
    if not ctype.startswith("multipart/"):
        return dict(parse_qsl(body.decode())), {}
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body
    )
    params: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True) or b""
        assert isinstance(payload, bytes)
        if part.get_filename():
            files[name] = payload
        else:
            params[name] = payload.decode()
    return params, files
