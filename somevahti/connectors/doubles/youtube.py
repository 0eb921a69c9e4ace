"""A stateful YouTube Data API v3 and Google token endpoint, reached through httplib2-shaped
transports so the real ``googleapiclient`` and ``google-auth`` code runs unchanged.

Built from the discovery document that ships with google-api-python-client
(``discovery_cache/documents/youtube.v3.json``): its paths and parameters, the resource shapes
(``youtube_resources.py``) and Google's error body
``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}``.

It speaks the resumable upload protocol (POST ``uploadType=resumable`` → 200 + Location; PUT
chunks with Content-Range → 308 + Range, the last → 200 Video; non-final chunks must be
multiples of 256 KiB), multipart captions.insert, the list methods, token grants, refreshes and
revocation, and the scopes each method needs. Simplification: a file is "processed" at once;
one that does not begin with an ISO BMFF ``ftyp`` box comes back with ``status.uploadStatus``
"failed" (YouTube reports that later, when processing ends).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from googleapiclient.http import HttpMock

from somevahti.connectors.doubles.youtube_resources import (
    CAPTION_FORBIDDEN,
    QUOTA,
    SCOPE_MISSING,
    YT,
    Answer,
    answer,
    caption_resource,
    channel_resource,
    error_body,
    listing,
    new_id,
    only,
    playlist_item,
    unauthenticated,
    video_resource,
)

SCOPES = frozenset({YT + "youtube.upload", YT + "youtube.force-ssl"})
_FULL = {YT + "youtube", YT + "youtube.force-ssl", YT + "youtubepartner"}
NEEDS = {
    "youtube.videos.insert": _FULL | {YT + "youtube.upload"},
    "youtube.captions.insert": {YT + "youtube.force-ssl", YT + "youtubepartner"},
    "youtube.captions.list": {YT + "youtube.force-ssl", YT + "youtubepartner"},
}
READ = _FULL | {YT + "youtube.readonly"}  # the list methods with mine / the owner's ids
CHUNK_UNIT = 256 * 1024
INSERT = "youtube.videos.insert"


@dataclass
class Grant:
    channel: str
    scopes: frozenset[str]


@dataclass
class Upload:
    channel: str
    metadata: dict[str, Any]
    part: str
    total: int
    data: bytearray = field(default_factory=bytearray)


class DoubleHttp(HttpMock):  # type: ignore[misc]
    """One client's connection to the double (what ``httplib2.Http`` is to the real service)."""

    def __init__(self, double: YouTubeDouble) -> None:
        super().__init__(headers={"status": "200"})
        self.double = double

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        redirections: int = 1,
        connection_type: Any = None,
    ) -> Answer:
        if hasattr(body, "read"):  # chunks arrive as a slice of the open file
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        return self.double.handle(uri, method, body or b"", headers or {})


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


