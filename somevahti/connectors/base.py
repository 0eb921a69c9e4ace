"""The connector contract every platform implements (see ARCHITECTURE.md, "Connectors")."""

from __future__ import annotations

import datetime as dt
import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from somevahti.connectors.errors import LookupUnsupported

if TYPE_CHECKING:
    from somevahti.inbox.incoming import Incoming

MB = 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})


@dataclass(frozen=True)
class ChannelLimits:
    """What one post on the platform may hold; checked before upload and before sending."""

    max_chars: int | None  # graphemes (Bluesky), characters elsewhere; None: no practical cap
    max_images: int
    max_videos: int
    image_max_bytes: int | None  # None: the platform takes no images
    video_max_bytes: int | None
    image_types: frozenset[str] = IMAGE_TYPES
    video_types: frozenset[str] = VIDEO_TYPES
    alt_text_max: int | None = None
    media_required: bool = False  # Instagram, YouTube: nothing to publish without media
    mix_images_and_video: bool = False


@dataclass(frozen=True)
class Account:
    """A connected identity: what the platform calls it and the decrypted credentials."""

    platform: str
    account_id: str = ""  # the platform's stable id: DID, numeric id, URN, ...
    handle: str = ""
    base_url: str = ""  # instance or server address where the platform has several
    credentials: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingMedia:
    path: Path
    content_type: str
    kind: str  # "image" | "video"
    alt_text: str = ""
    captions_path: Path | None = None
    size: int = 0
    # A signed, expiring address the platform can fetch the file from, for APIs that take
    # a URL instead of an upload (Instagram). Empty when the site has no public address.
    url: str = ""


@dataclass(frozen=True)
class OutgoingPost:
    text: str
    created_at: dt.datetime  # when the delivery was opened; stable across retries
    media: tuple[OutgoingMedia, ...] = ()
    language: str = "fi"
    title: str = ""  # YouTube needs one; others ignore it
    reply_to: str = ""  # platform id of the post answered, for replies
    visibility: str = "public"


@dataclass(frozen=True)
class Delivery:
    """What the platform gave back for a published post."""

    platform_id: str
    url: str
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OAuthApp:
    """The organisation's app registration on a platform (or on one Mastodon instance)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    base_url: str = ""
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Connected:
    """The result of connecting an account: who it is, its credentials and their expiry."""

    account: Account
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class AccountCheck:
    ok: bool
    handle: str = ""
    expires_at: dt.datetime | None = None
    detail: str = ""


class Connector(ABC):
    platform: ClassVar[str]
    limits: ClassVar[ChannelLimits]
    # "app_password" (Bluesky), "oauth" (most), "token" (pasted long-lived token)
    auth: ClassVar[str] = "oauth"
    # True when ``lookup`` can say for certain that a post is not there.
    lookup_by_key: ClassVar[bool] = False

    @abstractmethod
    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        """Send one post. Raise an error from ``connectors.errors``; anything else is
        treated as an unknown outcome."""

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        """Find a post sent with this key (reconciliation after an unknown outcome)."""
        raise LookupUnsupported("This platform cannot look a post up by our key.")

    @abstractmethod
    def check_account(self, account: Account) -> AccountCheck:
        """Whether the credentials still work, and until when."""

    # --- connecting an account (each connector implements the ones its ``auth`` needs) ---

    def register_app(self, base_url: str, redirect_uri: str) -> OAuthApp:
        """Register Somevahti as an app where the platform allows it (Mastodon)."""
        raise NotImplementedError

    def authorize_url(self, app: OAuthApp, state: str) -> str:
        raise NotImplementedError

    def exchange_code(self, app: OAuthApp, code: str, state: str = "") -> Connected:
        """``state`` is the value sent with ``authorize_url`` (X derives its PKCE verifier
        from it)."""
        raise NotImplementedError

    def needs_refresh(self, account: Account) -> bool:
        """True when the access token should be renewed before the next call."""
        return False

    def refresh(self, app: OAuthApp, account: Account) -> Connected:
        """A new access token from the refresh token; the caller stores it at once (X's
        refresh tokens work only once)."""
        raise NotImplementedError

    def login(self, base_url: str, identifier: str, password: str) -> Connected:
        """App-password login (Bluesky)."""
        raise NotImplementedError

    def fetch_events(
        self, account: Account, since: str | None
    ) -> tuple[list[Incoming], str | None]:
        """Comments, mentions and messages that arrived after the cursor ``since`` (None: the
        first poll), and the cursor to pass next time. Polled by ``inbox.polling``."""
        raise NotImplementedError  # the inbox (issue 7)

    def reply(self, account: Account, event: Incoming, text: str, idempotency_key: str) -> Delivery:
        """Answer ``event``: a threaded reply to a comment or mention, a private message to
        a message; one answer per key, like ``publish``."""
        raise NotImplementedError  # the inbox (issue 7)

    def verify_webhook(self, request: Any) -> None:
        raise NotImplementedError  # the inbox (issue 7)


def check_images_only(limits: ChannelLimits, media: tuple[OutgoingMedia, ...], name: str) -> None:
    """Refuse, before any upload, what a platform that takes only images would refuse."""
    from somevahti.connectors.errors import Rejected

    if any(m.kind != "image" for m in media):
        raise Rejected(f"Somevahti cannot send video to {name} yet.", kind="media_rejected")
    if len(media) > limits.max_images:
        raise Rejected(f"{name} takes at most {limits.max_images} images.", kind="media_rejected")
    for m in media:
        if m.content_type not in limits.image_types:
            raise Rejected(f"{name} does not take {m.content_type}.", kind="media_rejected")
        if (m.size or m.path.stat().st_size) > (limits.image_max_bytes or 0):
            mb = (limits.image_max_bytes or 0) // MB
            raise Rejected(f"{name} takes images up to {mb} MB.", kind="media_rejected")


def key_digest(idempotency_key: str, length: int = 16) -> str:
    """A short stable hex form of the key for platforms with tighter id formats."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:length]
