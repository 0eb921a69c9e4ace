"""How YouTube's answers map to the connector error taxonomy (``connectors/errors.py``).

Google APIs put the machine-readable cause in ``error.errors[0].reason``; the HTTP status alone
does not tell a spent daily quota (403) from a missing scope (403).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    Rejected,
    Transient,
    UnknownOutcome,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
AUTH_REASONS = frozenset({"authError", "invalidCredentials", "unauthorized"})
PERMISSION_REASONS = frozenset({"forbidden", "insufficientPermissions", "accessNotConfigured"})
GONE_REASONS = frozenset(
    {
        "authenticatedUserAccountClosed",
        "authenticatedUserAccountSuspended",
        "authenticatedUserNotChannel",
        "channelClosed",
        "channelSuspended",
        "youtubeSignupRequired",
    }
)
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
MEDIA_REASONS = frozenset({"mediaBodyRequired", "invalidFilename"})
UNAVAILABLE_REASONS = frozenset({"backendError", "internalError"})


def seconds_until_quota_reset(now: dt.datetime | None = None) -> float:
    """YouTube's daily quota resets at midnight Pacific time; a minute's slack on top."""
    here = (now or dt.datetime.now(dt.UTC)).astimezone(PACIFIC)
    midnight = dt.datetime.combine(here.date() + dt.timedelta(days=1), dt.time(), tzinfo=PACIFIC)
    # Subtract in UTC: aware datetimes sharing one tzinfo subtract as wall time (wrong on DST days).
    return (midnight.astimezone(dt.UTC) - here.astimezone(dt.UTC)).total_seconds() + 60


def _retry_after(resp: Any) -> float | None:
    try:
        return float(resp.get("retry-after"))
    except (TypeError, ValueError):
        return None


def from_http_error(e: HttpError) -> ConnectorError:
    """Map an API error by its ``error.errors[0].reason`` (and the status when there is none)."""
    status = int(e.resp.status)
    try:
        error = json.loads(e.content.decode("utf-8"))["error"]
        # The quota message carries a link as HTML: keep the words.
        message = re.sub(r"<[^>]+>", "", str(error.get("message", "")))
        reason = str((error.get("errors") or [{}])[0].get("reason", ""))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        message, reason = e.content.decode("utf-8", "replace")[:500], ""
    detail = message or str(e.resp.reason or status)
    kw: dict[str, Any] = {"status": status, "code": reason or status}
    if reason in QUOTA_REASONS:
        return Transient(detail, kind="rate_limited", retry_after=seconds_until_quota_reset(), **kw)
    if reason in RATE_REASONS or status == 429:
        # Per-minute limits, not the daily quota: a short wait, not until midnight.
        return Transient(detail, kind="rate_limited", retry_after=_retry_after(e.resp) or 60, **kw)
    if reason in GONE_REASONS:
        return AuthExpired(detail, kind="account_gone", **kw)
    if reason in AUTH_REASONS or status == 401:
        return AuthExpired(detail, kind="token_expired", **kw)
    if reason in PERMISSION_REASONS:
        return AuthExpired(detail, kind="permission_missing", **kw)
    if reason in MEDIA_REASONS:
        return Rejected(detail, kind="media_rejected", **kw)
    if reason in UNAVAILABLE_REASONS or status >= 500:
        return Transient(detail, kind="unavailable", retry_after=_retry_after(e.resp), **kw)
    if status == 403:
        return AuthExpired(detail, kind="permission_missing", **kw)
    # uploadLimitExceeded (the channel's daily uploads: a person decides), invalidTitle,
    # invalidDescription, invalidVideoMetadata, invalidTags, ...
    return Rejected(detail, kind="content_rejected", **kw)


@contextmanager
def translated(sending: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Translate what the SDK raises. ``sending()``: the failed request may have created the
    video, so a lost answer is an unknown outcome rather than a retryable failure."""
    try:
        yield
    except HttpError as e:
        raise from_http_error(e) from e
    except RefreshError as e:
        detail = str(e.args[0]) if e.args else "The token could not be refreshed."
        if e.retryable:
            raise Transient(detail, kind="unavailable") from e
        raise AuthExpired(detail, kind="token_expired", code="refresh") from e
    except TransportError as e:  # the token endpoint could not be reached
        raise Transient(str(e), kind="unavailable") from e
    except (ConnectionRefusedError, httplib2.ServerNotFoundError) as e:  # nothing was sent
        raise Transient(str(e) or type(e).__name__, kind="unavailable") from e
    except (OSError, httplib2.HttpLib2Error) as e:  # timeouts, resets
        detail = f"{type(e).__name__}: {e}"
        if sending():
            raise UnknownOutcome(detail, kind="timeout") from e
        raise Transient(detail, kind="unavailable") from e
