"""The Graph API client shared by the Facebook and Instagram connectors.

One place turns Meta's answers into the taxonomy of ``connectors.errors``. Meta's error
object is ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id", ...}}``
(Graph API "Handling Errors" guide; Instagram codes from the Instagram Platform "Error
Codes" reference, which pairs a ``code`` with an ``error_subcode`` in the 2207xxx range).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from somevahti.connectors.base import (
    Account,
    AccountCheck,
    Connected,
    Connector,
    Delivery,
    OAuthApp,
    OutgoingPost,
)
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    Rejected,
    Transient,
    UnknownOutcome,
)

# The version facebook-business 26.0.3 targets (facebook_business/apiconfig.py: API_VERSION).
API_VERSION = "v26.0"
GRAPH_URL = "https://graph.facebook.com"
DIALOG_URL = "https://www.facebook.com"

# Used when a rate limit says nothing about when access returns. Platform limits roll over
# an hour; waiting ten minutes keeps a retrying worker from deepening the throttle.
DEFAULT_RETRY_AFTER = 600.0

# Platform limits (4 app, 17 user, 32 page, 613 per-API) and Business Use Case limits
# (80001 Pages, 80002 Instagram) from the Graph API "Rate Limits" overview.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
# Media the platform refused: 324 photo upload (Facebook), 352 / 9004 / 36000-36003 Instagram.
MEDIA_CODES = frozenset({324, 352, 9004, 36000, 36001, 36003})
# Instagram subcodes whose table entry says "try again" / "re-create the container".
IG_TRANSIENT_SUBCODES = frozenset({2207001, 2207003, 2207020, 2207027, 2207032, 2207053})
IG_RATE_SUBCODES = frozenset({2207042})  # "You reached maximum number of posts ..." (24 h)
IG_SPAM_SUBCODES = frozenset({2207051})  # "We restrict certain activity to protect our community"
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-App-Usage")


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds until Meta says access returns (``estimated_time_to_regain_access`` is in
    minutes, in the BUC header per business object and type); a default otherwise."""
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        entries: list[Any] = [usage]
        if isinstance(usage, dict):
            for value in usage.values():
                entries.extend(value if isinstance(value, list) else [value])
        for entry in entries:
            if isinstance(entry, dict):
                value = entry.get("estimated_time_to_regain_access")
                if isinstance(value, int | float) and value > 0:
                    minutes.append(float(value))
    return max(minutes) * 60 if minutes else DEFAULT_RETRY_AFTER


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def map_error(status: int, body: Any, headers: Mapping[str, str]) -> ConnectorError:
    """The connector error for one failed Graph answer (status, parsed body, headers)."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {}
    code = _int(err.get("code"))
    sub = _int(err.get("error_subcode"))
    detail = str(err.get("message") or f"HTTP {status} from the Graph API")
    if err.get("error_user_msg"):
        detail = f"{detail} {err['error_user_msg']}"
    # Keep what identifies the error, never a token (Graph bodies do not echo them).
    raw = {k: err.get(k) for k in ("type", "code", "error_subcode", "fbtrace_id") if k in err}
    kw: dict[str, Any] = {"status": status, "code": code if sub is None else f"{code}/{sub}"}
    kw["raw"] = raw

    if code == 190 or code == 102:  # 102: session key invalid (older API sessions)
        return AuthExpired(detail, kind="token_expired", **kw)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return AuthExpired(detail, kind="permission_missing", **kw)
    if sub in IG_SPAM_SUBCODES:
        return Rejected(detail, kind="content_rejected", **kw)
    if code in RATE_LIMIT_CODES or sub in IG_RATE_SUBCODES or status == 429:
        return Transient(detail, kind="rate_limited", retry_after=retry_after(headers), **kw)
    if code == 506:
        return Rejected(detail, kind="duplicate", **kw)
    if sub in IG_TRANSIENT_SUBCODES:
        return Transient(detail, kind="unavailable", **kw)
    if code in MEDIA_CODES or (sub is not None and 2207000 <= sub <= 2207999):
        return Rejected(detail, kind="media_rejected", **kw)
    if code in (1, 2) or status >= 500 or err.get("is_transient") is True:
        return Transient(detail, kind="unavailable", **kw)
    return Rejected(detail, kind="content_rejected", **kw)


def _refused_before_sending(exc: requests.ConnectionError) -> bool:
    """Connection refused / DNS failure: the platform never saw the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


