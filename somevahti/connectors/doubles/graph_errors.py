"""Error answers of the Graph API double, shaped like Meta's.

Every error is ``{"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id"}}``
(Graph API guide "Handling Errors"). Sources for the individual bodies:

- 190/463 expired session, 190 unparsable token, 200/10 permissions, 100/33 unknown
  object, 506 duplicate status, 324 photo upload, 80001/80002 Business Use Case rate
  limits, 2 transient: the Graph API reference pages' "Error Codes" tables (Page feed,
  Photo, rate limiting overview) and the messages Graph returns for them.
- Instagram 36000/2207004 is the sample response of the Instagram Platform "Error Codes"
  reference verbatim; 9007/2207027 (not ready), 9004/2207052 (could not fetch) and
  9004/2207005 (format) use that table's subcodes with shortened messages.
- The rate-limit header is the documented ``X-Business-Use-Case-Usage`` shape:
  ``{object_id: [{type, call_count, total_cputime, total_time,
  estimated_time_to_regain_access (minutes)}]}``.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

RATE_DOCS = "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."


class GraphAnswer(Exception):  # noqa: N818 - an answer, not a failure of the double
    """An error answer the double gives instead of a result."""

    def __init__(self, status: int, error: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(error.get("message", ""))
        self.status = status
        self.body = {"error": {**error, "fbtrace_id": secrets.token_urlsafe(9)}}
        self.headers = headers or {}


def _oauth(code: int, message: str, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    return {**body, **extra}


def _meta_time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")


def expired(since: dt.datetime, now: dt.datetime) -> GraphAnswer:
    msg = (
        f"Error validating access token: Session has expired on {_meta_time(since)}. "
        f"The current time is {_meta_time(now)}."
    )
    return GraphAnswer(400, _oauth(190, msg, 463))


def bad_token() -> GraphAnswer:
    return GraphAnswer(400, _oauth(190, "Invalid OAuth access token - Cannot parse access token"))


def no_permission(instagram: bool) -> GraphAnswer:
    if instagram:
        return GraphAnswer(
            403, _oauth(10, "(#10) Application does not have permission for this action")
        )
    msg = "(#200) The user hasn't authorized the application to perform this action"
    return GraphAnswer(403, _oauth(200, msg))


def rate_limited(instagram: bool, object_id: str, minutes: int) -> GraphAnswer:
    who = "Instagram" if instagram else "Page"
    code = 80002 if instagram else 80001
    msg = (
        f"(#{code}) There have been too many calls to this {who} account. Wait a bit and "
        f"try again. For more info, please refer to {RATE_DOCS}"
    )
    usage = {
        object_id: [
            {
                "type": "instagram" if instagram else "pages",
                "call_count": 100,
                "total_cputime": 11,
                "total_time": 14,
                "estimated_time_to_regain_access": minutes,
            }
        ]
    }
    headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
    return GraphAnswer(400, _oauth(code, msg), headers)


def unavailable() -> GraphAnswer:
    msg = "An unexpected error has occurred. Please retry your request later."
    return GraphAnswer(500, _oauth(2, msg, is_transient=True))


def duplicate() -> GraphAnswer:
    return GraphAnswer(400, _oauth(506, "(#506) Duplicate status message"))


def bad_photo() -> GraphAnswer:
    return GraphAnswer(400, _oauth(324, "(#324) Missing or invalid image file"))


def ig_too_large() -> GraphAnswer:
    return GraphAnswer(
        400,
        _oauth(
            36000,
            "The image size is too large.",
            2207004,
            is_transient=False,
            error_user_title="Image size too large",
            error_user_msg="The image is too large to download. It should be less than 8 MiB.",
        ),
    )


def ig_unfetchable(url: str) -> GraphAnswer:
    return GraphAnswer(
        400,
        _oauth(
            9004,
            "Only photo or video can be accepted as media type.",
            2207052,
            is_transient=False,
            error_user_title="Media download has failed.",
            error_user_msg=f"The media could not be fetched from this URI: {url}.",
        ),
    )


def ig_format() -> GraphAnswer:
    return GraphAnswer(
        400,
        _oauth(
            9004,
            "The image format is not supported.",
            2207005,
            is_transient=False,
            error_user_title="Unsupported format",
            error_user_msg="The image format is not supported. Supported formats are: JPEG.",
        ),
    )


def ig_not_ready() -> GraphAnswer:
    return GraphAnswer(
        400,
        _oauth(
            9007,
            "Media ID is not available",
            2207027,
            is_transient=False,
            error_user_title="Media not ready for publishing",
            error_user_msg="The media is not ready for publishing, please wait for a moment",
        ),
    )


def unknown_object(object_id: str, method: str = "get") -> GraphAnswer:
    msg = (
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation."
    )
    return GraphAnswer(400, {**_oauth(100, msg, 33), "type": "GraphMethodException"})


def invalid_parameter(message: str) -> GraphAnswer:
    return GraphAnswer(400, _oauth(100, f"(#100) {message}"))
