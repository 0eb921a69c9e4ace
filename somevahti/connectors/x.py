"""X (API v2): posts with images and alt text, OAuth 2.0 with PKCE in the user's context.

Plain ``requests`` with bodies built from the official ``xdk`` package's request models. The
xdk client itself sends without a timeout (no telling "not sent" from "sent") and refreshes
tokens on its own, which would lose X's single-use refresh tokens.

Exactly once: X has no idempotency key but refuses the same text twice from one account
(403 "You are not allowed to create a Tweet with duplicate content."). ``publish`` sends; on
that refusal it reads the account's posts since the delivery was opened (GET
/2/users/:id/tweets with ``start_time``) and, when an identical text is there, returns it as
ours (an earlier attempt whose answer was lost). Otherwise the refusal is a ``Rejected``
duplicate. ``lookup`` is the same read; API tiers without timeline reads make it
``LookupUnsupported``. A different delivery of identical text within a minute of the first
is taken for the first (clock skew allowance).

PKCE without server-side storage: the verifier is an HMAC of the OAuth ``state`` under the
client secret, so ``exchange_code`` needs the same ``state`` back (an extra argument until the
contract carries it). Access tokens live two hours; refresh tokens are single-use and a
replayed one revokes the whole family, so ``refresh`` returns new credentials that the caller
must store (under a lock) before anything else uses them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
import unicodedata
from typing import Any, ClassVar
from urllib.parse import urlencode

import requests
import urllib3
from xdk import schemas

from somevahti.connectors.base import (
    MB,
    Account,
    AccountCheck,
    ChannelLimits,
    Connected,
    Connector,
    Delivery,
    OAuthApp,
    OutgoingMedia,
    OutgoingPost,
    check_images_only,
)
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    LookupUnsupported,
    Rejected,
    Transient,
    UnknownOutcome,
)
from somevahti.connectors.x_text import plain_text, weighted_length

API = "https://api.x.com"
AUTHORIZE = "https://x.com/i/oauth2/authorize"
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
DEFAULT_RETRY_AFTER = 900.0  # X's rate-limit windows are 15 minutes
CLOCK_SKEW = dt.timedelta(minutes=1)


def _verifier(app: OAuthApp, state: str) -> str:
    key = (app.client_secret or app.client_id).encode()
    digest = hmac.new(key, f"somevahti-pkce:{state}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")  # 43 chars, RFC 7636


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _timeout() -> tuple[float, float]:
    try:
        from django.conf import settings

        read = float(getattr(settings, "SOMEVAHTI_CONNECTOR_TIMEOUT", 30))
    except Exception:  # noqa: BLE001 - outside Django the default is fine
        read = 30.0
    return (min(10.0, read), read)


def _never_connected(e: requests.ConnectionError) -> bool:
    reason = getattr(e.args[0] if e.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


class XConnector(Connector):
    platform = "x"
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=280,  # weighted, see weighted_length; Premium accounts may send more
        max_images=4,
        max_videos=0,  # chunked video upload is not wired yet
        image_max_bytes=5 * MB,
        video_max_bytes=None,
        video_types=frozenset(),
        alt_text_max=1000,
    )
    lookup_by_key = True

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()

    # --- HTTP ---------------------------------------------------------------------------

    def _send(self, method: str, path: str, *, unsafe: bool = False, **kw: Any) -> Any:
        try:
            return self.session.request(method, f"{API}{path}", timeout=_timeout(), **kw)
        except requests.ConnectTimeout as e:
            raise Transient(f"X did not answer: {e}", kind="unavailable") from e
        except requests.Timeout as e:
            if unsafe:
                raise UnknownOutcome(f"No answer after sending: {e}", kind="timeout") from e
            raise Transient(f"X did not answer in time: {e}") from e
        except requests.ConnectionError as e:
            if unsafe and not _never_connected(e):
                raise UnknownOutcome(f"Connection lost after sending: {e}") from e
            raise Transient(f"Cannot reach X: {e}", kind="unavailable") from e

    def _call(self, method: str, path: str, account: Account, *, what: str = "", **kw: Any) -> Any:
        token = account.credentials.get("access_token", "")
        resp = self._send(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)
        if resp.status_code >= 400:
            raise self._error(resp, what)
        return resp

    @staticmethod
    def _error(resp: Any, what: str = "") -> ConnectorError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        detail = str(
            body.get("detail")
            or body.get("error_description")
            or (errors and errors[0].get("message"))
            or body.get("title")
            or resp.text[:500]
        )
        status = resp.status_code
        problem = str(body.get("type", ""))
        kw: dict[str, Any] = {"status": status, "code": body.get("reason") or problem, "raw": body}
        if status == 401:
            return AuthExpired(detail, kind="token_expired", **kw)
        if status == 429:
            reset = resp.headers.get("x-rate-limit-reset", "")
            wait = float(reset) - time.time() if reset.isdigit() else DEFAULT_RETRY_AFTER
            return Transient(detail, kind="rate_limited", retry_after=max(wait, 1.0), **kw)
        if status >= 500:
            return Transient(detail, kind="unavailable", **kw)
        if status == 403:
            if "duplicate content" in detail:
                return Rejected(detail, kind="duplicate", **kw)
            if detail == "Forbidden" or problem.endswith(
                ("client-forbidden", "unsupported-authentication")
            ):
                return AuthExpired(detail, kind="permission_missing", **kw)
            return Rejected(detail, kind="content_rejected", **kw)
        if what == "media" and status in (400, 413, 415, 422):
            return Rejected(detail, kind="media_rejected", **kw)
        return Rejected(detail, kind="content_rejected", **kw)

    # --- publishing ---------------------------------------------------------------------

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        length = weighted_length(post.text)
        if self.limits.max_chars is not None and length > self.limits.max_chars:
            raise Rejected(
                f"X allows {self.limits.max_chars} characters; this text counts {length}.",
                kind="too_long",
            )
        self._check_media(post.media)
        ids = [self._upload(account, m) for m in post.media]
        request = schemas.CreatePostsRequest(
            text=post.text,
            media=schemas.CreatePostsMedia(media_ids=ids) if ids else None,
            reply=schemas.CreatePostsReply(in_reply_to_tweet_id=post.reply_to)
            if post.reply_to
            else None,
        )
        token = account.credentials.get("access_token", "")
        resp = self._send(
            "POST",
            "/2/tweets",
            unsafe=True,
            headers={"Authorization": f"Bearer {token}"},
            json=request.model_dump(exclude_none=True),
        )
        if resp.status_code >= 400:
            error = self._error(resp)
            if isinstance(error, Rejected) and error.kind == "duplicate":
                try:
                    mine = self._find(account, post)
                except (LookupUnsupported, Transient):
                    mine = None  # the refusal stands; reconciliation can look again
                if mine is not None:
                    return mine
            raise error
        data = schemas.CreatePostsResponse.model_validate(resp.json()).data
        if data is None:
            raise UnknownOutcome(
                f"X answered {resp.status_code} without the post: {resp.text[:300]}"
            )
        return self._delivery(account, data.id, resp.json()["data"])

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        return self._find(account, post)

    def _check_media(self, media: tuple[OutgoingMedia, ...]) -> None:
        check_images_only(self.limits, media, "X")

    def _upload(self, account: Account, media: OutgoingMedia) -> str:
        """One-shot upload (JSON, base64) for images, then the alt text as media metadata."""
        body = schemas.MediaUploadRequest(
            media=base64.b64encode(media.path.read_bytes()).decode(),
            media_category="tweet_gif" if media.content_type == "image/gif" else "tweet_image",
            media_type=media.content_type,
        )
        resp = self._call(
            "POST",
            "/2/media/upload",
            account,
            what="media",
            json=body.model_dump(exclude_none=True),
        )
        uploaded = schemas.MediaUploadResponse.model_validate(resp.json()).data
        state = (uploaded.processing_info.state if uploaded.processing_info else None) or ""
        if state == "failed":
            raise Rejected("X could not process the image.", kind="media_rejected", raw=resp.json())
        if media.alt_text:
            meta = schemas.CreateMediaMetadataRequest(
                id=uploaded.id,
                metadata=schemas.CreateMediaMetadataMetadata(
                    alt_text=schemas.CreateMediaMetadataMetadataAltText(text=media.alt_text)
                ),
            )
            self._call(
                "POST",
                "/2/media/metadata",
                account,
                what="media",
                json=meta.model_dump(exclude_none=True),
            )
        return str(uploaded.id)

    def _find(self, account: Account, post: OutgoingPost) -> Delivery | None:
        since = (post.created_at - CLOCK_SKEW).astimezone(dt.UTC)
        params: dict[str, Any] = {
            "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": 100,
            "exclude": "retweets",
            "tweet.fields": "created_at,entities,attachments",
        }
        wanted = " ".join(unicodedata.normalize("NFC", post.text).split())
        for _page in range(5):
            try:
                resp = self._call(
                    "GET", f"/2/users/{account.account_id}/tweets", account, params=params
                )
            except AuthExpired as e:
                if e.kind == "permission_missing":
                    raise LookupUnsupported(
                        f"X does not let this app read the timeline: {e.detail}"
                    ) from e
                raise
            page = schemas.GetUsersPostsResponse.model_validate(resp.json())
            for tweet in resp.json().get("data") or []:
                if plain_text(tweet) == wanted:
                    return self._delivery(account, tweet["id"], tweet)
            if not (page.meta and page.meta.next_token):
                return None
            params["pagination_token"] = page.meta.next_token
        return None

    @staticmethod
    def _delivery(account: Account, tweet_id: str, response: dict[str, Any]) -> Delivery:
        who = account.handle or "i/web"
        return Delivery(str(tweet_id), f"https://x.com/{who}/status/{tweet_id}", response)

    # --- the account --------------------------------------------------------------------

    def check_account(self, account: Account) -> AccountCheck:
        try:
            me = self._call("GET", "/2/users/me", account).json()["data"]
        except AuthExpired as e:
            return AccountCheck(ok=False, detail=e.detail)
        expires = account.credentials.get("expires_at")
        return AccountCheck(
            ok=True,
            handle=me.get("username", ""),
            expires_at=dt.datetime.fromisoformat(expires) if expires else None,
        )

    def authorize_url(self, app: OAuthApp, state: str) -> str:
        query = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "scope": " ".join(app.scopes or SCOPES),
            "state": state,
            "code_challenge": _challenge(_verifier(app, state)),
            "code_challenge_method": "S256",
        }
        return f"{AUTHORIZE}?{urlencode(query)}"

    def exchange_code(self, app: OAuthApp, code: str, state: str = "") -> Connected:
        """``state`` is the one given to ``authorize_url``: it rebuilds the PKCE verifier."""
        if not state:
            raise ValueError("X needs the OAuth state back to rebuild the PKCE verifier.")
        token = self._token(
            app,
            grant_type="authorization_code",
            code=code,
            redirect_uri=app.redirect_uri,
            code_verifier=_verifier(app, state),
        )
        probe = Account("x", credentials={"access_token": token["access_token"]})
        me = self._call("GET", "/2/users/me", probe).json()["data"]
        account = Account(
            "x", str(me["id"]), me.get("username", ""), credentials=self._credentials(token)
        )
        return Connected(account, dt.datetime.fromisoformat(account.credentials["expires_at"]))

    def needs_refresh(
        self, account: Account, margin: dt.timedelta = dt.timedelta(minutes=10)
    ) -> bool:
        expires = account.credentials.get("expires_at")
        if not expires:
            return False
        return dt.datetime.fromisoformat(expires) - margin < dt.datetime.now(dt.UTC)

    def refresh(self, app: OAuthApp, account: Account) -> Connected:
        """New access and refresh tokens. Store them before anything else uses the account:
        the old refresh token is dead, and sending it again revokes the new one too."""
        refresh_token = account.credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired("No refresh token: the owner must connect the account again.")
        token = self._token(app, grant_type="refresh_token", refresh_token=refresh_token)
        renewed = Account(
            account.platform,
            account.account_id,
            account.handle,
            account.base_url,
            {**account.credentials, **self._credentials(token)},
        )
        return Connected(renewed, dt.datetime.fromisoformat(renewed.credentials["expires_at"]))

    def _token(self, app: OAuthApp, **form: str) -> dict[str, Any]:
        auth = (app.client_id, app.client_secret) if app.client_secret else None
        if auth is None:
            form["client_id"] = app.client_id  # a public client names itself in the body
        resp = self._send("POST", "/2/oauth2/token", data=form, auth=auth)
        if resp.status_code >= 400:
            error = self._error(resp)
            if resp.status_code in (400, 401):
                raise AuthExpired(
                    error.detail, kind="not_connected", status=error.status, code=error.code
                )
            raise error
        token: dict[str, Any] = resp.json()
        return token

    @staticmethod
    def _credentials(token: dict[str, Any]) -> dict[str, Any]:
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(token.get("expires_in", 7200)))
        creds = {
            "access_token": token["access_token"],
            "expires_at": expires.isoformat(),
            "scope": token.get("scope", ""),
        }
        if token.get("refresh_token"):
            creds["refresh_token"] = token["refresh_token"]
        return creds
