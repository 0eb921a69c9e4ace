"""What can go wrong when talking to a platform, as the publishing engine must treat it.

``kind`` is a short code from ``KINDS`` that the interface translates; ``detail`` keeps the
platform's own words (usually English) for the delivery record.
"""

from __future__ import annotations

from typing import Any

KINDS = (
    "rate_limited",  # Transient
    "unavailable",  # Transient: 5xx, connection refused
    "token_expired",  # AuthExpired
    "permission_missing",  # AuthExpired: the token lacks a scope / the page role was removed
    "account_gone",  # AuthExpired: deleted, suspended or disconnected account
    "duplicate",  # Rejected: the platform refuses the same content twice
    "media_rejected",  # Rejected: type, size, dimensions or processing failed
    "too_long",  # Rejected
    "content_rejected",  # Rejected: anything else the platform says about the content
    "not_connected",  # AuthExpired: no credentials stored
    "timeout",  # UnknownOutcome
    "unknown",  # UnknownOutcome
)


class ConnectorError(Exception):
    kind = "unknown"

    def __init__(
        self,
        detail: str = "",
        *,
        kind: str | None = None,
        status: int | None = None,
        code: str | int | None = None,
        raw: Any = None,
    ) -> None:
        super().__init__(detail or self.__class__.__name__)
        self.detail = detail
        if kind is not None:
            self.kind = kind
        self.status = status
        self.code = code
        self.raw = raw

    def summary(self) -> dict[str, Any]:
        """What goes into the delivery record: small, no tokens."""
        return {
            "error": self.__class__.__name__,
            "kind": self.kind,
            "status": self.status,
            "code": self.code,
            "detail": str(self.detail)[:1000],
        }


class Transient(ConnectorError):
    """Try again later (rate limit, 5xx). ``retry_after`` in seconds when the platform said."""

    kind = "unavailable"

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after = retry_after

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "retry_after": self.retry_after}


class AuthExpired(ConnectorError):
    """The credentials no longer work: stop the channel's queue, tell its owner and IT."""

    kind = "token_expired"


class Rejected(ConnectorError):
    """The platform refused this content; sending it again as it is will not help."""

    kind = "content_rejected"


class UnknownOutcome(ConnectorError):
    """The request may have gone through (timeout after sending): never resend blindly."""

    kind = "unknown"


class LookupUnsupported(ConnectorError):
    """The platform cannot find a post by our idempotency key; a person must check."""
