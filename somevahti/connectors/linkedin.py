"""LinkedIn organisation pages through the versioned Posts and Images APIs.

Plain ``requests`` rather than the official ``linkedin-api-client`` (0.3.0): its Rest.li client
sends without a timeout (a hung worker could not tell "not sent" from "sent"), its formatters
assume a successful JSON body and hide LinkedIn's error fields, and the image upload PUT and
the OAuth token calls are plain HTTP anyway. What we need from Rest.li is one finder and URNs
percent-encoded in paths and queries, which ``requests`` does.

Exactly once: LinkedIn has no idempotency key. ``publish`` first looks for the post among the
organisation's posts created since the delivery was opened (finder ``q=author``, newest
first) with the same commentary, and only sends when it is not there. If LinkedIn still
answers 422 DUPLICATE_POST ("Content is a duplicate of urn:li:share:…", e.g. while the finder
lags), the named post is read back and taken as ours when it matches; otherwise the refusal
is a ``Rejected`` duplicate. ``lookup`` is the same search.

Replies are comments on LinkedIn (the inbox's job), so ``reply_to`` is not used here.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import requests
import urllib3

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
    Rejected,
    Transient,
    UnknownOutcome,
)
from somevahti.connectors.linkedin_text import little_text, same_text

API = "https://api.linkedin.com/rest"
OAUTH = "https://www.linkedin.com/oauth/v2"
SCOPES = ("w_organization_social", "r_organization_social", "rw_organization_admin")
POSTING_ROLES = frozenset({"ADMINISTRATOR", "CONTENT_ADMINISTRATOR"})
# LinkedIn sends no Retry-After. Its limits are per day (reset at midnight UTC); for any
# other throttle we wait five minutes.
DEFAULT_RETRY_AFTER = 300.0
CLOCK_SKEW = dt.timedelta(minutes=1)  # between our clock and LinkedIn's createdAt
DUPLICATE_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")


def _timeout() -> tuple[float, float]:
    try:
        from django.conf import settings

        read = float(getattr(settings, "SOMEVAHTI_CONNECTOR_TIMEOUT", 30))
    except Exception:  # noqa: BLE001 - outside Django the default is fine
        read = 30.0
    return (min(10.0, read), read)


def _never_connected(e: requests.ConnectionError) -> bool:
    """True when the request certainly never left (DNS failure, connection refused)."""
    reason = getattr(e.args[0] if e.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _expiry(seconds: Any) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(seconds))).isoformat()


class LinkedInConnector(Connector):
    platform = "linkedin"
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=3000,
        max_images=20,  # 2-20 become a MultiImage post
        max_videos=0,  # the Videos API (multi-part upload) is not wired yet
        image_max_bytes=5 * MB,
        video_max_bytes=None,
        image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
        video_types=frozenset(),
        alt_text_max=4086,
    )
    lookup_by_key = True
    # Versions are supported for about a year; bump when LinkedIn announces a sunset.
    api_version: ClassVar[str] = "202605"

    def __init__(self, session: requests.Session | None = None) -> None:
        self.session = session or requests.Session()

    # --- HTTP ---------------------------------------------------------------------------

    def _headers(self, account: Account, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {account.credentials.get('access_token', '')}",
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
            **extra,
        }

    def _send(self, method: str, url: str, *, unsafe: bool = False, **kw: Any) -> Any:
        """One HTTP call; ``unsafe`` marks the call that creates the post."""
        try:
            return self.session.request(method, url, timeout=_timeout(), **kw)
        except requests.ConnectTimeout as e:
            raise Transient(f"LinkedIn did not answer: {e}", kind="unavailable") from e
        except requests.Timeout as e:
            if unsafe:
                raise UnknownOutcome(f"No answer after sending: {e}", kind="timeout") from e
            raise Transient(f"LinkedIn did not answer in time: {e}") from e
        except requests.ConnectionError as e:
            if unsafe and not _never_connected(e):
                raise UnknownOutcome(f"Connection lost after sending: {e}") from e
            raise Transient(f"Cannot reach LinkedIn: {e}", kind="unavailable") from e

    def _call(self, method: str, url: str, account: Account, **kw: Any) -> Any:
        headers = self._headers(account, **kw.pop("headers", {}))
        resp = self._send(method, url, headers=headers, **kw)
        if resp.status_code >= 400:
            raise self._error(resp)
        return resp

    @staticmethod
    def _error(resp: Any) -> ConnectorError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        status = resp.status_code
        message = str(body.get("message") or body.get("error_description") or resp.text[:500])
        code = body.get("code") or body.get("serviceErrorCode") or body.get("error")
        kw: dict[str, Any] = {"status": status, "code": code, "raw": body}
        inputs = (body.get("errorDetails") or {}).get("inputErrors") or []
        if status == 401:
            return AuthExpired(message, kind="token_expired", **kw)
        if status == 403:
            return AuthExpired(message, kind="permission_missing", **kw)
        if status == 429:
            retry = resp.headers.get("Retry-After")
            if retry and retry.isdigit():
                wait = float(retry)
            elif "DAY" in message:
                now = dt.datetime.now(dt.UTC)
                midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
                wait = (midnight - now).total_seconds()
            else:
                wait = DEFAULT_RETRY_AFTER
            return Transient(message, kind="rate_limited", retry_after=wait, **kw)
        if status >= 500:
            return Transient(message, kind="unavailable", **kw)
        if any(e.get("code") == "DUPLICATE_POST" for e in inputs) or "duplicate" in message:
            return Rejected(message, kind="duplicate", **{**kw, "code": "DUPLICATE_POST"})
        return Rejected(message, kind="content_rejected", **kw)

    # --- publishing ---------------------------------------------------------------------

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        commentary = little_text(post.text)
        if self.limits.max_chars is not None and len(commentary) > self.limits.max_chars:
            raise Rejected(
                f"LinkedIn allows {self.limits.max_chars} characters; this text has "
                f"{len(commentary)} once its reserved characters are escaped.",
                kind="too_long",
            )
        self._check_media(post.media)
        found = self._find(account, post)
        if found is not None:
            return found
        images = [self._upload_image(account, m) for m in post.media]
        body: dict[str, Any] = {
            "author": account.account_id,
            "commentary": commentary,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if len(images) == 1:
            body["content"] = {"media": images[0]}
        elif images:
            body["content"] = {"multiImage": {"images": images}}
        headers = self._headers(account, **{"Content-Type": "application/json"})
        resp = self._send("POST", f"{API}/posts", unsafe=True, headers=headers, json=body)
        if resp.status_code >= 400:
            error = self._error(resp)
            if isinstance(error, Rejected) and error.kind == "duplicate":
                named = DUPLICATE_URN.search(error.detail)
                mine = self._read_if_ours(account, post, named.group()) if named else None
                if mine is not None:
                    return mine
            raise error
        urn = resp.headers.get("x-restli-id", "")
        if not urn:
            raise UnknownOutcome("LinkedIn accepted the post but returned no x-restli-id.")
        return self._delivery(urn, {"id": urn, "status": resp.status_code})

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        return self._find(account, post)

    def _check_media(self, media: tuple[OutgoingMedia, ...]) -> None:
        check_images_only(self.limits, media, "LinkedIn")

    def _upload_image(self, account: Account, media: OutgoingMedia) -> dict[str, str]:
        init = self._call(
            "POST",
            f"{API}/images?action=initializeUpload",
            account,
            json={"initializeUploadRequest": {"owner": account.account_id}},
        ).json()["value"]
        urn, upload_url = init["image"], init["uploadUrl"]
        # The upload URL is pre-signed; it takes the bytes with the member's token too.
        put = self._send(
            "PUT",
            upload_url,
            data=media.path.read_bytes(),
            headers={"Authorization": f"Bearer {account.credentials.get('access_token', '')}"},
        )
        if put.status_code >= 400:
            error = self._error(put)
            if isinstance(error, Rejected):
                error.kind = "media_rejected"
            raise error
        for _attempt in range(30):  # images are usually AVAILABLE at once; big ones take a while
            status = self._call("GET", f"{API}/images/{quote(urn, safe='')}", account).json()
            state = status.get("status", "")
            if state == "AVAILABLE":
                break
            if state == "PROCESSING_FAILED":
                raise Rejected(
                    f"LinkedIn could not process the image: {state}", kind="media_rejected"
                )
            time.sleep(1)
        else:
            raise Transient("LinkedIn is still processing the image.", retry_after=60)
        return {"id": urn, "altText": media.alt_text}

    def _find(self, account: Account, post: OutgoingPost) -> Delivery | None:
        since = (post.created_at - CLOCK_SKEW).timestamp() * 1000
        for page in range(5):
            query = urlencode(
                {
                    "q": "author",
                    "author": account.account_id,
                    "sortBy": "CREATED",
                    "count": 50,
                    "start": page * 50,
                }
            )
            resp = self._call(
                "GET", f"{API}/posts?{query}", account, headers={"X-RestLi-Method": "FINDER"}
            )
            elements = resp.json().get("elements") or []
            for entity in elements:
                if entity.get("createdAt", 0) < since:
                    return None  # sorted newest first: nothing older can be ours
                if self._matches(entity, account, post):
                    return self._delivery(entity["id"], entity)
            if len(elements) < 50:
                return None
        return None

    def _read_if_ours(self, account: Account, post: OutgoingPost, urn: str) -> Delivery | None:
        try:
            entity = self._call("GET", f"{API}/posts/{quote(urn, safe='')}", account).json()
        except Rejected:
            return None  # LinkedIn names posts it no longer serves ("ghost" duplicates)
        since = (post.created_at - CLOCK_SKEW).timestamp() * 1000
        if entity.get("createdAt", 0) >= since and self._matches(entity, account, post):
            return self._delivery(urn, entity)
        return None

    @staticmethod
    def _matches(entity: dict[str, Any], account: Account, post: OutgoingPost) -> bool:
        return entity.get("author") == account.account_id and same_text(
            entity.get("commentary", ""), post.text
        )

    @staticmethod
    def _delivery(urn: str, response: dict[str, Any]) -> Delivery:
        return Delivery(urn, f"https://www.linkedin.com/feed/update/{urn}/", response)

    # --- the account --------------------------------------------------------------------

    def check_account(self, account: Account) -> AccountCheck:
        org_id = account.account_id.rsplit(":", 1)[-1]
        try:
            org = self._call("GET", f"{API}/organizations/{org_id}", account).json()
        except AuthExpired as e:
            return AccountCheck(ok=False, detail=e.detail)
        expires = account.credentials.get("expires_at")
        return AccountCheck(
            ok=True,
            handle=org.get("vanityName") or org.get("localizedName", ""),
            expires_at=dt.datetime.fromisoformat(expires) if expires else None,
        )

    def authorize_url(self, app: OAuthApp, state: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": app.redirect_uri,
                "state": state,
                "scope": " ".join(app.scopes or SCOPES),
            },
            quote_via=quote,
        )
        return f"{OAUTH}/authorization?{query}"

    def exchange_code(self, app: OAuthApp, code: str, state: str = "") -> Connected:
        token = self._token(
            app, grant_type="authorization_code", code=code, redirect_uri=app.redirect_uri
        )
        probe = Account("linkedin", credentials={"access_token": token["access_token"]})
        acls = (
            self._call("GET", f"{API}/organizationAcls?q=roleAssignee&state=APPROVED", probe)
            .json()
            .get("elements", [])
        )
        orgs: list[dict[str, str]] = []
        for acl in acls:
            urn = acl.get("organization", "")
            if acl.get("role") in POSTING_ROLES and urn not in {o["urn"] for o in orgs}:
                org = self._call("GET", f"{API}/organizations/{urn.rsplit(':', 1)[-1]}", probe)
                data = org.json()
                orgs.append(
                    {
                        "urn": urn,
                        "name": data.get("localizedName", ""),
                        "vanity": data.get("vanityName", ""),
                    }
                )
        if not orgs:
            raise AuthExpired(
                "This LinkedIn member is not an administrator of any organisation page.",
                kind="permission_missing",
            )
        first = orgs[0]  # several pages: the UI lets the owner pick from "organizations"
        account = Account(
            platform="linkedin",
            account_id=first["urn"],
            handle=first["vanity"] or first["name"],
            credentials={**self._credentials(token), "organizations": orgs},
        )
        return Connected(account, dt.datetime.fromisoformat(account.credentials["expires_at"]))

    def needs_refresh(self, account: Account, margin: dt.timedelta = dt.timedelta(days=7)) -> bool:
        expires = account.credentials.get("expires_at")
        if not expires:
            return False
        return dt.datetime.fromisoformat(expires) - margin < dt.datetime.now(dt.UTC)

    def refresh(self, app: OAuthApp, account: Account) -> Connected:
        """New access token from the refresh token (LinkedIn keeps the refresh token).

        Needs LinkedIn's programmatic refresh enabled for the app. The caller persists the
        returned credentials: the contract has no way to do it from ``publish`` yet.
        """
        refresh_token = account.credentials.get("refresh_token")
        if not refresh_token:
            raise AuthExpired("No refresh token: the owner must connect the page again.")
        token = self._token(app, grant_type="refresh_token", refresh_token=refresh_token)
        credentials = {**account.credentials, **self._credentials(token)}
        renewed = Account(
            account.platform, account.account_id, account.handle, account.base_url, credentials
        )
        return Connected(renewed, dt.datetime.fromisoformat(credentials["expires_at"]))

    def _token(self, app: OAuthApp, **form: str) -> dict[str, Any]:
        data = {**form, "client_id": app.client_id, "client_secret": app.client_secret}
        resp = self._send("POST", f"{OAUTH}/accessToken", data=data)
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
        creds: dict[str, Any] = {
            "access_token": token["access_token"],
            "expires_at": _expiry(token.get("expires_in", 0)),
            "scope": token.get("scope", ""),
        }
        if token.get("refresh_token"):
            creds["refresh_token"] = token["refresh_token"]
            creds["refresh_token_expires_at"] = _expiry(token.get("refresh_token_expires_in", 0))
        return creds
