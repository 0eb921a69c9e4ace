"""An in-process X API v2 for tests: no emulator exists.

It answers through ``responses`` callbacks, so the connector's real ``requests`` calls run.
Request bodies are validated with, and success bodies built from, the official ``xdk``
package's OpenAPI-generated models (``xdk.schemas``). Error bodies are the ones X sends:
problem+json ``{"title","detail","type","status"}`` (``about:blank`` for 401/403/429, the
``client-forbidden`` problem for an app without the needed access, ``invalid-request`` with
an ``errors`` array for bad parameters) and the OAuth token endpoint's ``{"error",
"error_description"}``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pydantic
import requests
import responses
from xdk import schemas

from somevahti.connectors.doubles._forced import Forced
from somevahti.connectors.tests.harness import FORCEABLE as CONTRACT_FORCEABLE

API = "https://api.x.com"
ALL_SCOPES = frozenset({"tweet.read", "tweet.write", "users.read", "media.write", "offline.access"})
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
}
LINK = re.compile(r"https?://\S+")
PROBLEM = {"Content-Type": "application/problem+json"}

Reply = tuple[int, dict[str, str], str]


def _text(body: Any) -> str:
    """A prepared request's body as text (requests keeps bytes for JSON, str for forms)."""
    return body.decode() if isinstance(body, bytes) else str(body or "")


def _ok(status: int, model: Any, **headers: str) -> Reply:
    body = model.model_dump(exclude_none=True) if hasattr(model, "model_dump") else model
    return status, {"Content-Type": "application/json; charset=utf-8", **headers}, json.dumps(body)


def _problem(status: int, title: str, detail: str, **headers: str) -> Reply:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return status, {**PROBLEM, **headers}, json.dumps(body)


def _invalid(message: str, **parameters: Any) -> Reply:
    problem = schemas.InvalidRequestProblem(
        title="Invalid Request",
        detail="One or more parameters to your request was invalid.",
        type="https://api.x.com/2/problems/invalid-request",
    ).model_dump(exclude_none=True)
    problem["errors"] = [{"parameters": parameters, "message": message}]
    return 400, PROBLEM, json.dumps(problem)


def _oauth_error(status: int, error: str, description: str) -> Reply:
    body = {"error": error, "error_description": description}
    return status, {"Content-Type": "application/json"}, json.dumps(body)