class Graph:
    """Plain ``requests`` against one Graph host; the token travels in the Authorization
    header so it never lands in a URL, a log line or an exception message."""

    def __init__(
        self,
        base_url: str = GRAPH_URL,
        *,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{API_VERSION}/{path.lstrip('/')}"

    def get(
        self, path: str, token: str = "", params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return self._send("GET", path, token, params=params, write=False)

    def post(
        self,
        path: str,
        token: str,
        data: Mapping[str, Any],
        files: Mapping[str, Any] | None = None,
        *,
        makes_post: bool = True,
    ) -> dict[str, Any]:
        """``makes_post=False`` for steps nobody sees (unpublished photos, Instagram
        containers): a lost answer there is safe to retry, so it is Transient."""
        return self._send("POST", path, token, data=data, files=files, write=makes_post)

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        write: bool,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        where = f"{method} {path.split('?')[0]}"
        try:
            resp = self.session.request(
                method,
                self.url(path),
                params=params,
                data=data,
                files=files,
                headers=headers,
                timeout=self.timeout,
            )
        # Exception texts carry the URL (and OAuth query parameters): keep only the class.
        except requests.Timeout as e:
            if write and not isinstance(e, requests.ConnectTimeout):
                raise UnknownOutcome(f"No answer to {where} in time.", kind="timeout") from None
            raise Transient(f"{type(e).__name__} on {where}.", kind="unavailable") from None
        except requests.ConnectionError as e:
            if write and not _refused_before_sending(e):
                raise UnknownOutcome(f"Connection lost during {where}.", kind="unknown") from None
            raise Transient(f"{type(e).__name__} on {where}.", kind="unavailable") from None
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            raise map_error(resp.status_code, body, resp.headers)
        if not isinstance(body, dict):
            if write:
                raise UnknownOutcome(f"Unreadable answer to {where}.", status=resp.status_code)
            raise Transient(f"Unreadable answer to {where}.", status=resp.status_code)
        return body


SCOPES = (
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_show_list",
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "pages_messaging",
)
LOOKUP_SKEW = dt.timedelta(minutes=5)  # our clock against Meta's created_time
LOOKUP_PAGES = 4  # pages of 25 recent posts read when looking for one


def _timeout() -> float:
    from django.conf import settings

    return (
        float(getattr(settings, "SOMEVAHTI_CONNECTOR_TIMEOUT", 60)) if settings.configured else 60.0
    )


def graph_time(value: str) -> dt.datetime | None:
    """Graph timestamps look like 2026-01-31T12:00:00+0000."""
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except (TypeError, ValueError):
        return None


def _epoch(value: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), dt.UTC) if value else None


class GraphConnector(Connector):
    """What Facebook and Instagram share: the OAuth dance, lookup and account checks."""

    auth: ClassVar[str] = "oauth"
    lookup_by_key: ClassVar[bool] = True
    graph_url: ClassVar[str] = GRAPH_URL
    dialog_url: ClassVar[str] = DIALOG_URL
    id_key: ClassVar[str]  # the credential holding the id posts are made under
    check_fields: ClassVar[str] = "id,name"

    def __init__(
        self,
        graph_url: str | None = None,
        dialog_url: str | None = None,
        *,
        poll_interval: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.graph = Graph(graph_url or self.graph_url, timeout=_timeout())
        self.dialog = (dialog_url or self.dialog_url).rstrip("/")
        self.poll_interval = poll_interval
        self.sleep = sleep

    # --- connecting -----------------------------------------------------------------

    def authorize_url(self, app: OAuthApp, state: str) -> str:
        query = {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(app.scopes or SCOPES),
        }
        return f"{self.dialog}/{API_VERSION}/dialog/oauth?{urlencode(query)}"

    def exchange_code(self, app: OAuthApp, code: str, state: str = "") -> Connected:
        app_keys = {"client_id": app.client_id, "client_secret": app.client_secret}
        short = self.graph.get(
            "oauth/access_token",
            params={**app_keys, "redirect_uri": app.redirect_uri, "code": code},
        )["access_token"]
        user_token = self.graph.get(
            "oauth/access_token",
            params={**app_keys, "grant_type": "fb_exchange_token", "fb_exchange_token": short},
        )["access_token"]
        pages = list(self._pages(user_token))
        account_id, handle, credentials = self._choose(pages)
        credentials["pages_available"] = len(pages)
        info = self.graph.get(
            "debug_token",
            params={
                "input_token": credentials["page_token"],
                "access_token": f"{app.client_id}|{app.client_secret}",
            },
        ).get("data", {})
        ends = [_epoch(info.get(k)) for k in ("expires_at", "data_access_expires_at")]
        expires_at = min((t for t in ends if t), default=None)
        if expires_at:
            credentials["expires_at"] = expires_at.isoformat()
        account = Account(self.platform, account_id, handle, credentials=credentials)
        return Connected(account=account, expires_at=expires_at)

    def _pages(self, user_token: str) -> Iterator[dict[str, Any]]:
        path: str | None = "me/accounts"
        params: dict[str, Any] | None = {"fields": "id,name,access_token,tasks"}
        while path:
            answer = self.graph.get(path, user_token, params=params)
            yield from answer.get("data", [])
            path, params = answer.get("paging", {}).get("next"), None

    def _choose(self, pages: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
        raise NotImplementedError

    def check_account(self, account: Account) -> AccountCheck:
        try:
            token = self._token(account)
            me = self.graph.get(account.account_id, token, params={"fields": self.check_fields})
        except AuthExpired as e:
            return AccountCheck(ok=False, handle=account.handle, detail=e.detail)
        expires = account.credentials.get("expires_at")
        return AccountCheck(
            ok=True,
            handle=str(me.get("username") or me.get("name") or account.handle),
            expires_at=dt.datetime.fromisoformat(expires) if expires else None,
        )

    # --- publishing -----------------------------------------------------------------

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        token = self._token(account)
        self._validate(post)
        if post.text.strip():
            found = self.lookup(account, post, idempotency_key)
            if found is not None:
                return found
        return self._send(account, token, post)

    def _validate(self, post: OutgoingPost) -> None:
        lim, name = self.limits, self.platform.capitalize()
        if lim.max_chars is not None and len(post.text) > lim.max_chars:
            msg = f"The text has {len(post.text)} characters; {name} takes {lim.max_chars}."
            raise Rejected(msg, kind="too_long")
        images = sum(m.kind == "image" for m in post.media)
        videos = len(post.media) - images
        problem = ""
        if lim.media_required and not post.media:
            problem = f"{name} posts need a picture or a video."
        elif images > lim.max_images or videos > lim.max_videos:
            problem = f"{name} takes {lim.max_images} pictures or {lim.max_videos} videos a post."
        elif images and videos and not lim.mix_images_and_video:
            problem = f"{name} cannot mix pictures and video in one post here."
        for m in post.media:
            limit = lim.image_max_bytes if m.kind == "image" else lim.video_max_bytes
            size = m.size or (m.path.stat().st_size if m.path.exists() else 0)
            if not problem and limit is not None and size > limit:
                problem = f"{m.path.name} is {size} bytes; {name} takes {limit}."
        if problem:
            raise Rejected(problem, kind="media_rejected")

    def _send(self, account: Account, token: str, post: OutgoingPost) -> Delivery:
        raise NotImplementedError

    def _token(self, account: Account) -> str:
        token = account.credentials.get("page_token")
        if not token or not account.credentials.get(self.id_key):
            raise AuthExpired("No Page access token stored for this channel.", kind="not_connected")
        return str(token)

    def _recent(self, path: str, token: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Newest first, a few pages at most: lookup only looks back to ``created_at``."""
        next_path: str | None = path
        query: dict[str, Any] | None = params
        for _ in range(LOOKUP_PAGES):
            if not next_path:
                return
            answer = self.graph.get(next_path, token, params=query)
            yield from answer.get("data", [])
            next_path, query = answer.get("paging", {}).get("next"), None

    def _matches(self, item: dict[str, Any], text_field: str, post: OutgoingPost) -> bool:
        when = graph_time(item.get("created_time") or item.get("timestamp") or "")
        since = post.created_at - LOOKUP_SKEW
        return (
            when is not None
            and when >= since
            and (item.get(text_field) or "").strip() == post.text.strip()
        )