class YouTubeDouble:
    client_id = "1000-somevahti.apps.googleusercontent.com"
    client_secret = "double-client-secret"  # noqa: S105 - a test value, not a credential

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.channels: dict[str, dict[str, Any]] = {}
        self.playlists: dict[str, list[dict[str, Any]]] = {}  # uploads playlist, newest first
        self.videos: dict[str, dict[str, Any]] = {}
        self.media: dict[str, bytes] = {}
        self.captions: dict[str, dict[str, Any]] = {}
        self.caption_files: dict[str, bytes] = {}
        self.sessions: dict[str, Upload] = {}
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self.codes: dict[str, Grant] = {}
        self.dead: set[str] = set()
        self.failures: list[tuple[str, int, dict[str, Any]]] = []
        self.fail_processing = False
        self.lose_upload_answer = False  # the next finished upload's answer is lost (timeout)
        self.log: list[tuple[str, str]] = []  # (method id, HTTP method) of every request

    # --- control ---

    def http(self) -> DoubleHttp:
        return DoubleHttp(self)

    def add_channel(self, title: str, handle: str) -> str:
        channel = channel_resource(title, handle)
        self.channels[channel["id"]] = channel
        self.playlists[channel["contentDetails"]["relatedPlaylists"]["uploads"]] = []
        return str(channel["id"])

    def grant(self, channel_id: str, scopes: frozenset[str] = SCOPES) -> dict[str, str]:
        """Tokens as the token endpoint hands them out after consent."""
        access, refresh = "ya29." + new_id(24), "1//" + new_id(24)
        self.access[access] = self.refresh[refresh] = Grant(channel_id, scopes)
        return {"access_token": access, "refresh_token": refresh}

    def authorization_code(self, channel_id: str, scopes: frozenset[str] = SCOPES) -> str:
        code = "4/" + new_id(24)
        self.codes[code] = Grant(channel_id, scopes)
        return code

    def expire(self, token: str) -> None:
        """An access token past its hour, or a refresh token revoked or expired."""
        self.dead.add(token)

    def fail_next(
        self, method_id: str, code: int, reason: str, message: str, domain: str = "global"
    ) -> None:
        """Answer the next call of ``method_id`` (e.g. "youtube.videos.insert") with an error."""
        self.failures.append((method_id, code, error_body(code, reason, message, domain)))

    def force(self, situation: str) -> bool:
        if situation == "rate_limited":
            self.fail_next(INSERT, 403, "quotaExceeded", QUOTA, "youtube.quota")
        elif situation == "unavailable":
            self.fail_next(INSERT, 503, "backendError", "Backend Error")
        elif situation == "permission_missing":
            self.fail_next(INSERT, 403, "insufficientPermissions", SCOPE_MISSING)
        elif situation == "token_expired":  # the user removed the access: every token dies
            self.dead.update(self.access, self.refresh)
        elif situation == "media_rejected":
            self.fail_processing = True
        else:  # "duplicate": YouTube takes the same upload twice
            return False
        return True

    def seed_upload(self, channel_id: str, title: str, data: bytes) -> str:
        """A finished upload made some other way (YouTube Studio, another tool)."""
        with self.lock:
            return str(self._create(channel_id, {"snippet": {"title": title}}, data)["id"])

    def count_with_text(self, text: str) -> int:
        return sum(
            text in v["snippet"]["title"] or text in v["snippet"]["description"]
            for v in self.videos.values()
        )

    # --- the service ---

    def handle(self, uri: str, method: str, body: bytes, headers: dict[str, str]) -> Answer:
        url = urlsplit(uri)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        heads = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            if url.path == "/token":
                self.log.append(("token", method))
                return self._token({k: v[-1] for k, v in parse_qs(body.decode()).items()})
            if method == "PUT":  # the session address itself authorises the chunks
                self.log.append((INSERT + ":chunk", method))
                return self._chunk(query.get("upload_id", ""), body, heads)
            name = url.path.rsplit("/", 1)[-1]
            verb = "insert" if method == "POST" else "list"
            method_id = f"youtube.{name}.{verb}"
            self.log.append((method_id, method))
            token = heads.get("authorization", "").removeprefix("Bearer ").strip()
            grant = self.access.get(token)
            if grant is None or token in self.dead:
                return unauthenticated()
            if not grant.scopes & NEEDS.get(method_id, READ):
                return answer(403, error_body(403, "insufficientPermissions", SCOPE_MISSING))
            for i, (mid, code, err) in enumerate(self.failures):
                if mid == method_id:
                    del self.failures[i]
                    return answer(code, err)
            handler = getattr(self, f"_{name}_{verb}", None)
            if handler is None:
                return answer(404, error_body(404, "notFound", f"No double for {method_id}."))
            result: Answer = handler(grant, query, body, heads, uri)
            return result

    def _token(self, form: dict[str, str]) -> Answer:
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return answer(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
            if grant is None:
                return answer(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            tokens = self.grant(grant.channel, grant.scopes)
        elif grant_type == "refresh_token":
            token = form.get("refresh_token", "")
            grant = self.refresh.get(token)
            if grant is None or token in self.dead:
                why = "Token has been expired or revoked."
                return answer(400, {"error": "invalid_grant", "error_description": why})
            tokens = {"access_token": "ya29." + new_id(24)}
            self.access[tokens["access_token"]] = grant
        else:
            why = f"Invalid grant_type: {grant_type}"
            return answer(400, {"error": "unsupported_grant_type", "error_description": why})
        scope = " ".join(sorted(grant.scopes))
        return answer(200, {**tokens, "expires_in": 3599, "scope": scope, "token_type": "Bearer"})

    def _videos_insert(
        self, grant: Grant, query: dict[str, str], body: bytes, heads: dict[str, str], uri: str
    ) -> Answer:
        if query.get("uploadType") != "resumable" or "x-upload-content-length" not in heads:
            msg = "The request does not include the video content."
            return answer(400, error_body(400, "mediaBodyRequired", msg, "youtube.video"))
        meta = json.loads(body or b"{}")
        snippet = meta.get("snippet", {})
        title, text = str(snippet.get("title", "")), str(snippet.get("description", ""))
        if not title.strip() or len(title) > 100 or re.search("[<>]", title):
            msg = "The request metadata specifies an invalid or empty video title."
            return answer(400, error_body(400, "invalidTitle", msg, "youtube.video"))
        if len(text.encode()) > 5000 or re.search("[<>]", text):
            msg = "The request metadata specifies an invalid video description."
            return answer(400, error_body(400, "invalidDescription", msg, "youtube.video"))
        upload_id = new_id(32)
        total = int(heads["x-upload-content-length"])
        self.sessions[upload_id] = Upload(grant.channel, meta, query.get("part", ""), total)
        return answer(200, None, location=f"{uri}&upload_id={upload_id}")

    def _chunk(self, upload_id: str, body: bytes, heads: dict[str, str]) -> Answer:
        session = self.sessions.get(upload_id)
        if session is None:
            return answer(404, error_body(404, "notFound", "Upload session not found."))
        got = len(session.data)
        span = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", heads.get("content-range", ""))
        received = {"range": f"bytes=0-{got - 1}"} if got else {}
        if span is None or int(span[1]) != got:  # a status query, or bytes out of order
            return answer(308, None, **received)
        first, end = int(span[1]), int(span[2])
        last = end + 1 == session.total
        if len(body) != end - first + 1 or (not last and len(body) % CHUNK_UNIT):
            msg = "Invalid request. Chunk sizes must be multiples of 256 KiB."
            return answer(400, error_body(400, "badContent", msg))
        session.data += body
        if not last:
            return answer(308, None, range=f"bytes=0-{len(session.data) - 1}")
        del self.sessions[upload_id]
        video = self._create(session.channel, session.metadata, bytes(session.data))
        if self.lose_upload_answer:  # the video exists; its answer never arrives
            self.lose_upload_answer = False
            raise TimeoutError("timed out")
        return answer(200, only(video, session.part))

    def _create(self, channel_id: str, metadata: dict[str, Any], data: bytes) -> dict[str, Any]:
        channel = self.channels[channel_id]
        processed = data[4:8] == b"ftyp" and not self.fail_processing
        self.fail_processing = False
        video = video_resource(channel, metadata, processed)
        self.videos[video["id"]] = video
        self.media[video["id"]] = data
        uploads = self.playlists[channel["contentDetails"]["relatedPlaylists"]["uploads"]]
        for item in uploads:
            item["snippet"]["position"] += 1
        uploads.insert(0, playlist_item(channel, video))
        return video

    def _captions_insert(
        self, grant: Grant, query: dict[str, str], body: bytes, heads: dict[str, str], uri: str
    ) -> Answer:
        head = f"Content-Type: {heads.get('content-type', '')}\r\n\r\n".encode()
        parts = list(BytesParser(policy=policy.HTTP).parsebytes(head + body).iter_parts())
        if query.get("uploadType") not in ("multipart", "resumable") or len(parts) != 2:
            msg = "The caption track content is missing."
            return answer(400, error_body(400, "contentRequired", msg, "youtube.caption"))
        snippet = json.loads(_payload(parts[0]) or b"{}").get("snippet", {})
        content = _payload(parts[1])
        video = self.videos.get(snippet.get("videoId", ""))
        if video is None:
            msg = "The video identified by the videoId parameter could not be found."
            return answer(404, error_body(404, "videoNotFound", msg, "youtube.caption"))
        if video["snippet"]["channelId"] != grant.channel:
            return answer(403, error_body(403, "forbidden", CAPTION_FORBIDDEN, "youtube.caption"))
        if not snippet.get("language") or "name" not in snippet:
            msg = "The caption track metadata is invalid."
            return answer(400, error_body(400, "invalidMetadata", msg, "youtube.caption"))
        track = caption_resource(video["id"], snippet, content)
        self.captions[track["id"]] = track
        self.caption_files[track["id"]] = content
        return answer(200, only(track, query.get("part", "")))

    def _channels_list(self, grant: Grant, query: dict[str, str], *_: Any) -> Answer:
        ids = query.get("id", "").split(",") if "id" in query else []
        found = [grant.channel] if query.get("mine") == "true" else ids
        items = [only(self.channels[c], query["part"]) for c in found if c in self.channels]
        return answer(200, listing("channel", items))

    def _playlistItems_list(self, grant: Grant, query: dict[str, str], *_: Any) -> Answer:  # noqa: N802
        items = self.playlists.get(query.get("playlistId", ""))
        if items is None:
            msg = "The playlist identified with the request's playlistId parameter cannot be found."
            return answer(404, error_body(404, "playlistNotFound", msg, "youtube.playlistItem"))
        size = min(int(query.get("maxResults", 5)), 50)  # 5 is the API's default
        start = int(base64.urlsafe_b64decode(query.get("pageToken", "MA==")))  # opaque offset
        page = [only(i, query["part"]) for i in items[start : start + size]]
        following = start + size
        token = base64.urlsafe_b64encode(str(following).encode()).decode()
        next_page = token if following < len(items) else ""
        return answer(200, listing("playlistItem", page, len(items), next_page))

    def _videos_list(self, grant: Grant, query: dict[str, str], *_: Any) -> Answer:
        ids = [i for i in query.get("id", "").split(",") if i in self.videos][:50]
        return answer(200, listing("video", [only(self.videos[i], query["part"]) for i in ids]))

    def _captions_list(self, grant: Grant, query: dict[str, str], *_: Any) -> Answer:
        video_id = query.get("videoId")
        tracks = [c for c in self.captions.values() if c["snippet"]["videoId"] == video_id]
        return answer(200, listing("caption", [only(c, query["part"]) for c in tracks]))
