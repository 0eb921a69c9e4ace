"""An in-process LinkedIn (versioned Rest.li API) for tests: no emulator exists.

It answers through ``responses`` callbacks, so the connector's real ``requests`` calls run. The
shapes follow LinkedIn's published Posts, Images, Organization Access Control and OAuth 2.0
documentation; error bodies are the ones LinkedIn sends, e.g. ``{"status":401,
"serviceErrorCode":65601,"code":"EXPIRED_ACCESS_TOKEN","message":"The token used in the
request has expired"}`` and the 422 ``DUPLICATE_POST`` body ("Content is a duplicate of
urn:li:share:…"). There is no official SDK with response models for these APIs.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import responses

from somevahti.connectors.doubles._forced import Forced
from somevahti.connectors.tests.harness import FORCEABLE as CONTRACT_FORCEABLE

API = "https://api.linkedin.com/rest"
OAUTH = "https://www.linkedin.com/oauth/v2"
UPLOADS = "https://www.linkedin.com/dms-uploads/"
ALL_SCOPES = frozenset({"w_organization_social", "r_organization_social", "rw_organization_admin"})
SIXTY_DAYS = 60 * 24 * 3600
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
LITTLE_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")

Reply = tuple[int, dict[str, str], str]


def _text(body: Any) -> str:
    """A prepared request's body as text (requests keeps bytes for JSON, str for forms)."""
    return body.decode() if isinstance(body, bytes) else str(body or "")


def _json(status: int, body: Any, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body)


def _service_error(status: int, service_code: int, code: str, message: str) -> Reply:
    return _json(
        status,
        {"status": status, "serviceErrorCode": service_code, "code": code, "message": message},
    )


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return _json(status, {"error": error, "error_description": description})


