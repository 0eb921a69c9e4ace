"""Mastodon.py's errors mapped onto the connector taxonomy (``connectors.errors``).

Bodies and statuses come from Mastodon: ``{"error": …}`` of Api::BaseController and
Doorkeeper (401 "The access token is invalid" / "… was revoked", 403 "This action is
outside the authorized scopes", 403 "Your login is currently disabled"), 422 validation
messages, and rack-attack's 429 with ``X-RateLimit-Reset`` (an ISO 8601 time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from mastodon.errors import (
    MastodonAPIError,
    MastodonIllegalArgumentError,
    MastodonIOError,
    MastodonNetworkError,
    MastodonRatelimitError,
)

from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    Rejected,
    Transient,
    UnknownOutcome,
)

RATE_LIMIT_PERIOD = 300.0  # Mastodon's API throttles count per 5 minutes (rack_attack.rb)


class Seen:
    """The last HTTP response of one client: Mastodon.py's errors drop headers and, for a
    429, the body, which we need for ``retry_after`` and the platform's own words."""

    def __init__(self) -> None:
        self.response: requests.Response | None = None

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self.response = response
        return response

    def error_text(self) -> str:
        r = self.response
        if r is None:
            return ""
        try:
            body = r.json()
        except ValueError:
            return f"{r.status_code} {r.reason}"
        if isinstance(body, dict):
            return str(body.get("error_description") or body.get("error") or "")
        return ""

    def retry_after(self) -> float:
        r = self.response
        if r is not None:
            if r.headers.get("Retry-After", "").isdigit():
                return max(1.0, float(r.headers["Retry-After"]))
            reset = reset_time(r.headers.get("X-RateLimit-Reset", ""))
            if reset is not None:
                now = dt.datetime.now(dt.UTC)
                with contextlib.suppress(TypeError, ValueError):  # the server's clock, not ours
                    now = parsedate_to_datetime(r.headers.get("Date", ""))
                return max(1.0, (reset - now).total_seconds())
        return RATE_LIMIT_PERIOD  # no header: the longest a Mastodon window lasts


def reset_time(value: str) -> dt.datetime | None:
    if not value:
        return None
    if value.isdigit():  # some servers (GoToSocial) send epoch seconds
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def sent(cause: BaseException | None) -> bool:
    """Whether a failed request may have reached the server (then the outcome is unknown)."""
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        reason = getattr(cause.args[0], "reason", cause.args[0])
        name = type(reason).__name__
        return name not in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError")
    return True


def map_error(e: Exception, seen: Seen, *, stage: str) -> ConnectorError:
    """Map a Mastodon.py error; ``stage`` is "status" (the post itself), "media" or "read"."""
    if isinstance(e, MastodonNetworkError):
        cause = e.__context__
        if stage == "status" and sent(cause):
            kind = "timeout" if isinstance(cause, requests.exceptions.Timeout) else "unknown"
            return UnknownOutcome(str(e), kind=kind)
        return Transient(str(e), kind="unavailable")
    if isinstance(e, MastodonRatelimitError):
        detail = seen.error_text() or str(e)
        return Transient(detail, kind="rate_limited", status=429, retry_after=seen.retry_after())
    if isinstance(e, (MastodonIOError, MastodonIllegalArgumentError)):
        return Rejected(str(e), kind="media_rejected" if stage == "media" else None)
    if not isinstance(e, MastodonAPIError) or len(e.args) < 2:
        return UnknownOutcome(str(e)) if stage == "status" else Transient(str(e))
    status = int(e.args[1]) if str(e.args[1]).isdigit() else 0
    detail = str(e.args[3] if len(e.args) > 3 and e.args[3] else seen.error_text() or e)
    low = detail.lower()
    kw: dict[str, Any] = {"status": status, "raw": seen.error_text()}
    if status == 429:
        return Transient(detail, kind="rate_limited", retry_after=seen.retry_after(), **kw)
    if status >= 500:
        return Transient(detail, kind="unavailable", **kw)
    if status == 401:
        return AuthExpired(detail, kind="token_expired", **kw)
    if status == 403 and "scope" in low:
        return AuthExpired(detail, kind="permission_missing", **kw)
    if (status == 403 and low.startswith("your login")) or status == 410:
        return AuthExpired(detail, kind="account_gone", **kw)  # disabled or suspended
    if status == 422 and "not finished processing" in low:
        return Transient(detail, kind="unavailable", **kw)
    if status == 422 and "character limit" in low:
        return Rejected(detail, kind="too_long", **kw)
    if stage == "media" or (status == 422 and ("file" in low or "media" in low)):
        return Rejected(detail, kind="media_rejected", **kw)
    return Rejected(detail, kind="content_rejected", **kw)
