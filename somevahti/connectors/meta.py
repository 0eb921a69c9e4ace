"""Facebook Pages and Instagram (professional accounts linked to a Page) via the Graph API.

Connecting (``auth = "oauth"``): the Facebook Login dialog gives a code; the code becomes
a short-lived user token, that becomes a long-lived user token (about 60 days), and
``/me/accounts`` then hands out Page tokens, which do not expire when they come from a
long-lived user token. Their *data access* does (90 days without the person using the app),
so ``expires_at`` is the earliest of ``debug_token``'s ``expires_at`` (0 = never) and
``data_access_expires_at``. When the person manages several Pages the first one is taken
(for Instagram: the first Page with a linked Instagram professional account); the count
is kept in the credentials as ``pages_available`` so the interface can say so.

Exactly once: the Graph API has no idempotency key and posts carry no metadata of ours.
Before sending, ``publish`` calls ``lookup``, which reads the account's own recent posts
since ``post.created_at`` (minus a small clock allowance) and matches the exact text. The
delivery's ``created_at`` is stable across retries, so a retry finds the post the first
attempt made. A post with no text cannot be recognised and is not looked up. Facebook
also refuses an identical status update twice in a row (#506), a second safety net.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, ClassVar

from somevahti.connectors.base import (
    MB,
    Account,
    ChannelLimits,
    Delivery,
    OutgoingMedia,
    OutgoingPost,
)
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    LookupUnsupported,
    Rejected,
    Transient,
    UnknownOutcome,
)
from somevahti.connectors.meta_graph import LOOKUP_SKEW, GraphConnector, graph_time

URL_RE = re.compile(r"https?://\S+")
NO_PUBLIC_URL = (
    "Instagram fetches pictures and videos from a public web address and cannot take an "
    "upload. This site has no public address for media, so the post cannot go out: ask IT "
    "to set the site's public address, or publish this one by hand."
)


class FacebookConnector(GraphConnector):
    """Facebook Page posts: text (with a link preview for the first address), one photo, or
    several photos uploaded unpublished and attached to one feed post. Page photos take an
    alt text in ``alt_text_custom`` (Graph API Photo reference; facebook-business
    ``Page.create_photo`` lists it), so alt text is sent rather than lost."""

    platform: ClassVar[str] = "facebook"
    id_key: ClassVar[str] = "page_id"
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=63206,  # Facebook's status update ceiling
        max_images=10,
        max_videos=0,  # video uploads (resumable upload API) are not implemented
        image_max_bytes=10 * MB,  # Page photos: "less than 10 MB"
        video_max_bytes=None,
        image_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}),
    )

    def _choose(self, pages: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
        if not pages:
            raise AuthExpired("The Facebook account manages no Pages.", kind="permission_missing")
        page = pages[0]
        creds = {
            "page_token": page["access_token"],
            "page_id": page["id"],
            "page_name": page.get("name", ""),
        }
        return str(page["id"]), str(page.get("name", "")), creds

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        if not post.text.strip():
            raise LookupUnsupported("A Facebook post without text cannot be recognised.")
        token, page_id = self._token(account), account.credentials["page_id"]
        since = int((post.created_at - LOOKUP_SKEW).timestamp())
        params = {
            "since": since,
            "limit": 25,
            "fields": "id,message,created_time,permalink_url,from",
        }
        for item in self._recent(f"{page_id}/feed", token, params):
            author = (item.get("from") or {}).get("id", page_id)
            if author == page_id and self._matches(item, "message", post):
                url = item.get("permalink_url") or self._fallback_url(item["id"])
                return Delivery(item["id"], url, {"id": item["id"], "found_by": "lookup"})
        return None

    def _send(self, account: Account, token: str, post: OutgoingPost) -> Delivery:
        page_id = account.credentials["page_id"]
        images = list(post.media)
        if not images and not post.text.strip():
            raise Rejected("Nothing to post: no text and no picture.", kind="content_rejected")
        response: dict[str, Any] = {}
        if len(images) == 1:
            answer = self._photo(
                page_id, token, images[0], {"message": post.text, "published": "true"}
            )
            post_id = answer.get("post_id") or answer.get("id")
            response = {"id": post_id, "photo_ids": [answer.get("id")]}
        else:
            data: dict[str, Any] = {"message": post.text}
            link = URL_RE.search(post.text)
            if link and not images:
                data["link"] = link.group(0).rstrip(".,;:!?)]'\"")
            photo_ids = [
                self._photo(page_id, token, m, {"published": "false"})["id"] for m in images
            ]
            for i, fbid in enumerate(photo_ids):
                data[f"attached_media[{i}]"] = json.dumps({"media_fbid": fbid})
            post_id = self.graph.post(f"{page_id}/feed", token, data).get("id")
            response = {"id": post_id, "photo_ids": photo_ids}
        if not post_id:
            raise UnknownOutcome("Facebook answered without a post id.")
        return Delivery(str(post_id), self._permalink(str(post_id), token), response)

    def _photo(
        self, page_id: str, token: str, media: OutgoingMedia, data: dict[str, Any]
    ) -> dict[str, Any]:
        if media.kind != "image":
            raise Rejected("Facebook video posts are not supported here.", kind="media_rejected")
        if media.alt_text:
            data = {**data, "alt_text_custom": media.alt_text}
        hidden = data.get("published") == "false"
        with media.path.open("rb") as fh:
            files = {"source": (media.path.name, fh, media.content_type)}
            return self.graph.post(
                f"{page_id}/photos", token, data, files=files, makes_post=not hidden
            )

    def _permalink(self, post_id: str, token: str) -> str:
        try:
            url = self.graph.get(post_id, token, params={"fields": "permalink_url"}).get(
                "permalink_url"
            )
        except ConnectorError:
            url = None  # the post exists; a missing link must not turn success into failure
        return str(url or self._fallback_url(post_id))

    @staticmethod
    def _fallback_url(post_id: str) -> str:
        return f"https://www.facebook.com/{post_id}"


def _is_jpeg(path: Path) -> bool:
    """Instagram takes JPEG only; the bytes decide, not the declared type."""
    if not path.exists():
        return True  # only the public address is known; Instagram will judge it
    with path.open("rb") as fh:
        return fh.read(3) == b"\xff\xd8\xff"


class InstagramConnector(GraphConnector):
    """Instagram professional accounts through their Facebook Page (Instagram API with
    Facebook Login). Meta fetches media itself from ``OutgoingMedia.url``, a signed public
    address the site provides; without one the post is refused with that explanation.
    One picture → an image container (caption, ``alt_text``: IG Media and ``IGUser.create_media``
    in facebook-business carry it; it applies to images, not Reels); several → carousel
    items and a CAROUSEL container; one video → a REELS container. The container's
    ``status_code`` is polled (bounded) until FINISHED, then ``media_publish`` makes the post.
    A container that is still processing when the wait ends is left to expire unpublished
    (it is not a post) and the attempt is retried later."""

    platform: ClassVar[str] = "instagram"
    id_key: ClassVar[str] = "ig_user_id"
    check_fields: ClassVar[str] = "id,username"
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=2200,  # caption
        max_images=10,  # carousel items
        max_videos=1,
        image_max_bytes=8 * MB,
        video_max_bytes=300 * MB,  # Reels
        image_types=frozenset({"image/jpeg"}),
        video_types=frozenset({"video/mp4", "video/quicktime"}),
        media_required=True,
    )
    image_wait: float = 60.0  # seconds of polling a container before giving up this attempt
    video_wait: float = 300.0

    def _choose(self, pages: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
        for page in pages:
            token = page["access_token"]
            fields = {"fields": "instagram_business_account"}
            linked = self.graph.get(page["id"], token, params=fields).get(
                "instagram_business_account"
            )
            if linked and linked.get("id"):
                ig_id = str(linked["id"])
                me = self.graph.get(ig_id, token, params={"fields": "id,username"})
                creds = {
                    "page_token": token,
                    "page_id": page["id"],
                    "page_name": page.get("name", ""),
                    "ig_user_id": ig_id,
                }
                return ig_id, str(me.get("username", "")), creds
        raise AuthExpired(
            "None of the Facebook Pages has an Instagram professional account linked.",
            kind="permission_missing",
        )

    def _public_url(self, media: OutgoingMedia) -> str:
        """Where Meta can fetch the file (a hook for the site's signed media addresses)."""
        return media.url

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        if not post.text.strip():
            raise LookupUnsupported("An Instagram post without a caption cannot be recognised.")
        token, ig_id = self._token(account), account.credentials["ig_user_id"]
        since = post.created_at - LOOKUP_SKEW
        params = {"fields": "id,caption,timestamp,permalink,media_type", "limit": 25}
        for item in self._recent(f"{ig_id}/media", token, params):
            when = graph_time(item.get("timestamp", ""))
            if when is not None and when < since:
                break  # newest first: nothing older can be ours
            if self._matches(item, "caption", post):
                url = item.get("permalink") or self._fallback_url(account)
                return Delivery(item["id"], url, {"id": item["id"], "found_by": "lookup"})
        return None

    def _send(self, account: Account, token: str, post: OutgoingPost) -> Delivery:
        ig_id = account.credentials["ig_user_id"]
        urls = [self._public_url(m) for m in post.media]
        if not all(urls):
            raise Rejected(NO_PUBLIC_URL, kind="media_rejected")
        for m in post.media:
            if m.kind == "image" and not _is_jpeg(m.path):
                raise Rejected(
                    f"{m.path.name}: Instagram takes JPEG pictures only.", kind="media_rejected"
                )
        caption = {"caption": post.text}
        if len(post.media) == 1:
            m, url = post.media[0], urls[0]
            if m.kind == "video":
                data = {"media_type": "REELS", "video_url": url, **caption}
            else:
                data = {"image_url": url, **caption, **self._alt(m)}
            container = self._create(ig_id, token, data)
        else:
            children = [
                self._create(
                    ig_id, token, {"image_url": u, "is_carousel_item": "true", **self._alt(m)}
                )
                for m, u in zip(post.media, urls, strict=True)
            ]
            data = {"media_type": "CAROUSEL", "children": ",".join(children), **caption}
            container = self._create(ig_id, token, data)
        has_video = any(m.kind == "video" for m in post.media)
        self._wait(container, token, self.video_wait if has_video else self.image_wait)
        made = self.graph.post(f"{ig_id}/media_publish", token, {"creation_id": container})
        media_id = made.get("id")
        if not media_id:
            raise UnknownOutcome("Instagram answered media_publish without a media id.")
        url = self._permalink(str(media_id), token) or self._fallback_url(account)
        return Delivery(str(media_id), url, {"id": media_id, "container": container})

    @staticmethod
    def _alt(media: OutgoingMedia) -> dict[str, str]:
        return {"alt_text": media.alt_text} if media.alt_text else {}

    def _create(self, ig_id: str, token: str, data: dict[str, Any]) -> str:
        container = self.graph.post(f"{ig_id}/media", token, data, makes_post=False).get("id")
        if not container:
            raise Transient("Instagram answered without a container id.", kind="unavailable")
        return str(container)

    def _wait(self, container: str, token: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            state = self.graph.get(container, token, params={"fields": "status_code,status"})
            code = state.get("status_code")
            if code == "FINISHED":
                return
            if code == "ERROR":
                detail = state.get("status") or "Instagram could not process the media."
                raise Rejected(str(detail), kind="media_rejected", raw=state)
            if code == "EXPIRED":
                raise Transient(
                    "The media container expired before it was published.", kind="unavailable"
                )
            if time.monotonic() >= deadline:
                raise Transient(
                    "Instagram is still processing the media.", kind="unavailable", retry_after=60.0
                )
            self.sleep(self.poll_interval)

    def _permalink(self, media_id: str, token: str) -> str:
        try:
            media = self.graph.get(media_id, token, params={"fields": "permalink"})
            return str(media.get("permalink") or "")
        except ConnectorError:
            return ""  # published already; a missing link must not turn success into failure

    @staticmethod
    def _fallback_url(account: Account) -> str:
        return f"https://www.instagram.com/{account.handle}/"
