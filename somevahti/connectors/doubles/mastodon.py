"""A small stateful Mastodon server for tests and the demo (a real one needs Ruby,
PostgreSQL, Redis and Sidekiq).

It answers the endpoints Mastodon.py calls for connecting an account and publishing:
apps, OAuth (authorize auto-approves as the signed-in account), verify_credentials, account
statuses, instance v1/v2, media v2 (202 while "processing") and v1, statuses with
Idempotency-Key (per account, one hour, as PostStatusService), status source and context,
mention notifications (``mastodon_notifications``; ``post_as`` writes as another account).

Where the shapes come from: entity fields from Mastodon.py's ``return_types.py`` (see
``mastodon_entities``); status codes and error bodies from the API documentation
(docs.joinmastodon.org/methods/…) and Mastodon's source: ``{"error": …}`` bodies of
Api::BaseController and Doorkeeper (config/locales/doorkeeper.en.yml), the 429 body and
``X-RateLimit-*`` headers of config/initializers/rack_attack.rb, validation messages of
StatusLengthValidator and PostStatusService. Mastodon has no duplicate-content refusal.

Run it: ``python -m somevahti.connectors.doubles.mastodon --port 3001 [--state file.json]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from mastodon.defaults import _SCOPE_SETS, _VALID_SCOPES

from somevahti.connectors.doubles import mastodon_entities as E
from somevahti.connectors.doubles._http import Request, Response, Running, wsgi_app
from somevahti.connectors.doubles.mastodon_notifications import NotificationViews
from somevahti.connectors.doubles.mastodon_statuses import StatusViews, err

PERIOD = 300  # rack-attack: 300 requests per token per 5 minutes
ERRORS: dict[str, tuple[int, str]] = {
    "rate_limited": (429, "Too many requests"),  # I18n errors.429
    "unavailable": (503, "There was a temporary problem serving your request, please try again"),
    "token_expired": (401, "The access token is invalid"),
    "permission_missing": (403, "This action is outside the authorized scopes"),
    "media_rejected": (422, "Validation failed: File content type is invalid, File is invalid"),
}
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)
UNSUPPORTED = "The authorization grant type is not supported by the authorization server."
INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
WRITES = re.compile(r"^/api/v(?:1/statuses|[12]/media)$")


class MastodonDouble(StatusViews, NotificationViews):
    def __init__(self, max_chars: int = 500, state_file: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.max_chars = max_chars
        self.state_file = state_file
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, dict[str, Any]] = {}  # notifications, by id
        self.idempotency: dict[str, list[Any]] = {}  # "account:key" → [status id, time]
        self.forced: list[str] = []
        self.rate_limit = 300
        self.hits: dict[str, int] = {}
        self.log: list[tuple[str, str]] = []  # (method, path) of every request
        self.async_images = False  # Mastodon 4 processes images at once, video later
        self.processing_seconds = 0.5
        self.stall_next_status = 0.0  # seconds to hold the answer after the status is made
        self.running: Running | None = None
        self.base_url = ""
        if state_file and state_file.exists():
            self._load(state_file)
        if not self.accounts:
            self.add_account("kaupunki", "Esimerkin kaupunki")
        self.signed_in = next(iter(self.accounts))

    # --- control API for tests ---------------------------------------------------------

    def start(self, port: int = 0) -> MastodonDouble:
        self.running = Running(wsgi_app(self.handle), port)
        self.base_url = f"http://127.0.0.1:{self.running.port}"
        return self

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None

    def add_account(self, username: str, display_name: str = "", language: str = "") -> str:
        with self.lock:
            acct_id = E.snowflake()
            self.accounts[acct_id] = {
                "id": acct_id, "username": username, "display_name": display_name or username,
                "created_at": time.time(), "suspended": False, "language": language,
            }  # fmt: skip
            return acct_id

    def account_id(self, account: str) -> str:
        for a in self.accounts.values():
            if account in (a["id"], a["username"]):
                return str(a["id"])
        raise KeyError(account)

    def sign_in(self, account: str) -> None:
        """The account /oauth/authorize approves for (the person's browser session)."""
        self.signed_in = self.account_id(account)

    def issue_token(
        self, account: str, scopes: tuple[str, ...] = ("read", "write"), client_id: str = ""
    ) -> str:
        """A token as if granted to an app (client_id) or made under Development settings."""
        return self._token(self.account_id(account), client_id, list(scopes))

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens[token]["revoked"] = True

    def suspend(self, account: str) -> None:
        self.accounts[self.account_id(account)]["suspended"] = True

    def force(self, situation: str) -> bool:
        """Fail the next write (media upload or status) the way Mastodon would. There is
        no "duplicate": Mastodon accepts the same text twice."""
        if situation not in ERRORS:
            return False
        self.forced.append(situation)
        return True

    def statuses(self, account: str) -> list[dict[str, Any]]:
        acct_id = self.account_id(account)
        with self.lock:
            return [dict(s) for s in self.posts.values() if s["account_id"] == acct_id]

    def authorize(self, url: str) -> str:
        """Follow an authorize URL as the signed-in person's browser; return the code."""
        answer = requests.get(url, allow_redirects=False, timeout=10)
        query = parse_qs(urlsplit(answer.headers.get("Location", "")).query)
        if "code" not in query:
            raise ValueError(f"no code: {answer.status_code} {answer.text[:200]}")
        return query["code"][0]

    # --- plumbing ----------------------------------------------------------------------

    def _token(self, account_id: str, client_id: str, scopes: list[str]) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = {
                "account_id": account_id, "client_id": client_id, "scopes": scopes,
                "created_at": int(time.time()), "revoked": False,
            }  # fmt: skip
        return token

    def _rate(self, req: Request) -> tuple[dict[str, str], bool]:
        """X-RateLimit-* as rack-attack sets them; True when this request is over."""
        now = time.time()
        window = int(now // PERIOD)
        bucket = f"{req.headers.get('authorization', 'ip')}:{window}"
        with self.lock:
            self.hits[bucket] = used = self.hits.get(bucket, 0) + 1
        reset = E.iso((window + 1) * PERIOD).replace(".000Z", ".000000Z")
        remaining = max(0, self.rate_limit - used)
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset,
        }
        return headers, used > self.rate_limit

    def _auth(
        self, req: Request, scope: str, optional: bool = False
    ) -> dict[str, Any] | Response | None:
        """The token's account, or the answer Doorkeeper / Api::BaseController gives."""
        header = req.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return None if optional else err(401, "The access token is invalid")
        tok = self.tokens.get(header[7:])
        if tok is None:
            return err(401, "The access token is invalid")
        if tok["revoked"]:
            return err(401, "The access token was revoked")
        granted = set(tok["scopes"])
        for s in tok["scopes"]:
            granted.update(_SCOPE_SETS.get(s, []))
        if scope not in granted:
            return err(403, "This action is outside the authorized scopes")
        acct = self.accounts.get(tok["account_id"])
        if acct is None:
            return err(422, "This method requires an authenticated user")
        if acct["suspended"]:
            return err(403, "Your login is currently disabled")
        return {**acct, "client_id": tok["client_id"]}

    def handle(self, req: Request) -> Response:
        with self.lock:
            self.log.append((req.method, req.path))
        headers: dict[str, str] = {}
        if req.path.startswith("/api/"):
            headers, over = self._rate(req)
            forced = self._forced(req)
            if over or forced == "rate_limited":
                return err(
                    429, ERRORS["rate_limited"][1], **{**headers, "X-RateLimit-Remaining": "0"}
                )
            if forced:
                status, message = ERRORS[forced]
                return err(status, message, **headers)
        for method, pattern, view in self.routes():
            match = re.fullmatch(pattern, req.path)
            if match and method == req.method:
                resp = view(req, *match.groups())
                resp.headers.update(headers)
                if req.method != "GET":
                    self._save_state()
                return resp
        return err(404, "Record not found", **headers)

    def _forced(self, req: Request) -> str:
        if req.method != "POST" or not WRITES.match(req.path):
            return ""
        with self.lock:
            for situation in self.forced:
                if situation != "media_rejected" or "media" in req.path:
                    self.forced.remove(situation)
                    return situation
        return ""

    def routes(self) -> list[tuple[str, str, Callable[..., Response]]]:
        return [
            ("POST", r"/api/v1/apps", self.create_app),
            ("GET", r"/\.well-known/oauth-authorization-server",
             lambda r: Response(200, E.oauth_server(self.base_url, list(_VALID_SCOPES)))),
            ("GET", r"/oauth/authorize", self.oauth_authorize),
            ("POST", r"/oauth/token", self.oauth_token),
            ("POST", r"/oauth/revoke", self.oauth_revoke),
            ("GET", r"/api/v1/accounts/verify_credentials", self.verify_credentials),
            ("GET", r"/api/v1/accounts/(\d+)/statuses", self.account_statuses),
            ("GET", r"/api/v1/instance/?", self.instance_v1),
            ("GET", r"/api/v2/instance/?", self.instance_v2),
            ("POST", r"/api/v(1|2)/media", self.upload),
            ("GET", r"/api/v1/media/(\d+)", self.media_show),
            ("POST", r"/api/v1/statuses", self.create_status),
            ("GET", r"/api/v1/statuses/(\d+)", self.status_show),
            ("GET", r"/api/v1/statuses/(\d+)/source", self.status_source),
            ("GET", r"/api/v1/statuses/(\d+)/context", self.status_context),
            ("GET", r"/api/v1/notifications", self.notifications),
            ("GET", r"/api/v1/notifications/(\d+)", self.notification_show),
            ("GET", r"/system/media_attachments/files/(\d+)/\w+/[\w.]+", self.media_file),
        ]  # fmt: skip

    # --- apps and OAuth ----------------------------------------------------------------

    def create_app(self, req: Request) -> Response:
        name = req.param("client_name").strip()
        if not name:
            return err(422, "Validation failed: Application name can't be blank")
        scopes = (req.param("scopes") or "read").split()
        if any(s not in _VALID_SCOPES for s in scopes):
            return err(422, "Validation failed: Scopes doesn't match configured on the server.")
        uris = req.param("redirect_uris", "urn:ietf:wg:oauth:2.0:oob").split()
        if any(u != "urn:ietf:wg:oauth:2.0:oob" and not urlsplit(u).scheme for u in uris):
            return err(422, "Validation failed: Redirect URI must be a valid URI.")
        app: dict[str, Any] = {
            "id": str(len(self.apps) + 1), "name": name, "website": req.param("website") or None,
            "scopes": scopes, "redirect_uris": uris, "vapid_key": E.VAPID_KEY,
            "client_id": secrets.token_urlsafe(32), "client_secret": secrets.token_urlsafe(32),
        }  # fmt: skip
        with self.lock:
            self.apps[app["client_id"]] = app
        return Response(200, E.registered_app(app))

    def oauth_authorize(self, req: Request) -> Response:
        app = self.apps.get(req.param("client_id"))
        redirect = req.param("redirect_uri")
        if app is None or redirect not in app["redirect_uris"]:
            reason = INVALID_CLIENT if app is None else "The redirect uri included is not valid."
            page = f"<h1>An error has occurred</h1><p>{reason}</p>"
            return Response(400, page, content_type="text/html; charset=utf-8")
        scopes = (req.param("scope") or "read").split()
        answer: dict[str, str] = {}
        if not set(scopes) <= set(app["scopes"]):
            answer = {"error": "invalid_scope", "error_description":
                      "The requested scope is invalid, unknown, or malformed."}  # fmt: skip
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "client_id": app["client_id"], "account_id": self.signed_in, "scopes": scopes,
                "redirect_uri": redirect, "at": time.time(),
            }  # fmt: skip
            answer = {"code": code}
            if redirect == "urn:ietf:wg:oauth:2.0:oob":  # the code is shown to the person
                page = f'<input class="oauth-code" readonly type="text" value="{code}">'
                return Response(200, page, content_type="text/html; charset=utf-8")
        if req.param("state"):
            answer["state"] = req.param("state")
        sep = "&" if "?" in redirect else "?"
        return Response(302, b"", {"Location": redirect + sep + urlencode(answer)})

    def _client(self, req: Request) -> dict[str, Any] | None:
        client_id, secret = req.param("client_id"), req.param("client_secret")
        basic = req.headers.get("authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        app = self.apps.get(client_id)
        return (
            app
            if app is not None and secrets.compare_digest(app["client_secret"], secret)
            else None
        )

    def oauth_token(self, req: Request) -> Response:
        app = self._client(req)
        if app is None:
            return Response(401, {"error": "invalid_client", "error_description": INVALID_CLIENT})
        grant = req.param("grant_type")
        if grant == "client_credentials":
            scopes = (req.param("scope") or "read").split()
            token, scope = self._token("", app["client_id"], scopes), " ".join(scopes)
        elif grant == "authorization_code":
            with self.lock:
                code = self.codes.pop(req.param("code"), None)  # a code is used once
            if (
                code is None or code["client_id"] != app["client_id"]
                or code["redirect_uri"] != req.param("redirect_uri")
                or time.time() - code["at"] > 600
            ):  # fmt: skip
                return Response(400, {"error": "invalid_grant", "error_description": INVALID_GRANT})
            token = self._token(code["account_id"], app["client_id"], code["scopes"])
            scope = " ".join(code["scopes"])
        else:
            return Response(
                400, {"error": "unsupported_grant_type", "error_description": UNSUPPORTED}
            )
        return Response(200, {"access_token": token, "token_type": "Bearer", "scope": scope,
                              "created_at": self.tokens[token]["created_at"]})  # fmt: skip

    def oauth_revoke(self, req: Request) -> Response:
        app = self._client(req)
        tok = self.tokens.get(req.param("token"))
        if app is not None and tok is not None and tok["client_id"] == app["client_id"]:
            tok["revoked"] = True
        return Response(200, {})  # RFC 7009: the same answer whether or not it existed

    # --- accounts and instance ---------------------------------------------------------

    def _account_json(self, acct_id: str, source: bool = False) -> dict[str, Any]:
        count = sum(1 for s in list(self.posts.values()) if s["account_id"] == acct_id)
        return E.account(self.accounts[acct_id], self.base_url, count, source)

    def verify_credentials(self, req: Request) -> Response:
        me = self._me(req, "read:accounts")
        if isinstance(me, Response):
            return me
        return Response(200, self._account_json(me["id"], source=True))

    def instance_v2(self, req: Request) -> Response:
        domain = urlsplit(self.base_url).netloc
        contact = self._account_json(next(iter(self.accounts)))
        return Response(200, E.instance_v2(self.base_url, domain, self.max_chars, contact))

    def instance_v1(self, req: Request) -> Response:
        domain = urlsplit(self.base_url).netloc
        contact = self._account_json(next(iter(self.accounts)))
        counts = (len(self.accounts), len(self.posts))
        return Response(200, E.instance_v1(self.base_url, domain, self.max_chars, contact, counts))

    # --- persistence for the demo ------------------------------------------------------

    def _save_state(self) -> None:
        if self.state_file:
            self._save(self.state_file)

    def _save(self, path: Path) -> None:
        with self.lock:
            media = {
                k: {**v, "blob": base64.b64encode(v["blob"]).decode()}
                for k, v in self.media.items()
            }
            state = {
                "apps": self.apps, "tokens": self.tokens, "accounts": self.accounts,
                "media": media, "posts": self.posts, "idempotency": self.idempotency,
                "notes": self.notes,
            }  # fmt: skip
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.replace(path)

    def _load(self, path: Path) -> None:
        state = json.loads(path.read_text())
        for name in ("apps", "tokens", "accounts", "posts", "idempotency", "notes"):
            setattr(self, name, state.get(name, {}))
        self.media = {
            k: {**v, "blob": base64.b64decode(v["blob"])} for k, v in state.get("media", {}).items()
        }


def serve(port: int, state_file: Path | None = None, max_chars: int = 500) -> None:
    double = MastodonDouble(max_chars=max_chars, state_file=state_file).start(port)
    print(f"Mastodon double on {double.base_url} (account @kaupunki)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        double.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A stand-in Mastodon server.")
    parser.add_argument("--port", type=int, default=3001)
    parser.add_argument("--state", type=Path, default=None, help="keep state in this JSON file")
    parser.add_argument("--max-chars", type=int, default=500)
    args = parser.parse_args()
    serve(args.port, args.state, args.max_chars)