BAD_CODE = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired."
)
EXPIRED = (401, 65601, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired")
INVALID = (401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token")
THROTTLED = (
    429,
    101,
    "TOO_MANY_REQUESTS",
    "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
)


@dataclass
class Token:
    member: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class Image:
    owner: str
    status: str = "WAITING_UPLOAD"
    data: bytes = b""
    upload_token: str = field(default_factory=lambda: secrets.token_urlsafe(8))


class LinkedInDouble(Forced):
    """One organisation page administered by one member, with its posts and images."""

    # the shared contract's situations, and a lost answer to the create call
    FORCEABLE = frozenset(CONTRACT_FORCEABLE) | {"timeout_after_send"}

    def __init__(
        self,
        org_id: str = "2414183",
        name: str = "Testilän kunta",
        vanity: str = "testilan-kunta",
        version: str = "202605",
    ) -> None:
        self.org = f"urn:li:organization:{org_id}"
        self.org_name, self.vanity, self.version = name, vanity, version
        self.member = "urn:li:person:Xq7Ee0Zx1a"
        self.client_id, self.client_secret = "77li-client", "li-secret"
        self.tokens: dict[str, Token] = {}
        self.refresh_tokens: dict[str, tuple[str, float]] = {}
        self.codes: dict[str, tuple[str, frozenset[str]]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.images: dict[str, Image] = {}
        self.forced: list[str] = []
        self.finder_lag = False  # True: new posts are not yet visible to the author finder
        self._ids = itertools.count(7_400_000_000_000_000_000)
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in ("GET", "POST", "PUT", "DELETE"):
            for host in (API, OAUTH, UPLOADS):
                self.mock.add_callback(method, re.compile(re.escape(host) + ".*"), self._handle)

    # --- control ------------------------------------------------------------------------

    def start(self) -> LinkedInDouble:
        self.mock.start()
        return self

    def stop(self) -> None:
        self.mock.stop(allow_assert=False)
        self.mock.reset()

    def issue_code(self, scopes: frozenset[str] = ALL_SCOPES) -> str:
        """What LinkedIn puts in the redirect after the member consents."""
        code = secrets.token_urlsafe(12)
        self.codes[code] = (self.member, scopes)
        return code

    def issue_token(self, scopes: frozenset[str] = ALL_SCOPES, ttl: float = SIXTY_DAYS) -> str:
        token = "AQ" + secrets.token_urlsafe(24)
        self.tokens[token] = Token(self.member, scopes, time.time() + ttl)
        return token

    # --- dispatch -----------------------------------------------------------------------

    def _handle(self, request: requests.PreparedRequest) -> Reply:
        url = urlsplit(str(request.url))
        method = str(request.method)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.netloc == "www.linkedin.com" and url.path == "/oauth/v2/accessToken":
            return self._access_token(request)
        if url.path.startswith("/dms-uploads/"):
            return self._upload(request, url.path.rsplit("/", 1)[-1])
        for situation in ("rate_limited", "unavailable", "token_expired", "permission_missing"):
            if self._take(situation):
                return self._forced(situation)
        denied = self._authorise(request)
        if denied:
            return denied
        token = self.tokens[str(request.headers["Authorization"])[7:]]
        path = url.path.removeprefix("/rest")
        routes: dict[tuple[str, str], Callable[[], Reply]] = {
            ("POST", "/posts"): lambda: self._create_post(token, request),
            ("GET", "/posts"): lambda: self._find_posts(token, query),
            ("POST", "/images"): lambda: self._initialize_upload(token, request),
            ("GET", "/organizationAcls"): lambda: self._acls(token, query),
        }
        if (method, path) in routes:
            return routes[(method, path)]()
        urn = unquote(path.rsplit("/", 1)[-1])
        if method == "GET" and path.startswith("/posts/"):
            return self._get_post(token, urn)
        if method == "GET" and path.startswith("/images/") and urn in self.images:
            img = self.images[urn]
            return _json(200, {"id": urn, "owner": img.owner, "status": img.status})
        if method == "GET" and path.startswith("/organizations/"):
            return self._organization(token, urn)
        return _json(404, {"status": 404, "code": "NOT_FOUND", "message": f"No route {path}"})

    def _forced(self, situation: str) -> Reply:
        if situation == "rate_limited":
            return _service_error(*THROTTLED)
        if situation == "unavailable":
            return _json(503, {"status": 503, "message": "Service Unavailable"})
        if situation == "token_expired":
            return _service_error(*EXPIRED)
        return self._denied("partnerApiPostsExternal.CREATE")

    def _denied(self, resource: str) -> Reply:
        return _service_error(
            403,
            100,
            "ACCESS_DENIED",
            f"Not enough permissions to access: {resource}.{self.version}01",
        )

    def _authorise(self, request: requests.PreparedRequest) -> Reply | None:
        if "LinkedIn-Version" not in request.headers:
            return _json(
                400,
                {
                    "status": 400,
                    "code": "VERSION_MISSING",
                    "message": "A version "
                    "must be present. Please specify a version by adding the "
                    "LinkedIn-Version header.",
                },
            )
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return _json(400, {"status": 400, "message": "Protocol version 2.0.0 required"})
        auth = str(request.headers.get("Authorization", ""))
        token = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if token is None:
            return _service_error(*INVALID)
        if token.expires_at < time.time():
            return _service_error(*EXPIRED)
        return None

    # --- OAuth --------------------------------------------------------------------------

    def _access_token(self, request: requests.PreparedRequest) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(_text(request.body)).items()}
        if [form.get("client_id"), form.get("client_secret")] != [
            self.client_id,
            self.client_secret,
        ]:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if form.get("grant_type") == "refresh_token":
            refresh = form.get("refresh_token", "")
            member, until = self.refresh_tokens.get(refresh, ("", 0.0))
            if not member or until < time.time():
                return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            return self._grant(ALL_SCOPES, refresh, until)  # LinkedIn keeps the refresh token
        granted = self.codes.pop(form.get("code", ""), None)
        if granted is None or not form.get("redirect_uri"):
            return _oauth_error(400, "invalid_request", BAD_CODE)
        refresh = "AQ" + secrets.token_urlsafe(30)
        self.refresh_tokens[refresh] = (granted[0], time.time() + 365 * 24 * 3600)
        return self._grant(granted[1], refresh, self.refresh_tokens[refresh][1])

    def _grant(self, scopes: frozenset[str], refresh: str, until: float) -> Reply:
        body = {"access_token": self.issue_token(scopes), "expires_in": SIXTY_DAYS,
                "refresh_token": refresh, "refresh_token_expires_in": int(until - time.time()),
                "scope": ",".join(sorted(scopes))}  # fmt: skip
        return _json(200, body)

    def _acls(self, token: Token, query: dict[str, str]) -> Reply:
        if query.get("q") != "roleAssignee":
            return _json(400, {"status": 400, "message": "Unsupported finder"})
        element = {
            "roleAssignee": token.member,
            "state": "APPROVED",
            "role": "ADMINISTRATOR",
            "organization": self.org,
        }
        return _json(200, {"elements": [element], "paging": {"count": 10, "start": 0}})

    def _organization(self, token: Token, org_id: str) -> Reply:
        if "rw_organization_admin" not in token.scopes:
            return self._denied("organizations.GET")
        if f"urn:li:organization:{org_id}" != self.org:
            return _json(404, {"status": 404, "message": "Not Found"})
        return _json(
            200, {"id": int(org_id), "localizedName": self.org_name, "vanityName": self.vanity}
        )

    # --- images -------------------------------------------------------------------------

    def _initialize_upload(self, token: Token, request: requests.PreparedRequest) -> Reply:
        body = json.loads(_text(request.body) or "{}")
        owner = body.get("initializeUploadRequest", {}).get("owner")
        if "w_organization_social" not in token.scopes or owner != self.org:
            return self._denied("images.ACTION")
        urn = f"urn:li:image:D4E10AQ{secrets.token_urlsafe(9)}"
        image = self.images[urn] = Image(owner)
        if self._take("media_rejected"):
            image.status = "PROCESSING_FAILED"
        return _json(
            200,
            {
                "value": {
                    "uploadUrlExpiresAt": int(time.time() * 1000) + 3600_000,
                    "uploadUrl": f"{UPLOADS}{image.upload_token}",
                    "image": urn,
                }
            },
        )

    def _upload(self, request: requests.PreparedRequest, upload_token: str) -> Reply:
        for image in self.images.values():
            if image.upload_token == upload_token and request.method == "PUT":
                data = request.body if isinstance(request.body, bytes) else b""
                image.data = data
                if image.status == "WAITING_UPLOAD":
                    ok = any(data.startswith(m) for m in IMAGE_MAGIC)
                    image.status = "AVAILABLE" if ok else "PROCESSING_FAILED"
                return 201, {}, ""
        return 404, {}, ""

    # --- posts --------------------------------------------------------------------------

    def _create_post(self, token: Token, request: requests.PreparedRequest) -> Reply:
        body = json.loads(_text(request.body) or "{}")
        missing = [
            f
            for f in ("author", "commentary", "visibility", "distribution", "lifecycleState")
            if f not in body
        ]
        if missing:
            lines = "".join(
                f"ERROR :: /{f} :: field is required but not found and has no default value\n"
                for f in missing
            )
            return _json(422, {"message": lines, "status": 422})
        if "w_organization_social" not in token.scopes or body["author"] != self.org:
            return self._denied("partnerApiPostsExternal.CREATE")
        ids = [m["id"] for m in self._media(body)]
        if any(self.images.get(i, Image("")).status != "AVAILABLE" for i in ids):
            return _json(400, {"status": 400, "message": f"Invalid media: {ids}"})
        twin = next(
            (
                u
                for u, p in self.posts.items()
                if p["commentary"] == body["commentary"] and p["author"] == body["author"]
            ),
            None,
        )
        if twin or self._take("duplicate"):
            urn = twin or f"urn:li:share:{next(self._ids)}"  # a "ghost" LinkedIn no longer serves
            return _json(
                422,
                {
                    "errorDetailType": "com.linkedin.common.error.BadRequest",
                    "message": "com.linkedin.content.common.exception.BadRequestResponseException: "
                    f"Content is a duplicate of {urn}",
                    "errorDetails": {
                        "inputErrors": [
                            {
                                "description": "Duplicate post is detected",
                                "input": {},
                                "code": "DUPLICATE_POST",
                            }
                        ]
                    },
                    "status": 422,
                },
            )
        urn = f"urn:li:share:{next(self._ids)}"
        now = int(time.time() * 1000)
        self.posts[urn] = {
            **body,
            "id": urn,
            "createdAt": now,
            "lastModifiedAt": now,
            "publishedAt": now,
            "lifecycleStateInfo": {"isEditedByAuthor": False},
        }
        if self._take("timeout_after_send"):
            raise requests.ReadTimeout("Read timed out. (read timeout=60)")
        return 201, {"x-restli-id": urn, "x-linkedin-id": urn}, ""

    def _find_posts(self, token: Token, query: dict[str, str]) -> Reply:
        if query.get("q") != "author" or "r_organization_social" not in token.scopes:
            return self._denied("partnerApiPostsExternal.FINDER-author")
        mine = [p for p in self.posts.values() if p["author"] == query.get("author")]
        mine = [] if self.finder_lag else mine
        key = "createdAt" if query.get("sortBy") == "CREATED" else "lastModifiedAt"
        mine.sort(key=lambda p: p[key], reverse=True)
        start, count = int(query.get("start", 0)), int(query.get("count", 10))
        return _json(
            200,
            {
                "elements": mine[start : start + count],
                "paging": {"start": start, "count": count, "total": len(mine), "links": []},
            },
        )

    def _get_post(self, token: Token, urn: str) -> Reply:
        if "r_organization_social" not in token.scopes:
            return self._denied("partnerApiPostsExternal.GET")
        if urn not in self.posts:
            return _json(404, {"status": 404, "code": "NOT_FOUND", "message": "Not Found"})
        return _json(200, self.posts[urn])

    # --- reading back (what a person would see on the page) -----------------------------

    @staticmethod
    def _media(post: dict[str, Any]) -> list[dict[str, str]]:
        content = post.get("content") or {}
        if "media" in content:
            return [content["media"]]
        return list((content.get("multiImage") or {}).get("images", []))

    def text_of(self, urn: str) -> str:
        return LITTLE_ESCAPED.sub(r"\1", self.posts[urn]["commentary"])

    def alt_texts(self, urn: str) -> list[str]:
        return [m.get("altText", "") for m in self._media(self.posts[urn])]

    def image_bytes(self, urn: str) -> list[bytes]:
        return [self.images[m["id"]].data for m in self._media(self.posts[urn])]
