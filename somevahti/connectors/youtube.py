"""YouTube: one video per post with an optional captions track (YouTube Data API v3).

Idempotency: YouTube takes no idempotency key and accepts the same file twice, so the key is
recorded in the upload itself as the tag ``sv-<digest>`` (tags are not shown to viewers) and
``publish`` first looks for a video with that tag among the channel's uploads since
``post.created_at``; ``lookup`` is the same search. A finished upload can take a moment to show
in the uploads playlist; the engine never runs two attempts of one delivery at once, and a
retry comes later than that.

Accounts: Google access tokens last about an hour and are refreshed with the refresh token,
which has no time limit, so ``Connected.expires_at`` is None. A refresh token stops working when
the user removes the access, after six months unused, and after only 7 days while the Google
Cloud project's OAuth consent screen is in "Testing" publishing status: set the consent screen
to "In production" before connecting real channels. A refused refresh is ``AuthExpired``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import httplib2
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.http import MediaFileUpload

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
    key_digest,
)
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    Rejected,
    Transient,
    UnknownOutcome,
)
from somevahti.connectors.youtube_errors import translated

AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
# upload: videos.insert; force-ssl: captions.insert and reading the channel's uploads (lookup).
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.force-ssl",
)
TITLE_MAX = 100  # characters; counted in UTF-16 units, the stricter count
DESCRIPTION_MAX_BYTES = 5000  # UTF-8 bytes, not characters
# 22 "People & Blogs" is YouTube's own default category. 29 "Nonprofits & Activism" reads as
# advocacy, which a municipality's neutral public communication is not; Studio can change it.
CATEGORY_ID = "22"
CHUNK = 8 * MB  # the resumable protocol wants multiples of 256 KiB
LOOKBACK = dt.timedelta(minutes=10)  # clock skew between us and YouTube
LOOKUP_PAGES = 10  # 50 uploads a page
CAPTION_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English", "se": "Davvisámegiella"}
DEAD = frozenset({"failed", "rejected", "deleted"})


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def video_title(post: OutgoingPost) -> str:
    """The post's title, or its first line shortened to fit when it has none."""
    if post.title.strip():
        title = " ".join(post.title.split())
        if _utf16_len(title) > TITLE_MAX:
            raise Rejected(f"YouTube titles are at most {TITLE_MAX} characters.", kind="too_long")
        return title
    first = next((line.strip() for line in post.text.splitlines() if line.strip()), "")
    if not first:
        raise Rejected("A YouTube video needs a title.", kind="content_rejected")
    if _utf16_len(first) <= TITLE_MAX:
        return first
    cut = first[: TITLE_MAX - 1]
    while _utf16_len(cut) > TITLE_MAX - 1:
        cut = cut[:-1]
    head, _, _ = cut.rpartition(" ")
    return (head if len(head) > TITLE_MAX // 2 else cut).rstrip(" ,.;:–-") + "…"


def captions_format(path: Path) -> str | None:
    """ "srt", "vtt" or None, from the file's first lines (extensions lie)."""
    head = path.read_bytes()[:4096].decode("utf-8-sig", "replace").lstrip()
    if head.startswith("WEBVTT"):
        return "vtt"
    if re.match(r"\d+\s*\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{3} --> ", head):
        return "srt"
    return None


def watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _channel_handle(channel: dict[str, Any]) -> str:
    snippet = channel.get("snippet", {})
    return str(snippet.get("customUrl") or snippet.get("title") or channel.get("id", ""))


class YouTubeConnector(Connector):
    platform = "youtube"
    auth = "oauth"
    lookup_by_key = True
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=DESCRIPTION_MAX_BYTES,  # the real cap is bytes: checked again in publish
        max_images=0,
        max_videos=1,
        image_max_bytes=None,
        video_max_bytes=256 * 1024 * MB,  # 256 GB, the discovery document's maxSize
        image_types=frozenset(),
        media_required=True,
    )

    def __init__(self, transport: Callable[[], Any] | None = None, chunksize: int = CHUNK) -> None:
        if chunksize % (256 * 1024):
            raise ValueError("chunksize must be a multiple of 256 KiB")
        self._transport = transport or self._default_transport
        self.chunksize = chunksize

    @staticmethod
    def _default_transport() -> httplib2.Http:
        from django.conf import settings

        # Per socket operation, so a long upload is fine as long as bytes keep moving.
        seconds = (
            getattr(settings, "SOMEVAHTI_CONNECTOR_TIMEOUT", 60) if settings.configured else 60
        )
        return httplib2.Http(timeout=float(seconds))

    # --- connecting an account ---

    def authorize_url(self, app: OAuthApp, state: str) -> str:
        query = {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "scope": " ".join(app.scopes or SCOPES),
            "access_type": "offline",  # a refresh token, so posts go out while nobody is there
            "prompt": "consent",  # a refresh token on every reconnection, not just the first
            "include_granted_scopes": "true",
            "state": state,
        }
        return f"{AUTH_URI}?{urlencode(query)}"

    def exchange_code(self, app: OAuthApp, code: str, state: str = "") -> Connected:
        form = {
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": app.redirect_uri,
            "grant_type": "authorization_code",
        }
        with translated():
            resp, content = self._transport().request(
                TOKEN_URI,
                "POST",
                body=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        try:
            data = json.loads(content or b"{}")
        except ValueError:
            data = {}
        if resp.status >= 500:
            raise Transient(str(data or resp.status), kind="unavailable", status=resp.status)
        if resp.status != 200 or "access_token" not in data:
            detail = f"{data.get('error', resp.status)}: {data.get('error_description', '')}"
            raise AuthExpired(detail, kind="token_expired", status=resp.status)
        granted = set(str(data.get("scope", "")).split())
        missing = [s for s in SCOPES if s not in granted]
        if granted and missing:  # the consent screen lets people untick a scope
            raise AuthExpired(f"Access not granted: {' '.join(missing)}", kind="permission_missing")
        now = dt.datetime.now(dt.UTC)
        until = now + dt.timedelta(seconds=int(data.get("expires_in", 3600)))
        refresh = str(data.get("refresh_token", ""))
        credentials = {
            "access_token": data["access_token"],
            "refresh_token": refresh,
            "expires_at": until.isoformat(),
            "token_uri": TOKEN_URI,
            "client_id": app.client_id,
            "client_secret": app.client_secret,  # a refresh needs the app's credentials too
            "scopes": sorted(granted),
        }
        account = Account(platform=self.platform, credentials=credentials)
        with translated():
            found = self._service(account).channels().list(part="snippet", mine=True).execute()
        if not found.get("items"):
            raise AuthExpired("This Google account has no YouTube channel.", kind="account_gone")
        channel = found["items"][0]
        expires_at = None if refresh else until
        if data.get("refresh_token_expires_in"):  # time-limited access, when Google says so
            expires_at = now + dt.timedelta(seconds=int(data["refresh_token_expires_in"]))
        return Connected(
            Account(
                platform=self.platform,
                account_id=str(channel["id"]),
                handle=_channel_handle(channel),
                credentials=credentials,
            ),
            expires_at=expires_at,
        )

    # --- publishing ---

    def _service(self, account: Account) -> Any:
        creds = account.credentials
        if not creds.get("access_token") and not creds.get("refresh_token"):
            raise AuthExpired("No YouTube credentials stored.", kind="not_connected")
        expiry = None
        if creds.get("expires_at"):  # google-auth compares naive UTC
            expiry = _when(creds["expires_at"]).astimezone(dt.UTC).replace(tzinfo=None)
        credentials = Credentials(
            token=creds.get("access_token") or None,
            refresh_token=creds.get("refresh_token") or None,
            token_uri=creds.get("token_uri") or TOKEN_URI,
            client_id=creds.get("client_id"),
            client_secret=creds.get("client_secret"),
            expiry=expiry,
        )
        http = AuthorizedHttp(credentials, http=self._transport())
        return build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False)

    def _video(self, post: OutgoingPost) -> OutgoingMedia:
        videos = [m for m in post.media if m.kind == "video"]
        if len(videos) != 1 or len(post.media) != 1:
            raise Rejected("A YouTube post is exactly one video.", kind="media_rejected")
        video = videos[0]
        if video.content_type not in self.limits.video_types:
            raise Rejected(f"YouTube does not take {video.content_type}.", kind="media_rejected")
        if not video.path.is_file():
            raise Rejected("The video file is missing.", kind="media_rejected")
        if video.path.stat().st_size > (self.limits.video_max_bytes or 0):
            raise Rejected("The video is larger than YouTube takes.", kind="media_rejected")
        if video.captions_path is not None and captions_format(video.captions_path) is None:
            raise Rejected("Captions must be SRT or WebVTT.", kind="media_rejected")
        return video

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        video = self._video(post)
        title = video_title(post)
        if len(post.text.encode("utf-8")) > DESCRIPTION_MAX_BYTES:
            raise Rejected(
                f"YouTube descriptions are at most {DESCRIPTION_MAX_BYTES} bytes.", kind="too_long"
            )
        if re.search("[<>]", title + post.text):
            raise Rejected("YouTube titles and descriptions cannot contain < or >.")
        service = self._service(account)
        tag = "sv-" + key_digest(idempotency_key)
        found = self._find(service, post, tag)
        if found is not None:
            return found
        snippet = {
            "title": title,
            "description": post.text,
            "tags": [tag],
            "categoryId": CATEGORY_ID,
        }
        if post.language:  # the language of the title and description, and of the speech
            snippet["defaultLanguage"] = snippet["defaultAudioLanguage"] = post.language
        privacy = post.visibility if post.visibility in ("private", "unlisted") else "public"
        status = {"privacyStatus": privacy, "selfDeclaredMadeForKids": False}
        size = video.path.stat().st_size
        media = MediaFileUpload(
            str(video.path), mimetype=video.content_type, chunksize=self.chunksize, resumable=True
        )
        request = service.videos().insert(
            part="snippet,status", body={"snippet": snippet, "status": status}, media_body=media
        )
        uploaded = self._upload(request, size)
        state = uploaded.get("status", {})
        if state.get("uploadStatus") == "failed":
            raise Rejected(
                f"Processing failed: {state.get('failureReason', '')}", kind="media_rejected"
            )
        if state.get("uploadStatus") == "rejected":
            reason = str(state.get("rejectionReason", ""))
            kind = "duplicate" if reason == "duplicate" else "content_rejected"
            raise Rejected(f"Rejected: {reason}", kind=kind)
        video_id = str(uploaded["id"])
        response: dict[str, Any] = {"id": video_id, "uploadStatus": state.get("uploadStatus", "")}
        if video.captions_path is not None:
            response["captions"] = self._captions(service, video_id, video.captions_path, post)
            if response["captions"]["status"] != "ok":
                # The video is up: a retry must not upload it again. The engine shows this.
                response["warnings"] = ["captions_failed"]
        return Delivery(video_id, watch_url(video_id), response)

    def _upload(self, request: Any, size: int) -> dict[str, Any]:
        response = None
        while response is None:

            def last(start: int = request.resumable_progress) -> bool:
                # Only the request carrying the final bytes creates the video.
                return request.resumable_uri is not None and start + self.chunksize >= size

            with translated(sending=last):
                # No retries while opening the session (the engine owns retries); a few for
                # chunks, where the library resumes from what the server confirmed.
                retries = 0 if request.resumable_uri is None else 3
                _, response = request.next_chunk(num_retries=retries)
        return dict(response)

    def _captions(
        self, service: Any, video_id: str, path: Path, post: OutgoingPost
    ) -> dict[str, Any]:
        language = post.language or "fi"
        name = CAPTION_NAMES.get(language.split("-")[0].lower(), language)
        media = MediaFileUpload(str(path), mimetype="application/octet-stream", resumable=False)
        body = {"snippet": {"videoId": video_id, "language": language, "name": name}}
        try:
            with translated(sending=lambda: True):
                track = (
                    service.captions().insert(part="snippet", body=body, media_body=media).execute()
                )
        except ConnectorError as e:
            status = "unknown" if isinstance(e, UnknownOutcome) else "failed"
            return {"status": status, "error": e.summary()}
        return {"status": "ok", "id": track.get("id", ""), "language": language}

    # --- finding a post by its key ---

    def _find(self, service: Any, post: OutgoingPost, tag: str) -> Delivery | None:
        with translated():
            mine = service.channels().list(part="contentDetails", mine=True).execute()
        if not mine.get("items"):
            raise AuthExpired("This Google account has no YouTube channel.", kind="account_gone")
        uploads = mine["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
        since = post.created_at - LOOKBACK
        page: str | None = None
        for _ in range(LOOKUP_PAGES):
            args: dict[str, Any] = {"pageToken": page} if page else {}
            with translated():
                listing = (
                    service.playlistItems()
                    .list(part="snippet,contentDetails", playlistId=uploads, maxResults=50, **args)
                    .execute()
                )
            items = listing.get("items", [])
            recent = [
                i["contentDetails"]["videoId"]
                for i in items
                if _when(i["snippet"]["publishedAt"]) >= since
            ]
            if recent:
                with translated():
                    videos = (
                        service.videos().list(part="snippet,status", id=",".join(recent)).execute()
                    )
                for v in videos.get("items", []):
                    state = v.get("status", {}).get("uploadStatus", "")
                    if tag in (v.get("snippet", {}).get("tags") or []) and state not in DEAD:
                        response = {"id": v["id"], "uploadStatus": state, "found_by_key": True}
                        return Delivery(str(v["id"]), watch_url(str(v["id"])), response)
            page = listing.get("nextPageToken")
            if not page or len(recent) < len(items):  # newest first: the rest are older
                return None
        return None

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        return self._find(self._service(account), post, "sv-" + key_digest(idempotency_key))

    def check_account(self, account: Account) -> AccountCheck:
        try:
            service = self._service(account)
            with translated():
                found = service.channels().list(part="snippet", mine=True).execute()
        except AuthExpired as e:
            return AccountCheck(ok=False, detail=e.detail)
        if not found.get("items"):
            return AccountCheck(ok=False, detail="This Google account has no YouTube channel.")
        return AccountCheck(ok=True, handle=_channel_handle(found["items"][0]))