BAD_CODE = "Value passed for the authorization code was invalid."
NOT_ENROLLED = {
    "client_id": "29811543",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys "
    "and tokens from a Twitter developer App that is attached to a Project. You can create a "
    "project via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}


@dataclass
class Token:
    user_id: str
    scopes: frozenset[str]
    expires_at: float
    family: str = field(default_factory=lambda: secrets.token_hex(4))


class XDouble(Forced):
    """One X user (the organisation's account), its posts, uploaded media and tokens."""

    # the shared contract's situations, and a lost answer to the create call
    FORCEABLE = frozenset(CONTRACT_FORCEABLE) | {"timeout_after_send"}

    def __init__(
        self, user_id: str = "1542958327315714048", username: str = "testilankunta"
    ) -> None:
        self.user = schemas.User(id=user_id, username=username, name="Testilän kunta")
        self.client_id, self.client_secret = "dGVzdGlsYW4tY2xpZW50", "x-secret"
        self.redirect_uri = "https://somevahti.test/oauth/x"
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, Token] = {}  # single use
        self.used_refresh: dict[str, str] = {}  # spent refresh token -> its family
        self.codes: dict[str, tuple[str, frozenset[str]]] = {}  # code -> (challenge, scopes)
        self.tweets: dict[str, dict[str, Any]] = {}  # as X returns them
        self.written: dict[str, str] = {}  # tweet id -> the text as the author wrote it
        self.media: dict[str, dict[str, Any]] = {}
        self.forced: list[str] = []
        self.timeline_forbidden = False  # True: the app's tier cannot read timelines
        self._ids = itertools.count(1_860_000_000_000_000_000)
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST", "DELETE"):
            self.mock.add_callback(method, re.compile(re.escape(API) + "/.*"), self._handle)

    # --- control ------------------------------------------------------------------------

    def start(self) -> XDouble:
        self.mock.start()
        return self

    def stop(self) -> None:
        self.mock.stop(allow_assert=False)
        self.mock.reset()

    def consent(self, authorize_url: str, scopes: frozenset[str] | None = None) -> str:
        """The user approves on x.com: X remembers the PKCE challenge and hands out a code."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["client_id"] == self.client_id and query["code_challenge_method"] == "S256"
        asked = frozenset(query["scope"].split())
        code = secrets.token_urlsafe(16)
        self.codes[code] = (query["code_challenge"], asked if scopes is None else scopes)
        return code

    def issue_token(self, scopes: frozenset[str] = ALL_SCOPES, ttl: float = 7200) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Token(str(self.user.id), scopes, time.time() + ttl)
        return token

    # --- dispatch -----------------------------------------------------------------------

    def _handle(self, request: requests.PreparedRequest) -> Reply:
        url = urlsplit(str(request.url))
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/2/oauth2/token":
            return self._token(request)
        if self._take("rate_limited"):
            reset = str(int(time.time()) + 900)
            return _problem(
                429,
                "Too Many Requests",
                "Too Many Requests",
                **{
                    "x-rate-limit-limit": "100",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": reset,
                },
            )
        if self._take("unavailable"):
            return _problem(503, "Service Unavailable", "Service Unavailable")
        auth = str(request.headers.get("Authorization", ""))
        token = self.tokens.get(auth.removeprefix("Bearer "))
        if self._take("token_expired") or token is None or token.expires_at < time.time():
            return _problem(401, "Unauthorized", "Unauthorized")
        if self._take("permission_missing"):
            return 403, PROBLEM, json.dumps(NOT_ENROLLED)
        body = json.loads(_text(request.body) or "{}")
        route = (str(request.method), url.path)
        if route == ("GET", "/2/users/me"):
            return self._needs(token, {"users.read", "tweet.read"}) or _ok(
                200, schemas.GetUsersMeResponse(data=self.user)
            )
        if route == ("POST", "/2/media/upload"):
            return self._needs(token, {"media.write"}) or self._upload(body)
        if route == ("POST", "/2/media/metadata"):
            return self._needs(token, {"media.write"}) or self._metadata(body)
        if route == ("POST", "/2/tweets"):
            return self._needs(token, {"tweet.write", "tweet.read"}) or self._create(token, body)
        if route == ("GET", f"/2/users/{self.user.id}/tweets"):
            if self.timeline_forbidden:
                return 403, PROBLEM, json.dumps(NOT_ENROLLED)
            return self._needs(token, {"tweet.read", "users.read"}) or self._timeline(query)
        return _problem(404, "Not Found Error", f"Could not find {url.path}")

    @staticmethod
    def _needs(token: Token, scopes: set[str]) -> Reply | None:
        # What X answers for a user token that lacks a scope the endpoint needs.
        return None if scopes <= token.scopes else _problem(403, "Forbidden", "Forbidden")

    # --- OAuth 2.0 ----------------------------------------------------------------------

    def _token(self, request: requests.PreparedRequest) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(_text(request.body)).items()}
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        if form.get("grant_type") == "refresh_token":
            given = form.get("refresh_token", "")
            if given in self.used_refresh:  # a replayed refresh token revokes its whole family
                self._revoke(self.used_refresh[given])
            old = self.refresh_tokens.pop(given, None)
            if old is None:
                return _oauth_error(
                    400, "invalid_request", "Value passed for the token was invalid."
                )
            self.used_refresh[given] = old.family
            return self._grant(old.scopes, old.family)
        challenge, scopes = self.codes.pop(form.get("code", ""), ("", frozenset()))
        verifier = form.get("code_verifier", "").encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if not challenge or digest != challenge or form.get("redirect_uri") != self.redirect_uri:
            return _oauth_error(400, "invalid_request", BAD_CODE)
        return self._grant(scopes, secrets.token_hex(4))

    def _revoke(self, family: str) -> None:
        for store in (self.tokens, self.refresh_tokens):
            for key in [k for k, t in store.items() if t.family == family]:
                del store[key]

    def _grant(self, scopes: frozenset[str], family: str) -> Reply:
        access = self.issue_token(scopes)
        self.tokens[access].family = family
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": access,
            "scope": " ".join(sorted(scopes)),
        }
        if "offline.access" in scopes:
            refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = Token(str(self.user.id), scopes, 0, family)
            body["refresh_token"] = refresh
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    # --- media --------------------------------------------------------------------------

    def _upload(self, body: dict[str, Any]) -> Reply:
        try:
            upload = schemas.MediaUploadRequest.model_validate(body)
            data = base64.b64decode(upload.media, validate=True)
        except (pydantic.ValidationError, ValueError):
            return _invalid("The media parameter is missing or not base64.", media="…")
        kind = next((t for magic, t in IMAGE_MAGIC.items() if data.startswith(magic)), None)
        if kind is None or self._take("media_rejected"):
            return _invalid("media type unrecognized.", media_category=upload.media_category)
        media_id = str(next(self._ids))
        self.media[media_id] = {"key": f"3_{media_id}", "type": kind, "bytes": data, "alt": None}
        return _ok(
            200,
            schemas.MediaUploadResponse(
                data=schemas.MediaUploadResponseData(
                    id=media_id,
                    media_key=f"3_{media_id}",
                    size=len(data),
                    expires_after_secs=86400,
                    image=schemas.MediaUploadResponseDataImage(image_type=kind, w=1, h=1),
                )
            ),
        )

    def _metadata(self, body: dict[str, Any]) -> Reply:
        meta = schemas.CreateMediaMetadataRequest.model_validate(body)
        if meta.id not in self.media:
            return _invalid("Media not found.", id=meta.id)
        alt = meta.metadata.alt_text.text if meta.metadata and meta.metadata.alt_text else None
        if alt is not None and len(alt) > 1000:
            return _invalid("Alt text too long.", alt_text=len(alt))
        self.media[meta.id]["alt"] = alt
        return _ok(
            200,
            schemas.CreateMediaMetadataResponse(
                data=schemas.CreateMediaMetadataResponseData(
                    id=meta.id, associated_metadata={"alt_text": {"text": alt}}
                )
            ),
        )

    # --- posts --------------------------------------------------------------------------

    def _create(self, token: Token, body: dict[str, Any]) -> Reply:
        post = schemas.CreatePostsRequest.model_validate(body)
        ids = post.media.media_ids if post.media else []
        if any(i not in self.media for i in ids):
            return _invalid("Your media IDs are invalid.", **{"media.media_ids": ids})
        text = post.text or ""
        if self._take("duplicate") or text in self.written.values():
            return _problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        tweet_id = str(next(self._ids))
        keys = [self.media[i]["key"] for i in ids]
        shown, urls = self._shorten(tweet_id, text, keys)
        self.written[tweet_id] = text
        self.tweets[tweet_id] = schemas.Post(
            id=tweet_id,
            text=shown,
            author_id=token.user_id,
            created_at=dt.datetime.now(dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            edit_history_post_ids=[tweet_id],
            attachments=schemas.PostAttachments(media_keys=keys) if keys else None,
            entities=schemas.PostEntities(urls=urls) if urls else None,
        ).model_dump(exclude_none=True)
        if self._take("timeout_after_send"):
            raise requests.ReadTimeout("Read timed out. (read timeout=30)")
        created = schemas.CreatePostsResponseData(
            id=tweet_id, text=shown, edit_history_post_ids=[tweet_id]
        )
        return _ok(201, schemas.CreatePostsResponse(data=created))

    def _shorten(self, tweet_id: str, text: str, media_keys: list[str]) -> tuple[str, list[Any]]:
        """What X stores: links wrapped in t.co, one more t.co per media, &<> escaped."""
        links: list[tuple[str, str, str | None]] = []  # (t.co, expanded, media key)

        def wrap(match: re.Match[str]) -> str:
            links.append((f"https://t.co/{secrets.token_hex(5)}", match.group(), None))
            return links[-1][0]

        shown = LINK.sub(wrap, text)
        for n, key in enumerate(media_keys, 1):
            photo = f"https://x.com/{self.user.username}/status/{tweet_id}/photo/{n}"
            links.append((f"https://t.co/{secrets.token_hex(5)}", photo, key))
        shown = html.escape(shown, quote=False) + "".join(f" {t}" for t, _, k in links if k)
        entities = []
        for short, expanded, media_key in links:
            start = shown.index(short)
            entities.append(
                schemas.PostEntitiesUrlsItem(
                    start=start,
                    end=start + len(short),
                    url=short,
                    expanded_url=expanded,
                    display_url=expanded.split("://", 1)[-1][:26],
                    media_key=media_key,
                )
            )
        return shown, entities

    def _timeline(self, query: dict[str, str]) -> Reply:
        since = dt.datetime.fromisoformat(query.get("start_time", "1970-01-01T00:00:00Z"))
        tweets = sorted(
            (
                t
                for t in self.tweets.values()
                if dt.datetime.fromisoformat(t["created_at"]) >= since
            ),
            key=lambda t: t["created_at"],
            reverse=True,
        )
        size = max(5, min(100, int(query.get("max_results", 10))))
        start = int(query.get("pagination_token", "0") or 0)
        page = tweets[start : start + size]
        more = start + size < len(tweets)
        meta = schemas.GetUsersPostsResponseMeta(
            result_count=len(page),
            newest_id=page[0]["id"] if page else None,
            oldest_id=page[-1]["id"] if page else None,
            next_token=str(start + size) if more else None,
        )
        return _ok(
            200, schemas.GetUsersPostsResponse(data=[schemas.Post(**t) for t in page], meta=meta)
        )

    # --- reading back (what a person would see on the profile) --------------------------

    def text_of(self, tweet_id: str) -> str:
        return self.written[tweet_id]

    def alt_texts(self, tweet_id: str) -> list[str]:
        keys = (self.tweets[tweet_id].get("attachments") or {}).get("media_keys") or []
        by_key = {m["key"]: m for m in self.media.values()}
        return [by_key[k]["alt"] or "" for k in keys]
