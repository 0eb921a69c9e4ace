"""The YouTube double's resources and answers, shaped after the schemas of the discovery
document shipped with google-api-python-client (Channel, Video, PlaylistItem, Caption, the
list responses) and Google's JSON error body."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
from typing import Any

import httplib2

YT = "https://www.googleapis.com/auth/"
QUOTA = (
    "The request cannot be completed because you have exceeded your "
    '<a href="/youtube/v3/getting-started#quota">quota</a>.'
)
AUTH = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential."
)
SCOPE_MISSING = "Request had insufficient authentication scopes."
CAPTION_FORBIDDEN = (
    "The permissions associated with the request are not sufficient to upload the caption track."
)
Answer = tuple[httplib2.Response, bytes]


def error_body(code: int, reason: str, message: str, domain: str = "global") -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


def unauthenticated() -> Answer:
    body = error_body(401, "authError", AUTH)
    body["error"]["errors"][0].update(location="Authorization", locationType="header")
    body["error"]["status"] = "UNAUTHENTICATED"
    return answer(401, body, **{"www-authenticate": 'Bearer realm="https://accounts.google.com/"'})


def answer(status: int, body: Any = None, **headers: str) -> Answer:
    content = b"" if body is None else json.dumps(body).encode()
    head = {"status": str(status), "content-type": "application/json; charset=UTF-8", **headers}
    return httplib2.Response(head), content


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id(n: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(n)).decode().rstrip("=")


def only(resource: dict[str, Any], part: str) -> dict[str, Any]:
    """A resource carries kind, etag, id and only the parts asked for."""
    keep = {"kind", "etag", "id", *part.split(",")}
    return {k: v for k, v in resource.items() if k in keep}


def listing(
    kind: str, items: list[dict[str, Any]], total: int | None = None, next_page: str = ""
) -> dict[str, Any]:
    etag = new_id(18)
    body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "etag": etag, "items": items}
    if kind != "caption":  # CaptionListResponse has no pageInfo in the schema
        count = len(items) if total is None else total
        body["pageInfo"] = {"totalResults": count, "resultsPerPage": len(items)}
    if next_page:
        body["nextPageToken"] = next_page
    return body


def is_captions(content: bytes) -> bool:
    text = content.decode("utf-8-sig", "replace").lstrip()
    srt = re.match(r"\d+\s*\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{3} --> ", text)
    return text.startswith("WEBVTT") or srt is not None


def channel_resource(title: str, handle: str) -> dict[str, Any]:
    channel_id = "UC" + new_id(16)[:22]
    return {
        "kind": "youtube#channel",
        "etag": new_id(18),
        "id": channel_id,
        "snippet": {
            "title": title,
            "description": "",
            "customUrl": handle,
            "publishedAt": now(),
            "localized": {"title": title, "description": ""},
        },
        # A channel's uploads playlist is its id with "UU" for "UC".
        "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": "UU" + channel_id[2:]}},
    }


def video_resource(
    channel: dict[str, Any], metadata: dict[str, Any], processed: bool
) -> dict[str, Any]:
    snippet, status = metadata.get("snippet", {}), metadata.get("status", {})
    title, text = snippet["title"], snippet.get("description", "")
    kids = bool(status.get("selfDeclaredMadeForKids", False))
    languages = ("defaultLanguage", "defaultAudioLanguage")
    return {
        "kind": "youtube#video",
        "etag": new_id(18),
        "id": new_id(9)[:11],
        "snippet": {
            "publishedAt": now(),
            "channelId": channel["id"],
            "title": title,
            "description": text,
            "channelTitle": channel["snippet"]["title"],
            "tags": list(snippet.get("tags", [])),
            "categoryId": snippet.get("categoryId", "22"),
            "liveBroadcastContent": "none",
            "localized": {"title": title, "description": text},
            **{k: snippet[k] for k in languages if k in snippet},
        },
        "status": {
            "uploadStatus": "uploaded" if processed else "failed",
            **({} if processed else {"failureReason": "invalidFile"}),
            "privacyStatus": status.get("privacyStatus", "public"),
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            "madeForKids": kids,
            "selfDeclaredMadeForKids": kids,
        },
    }


def playlist_item(channel: dict[str, Any], video: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "youtube#playlistItem",
        "etag": new_id(18),
        "id": new_id(36),
        "snippet": {
            "publishedAt": video["snippet"]["publishedAt"],
            "channelId": channel["id"],
            "title": video["snippet"]["title"],
            "description": video["snippet"]["description"],
            "channelTitle": channel["snippet"]["title"],
            "playlistId": channel["contentDetails"]["relatedPlaylists"]["uploads"],
            "position": 0,
            "resourceId": {"kind": "youtube#video", "videoId": video["id"]},
            "videoOwnerChannelTitle": channel["snippet"]["title"],
            "videoOwnerChannelId": channel["id"],
        },
        "contentDetails": {
            "videoId": video["id"],
            "videoPublishedAt": video["snippet"]["publishedAt"],
        },
        "status": {"privacyStatus": video["status"]["privacyStatus"]},
    }


def caption_resource(video_id: str, snippet: dict[str, Any], content: bytes) -> dict[str, Any]:
    ok = is_captions(content)
    return {
        "kind": "youtube#caption",
        "etag": new_id(18),
        "id": new_id(33),
        "snippet": {
            "videoId": video_id,
            "lastUpdated": now(),
            "trackKind": "standard",
            "language": snippet["language"],
            "name": snippet["name"],
            "audioTrackType": "unknown",
            "isCC": False,
            "isLarge": False,
            "isEasyReader": False,
            "isDraft": bool(snippet.get("isDraft", False)),
            "isAutoSynced": False,
            "status": "serving" if ok else "failed",
            **({} if ok else {"failureReason": "unknownFormat"}),
        },
    }
