"""Bluesky, on any PDS, through the ``atproto`` SDK with an app password.

Exactly once: every post is written with ``com.atproto.repo.createRecord`` under a record key
derived from our idempotency key and the delivery's ``created_at`` (a valid TID, which
``app.bsky.feed.post`` requires), so a repeat can only hit the same key. The PDS answers a
second write to a taken key with a bare 500 ("There is already a value at key" only in its
log), so after any 5xx we read that key back: a record there is the post we made before.
``lookup`` is the same read.

Sessions are cached per process by (server, identifier, password) so bulk publishing does not
log in per post; the SDK refreshes the access token before it expires, and a token the PDS
no longer takes (revoked, server restarted) costs one fresh login and one retry.

Limits come from the lexicons bundled with @atproto/pds 0.5.35 (post text 300 graphemes and
3000 UTF-8 bytes, 4 images of at most 2,000,000 bytes each, one mp4 video) and from the
Bluesky app (alt text 2000 characters; videos up to 100 MB and 3 minutes, though the lexicon
allows 300 MB).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    LoginRequiredError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_core.uri import AtUri

from somevahti.checks.text import graphemes
from somevahti.connectors.base import (
    MB,
    Account,
    AccountCheck,
    ChannelLimits,
    Connected,
    Connector,
    Delivery,
    OutgoingMedia,
    OutgoingPost,
)
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    Rejected,
    Transient,
    UnknownOutcome,
)
from somevahti.inbox.incoming import Incoming

T = TypeVar("T")
POST = "app.bsky.feed.post"
MAX_TEXT_BYTES = 3000  # lexicon: maxLength 3000 (bytes) beside maxGraphemes 300
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
WEB = "https://bsky.app"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EXPIRED = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"})
GONE = frozenset({"AccountTakedown", "AccountDeactivated", "AccountSuspended", "AccountNotFound"})
MEDIA = frozenset({"InvalidMimeType", "InvalidSize", "BlobTooLarge", "PayloadTooLarge"})
FULL_ACCESS_SCOPE = "com.atproto.access"  # app-password sessions carry com.atproto.appPass

SDK_ERRORS = (RequestErrorBase, LoginRequiredError, httpx.HTTPError)

_sessions: dict[tuple[str, str, str], Client] = {}
_sessions_lock = threading.Lock()


def _timeout() -> float:
    try:
        from django.conf import settings

        return float(getattr(settings, "SOMEVAHTI_CONNECTOR_TIMEOUT", 60))
    except Exception:  # settings not configured: a bare script or test
        return 60.0


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def record_key(idempotency_key: str, created_at: dt.datetime) -> str:
    """A TID (13 base32-sortable characters: 53 bits of microseconds, 10 of clock id) that
    depends only on the key and ``created_at``: the second comes from ``created_at``, the
    microseconds and the clock id (30 bits) from the key's hash, so keys opened in the same
    second still get different record keys."""
    h = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    seconds = (_utc(created_at) - EPOCH) // dt.timedelta(seconds=1)  # exact, no floats
    value = ((seconds * 1_000_000 + h % 1_000_000) << 10) | ((h >> 20) & 0x3FF)
    return "".join(TID_CHARS[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def normalise_server(base_url: str) -> str:
    url = (base_url or "https://bsky.social").strip().rstrip("/")
    url = url.removesuffix("/xrpc")
    return url if "://" in url else f"https://{url}"


def post_url(handle_or_did: str, rkey: str) -> str:
    """The post's address in the Bluesky web app. For an account on a local test PDS this is
    the standard form but no real page (bsky.app does not know that server)."""
    return f"{WEB}/profile/{handle_or_did}/post/{rkey}"


def _error(e: Exception, *, sent: bool) -> ConnectorError:
    """The taxonomy for an SDK or transport error; ``sent``: the write may have reached it."""
    if isinstance(e, ConnectorError):
        return e
    if isinstance(e, LoginRequiredError):
        return AuthExpired(str(e), kind="token_expired")
    response = e.response if isinstance(e, RequestErrorBase) else None
    if response is not None:
        status, content = response.status_code, response.content
        code, message = "", ""
        if isinstance(content, XrpcError):
            code, message = content.error or "", content.message or ""
        detail = f"{code}: {message}" if code and message else code or message or str(status)
        kw: dict[str, Any] = {"status": status, "code": code or None}
        if code in GONE:
            return AuthExpired(detail, kind="account_gone", **kw)
        if code in EXPIRED or status == 401:
            return AuthExpired(detail, kind="token_expired", **kw)
        if status == 403:
            return AuthExpired(detail, kind="permission_missing", **kw)
        if status == 429:
            return Transient(detail, kind="rate_limited", retry_after=_retry_after(e), **kw)
        if status == 413 or code in MEDIA or "blob" in message:  # "blob too big (maximum ..."
            return Rejected(detail, kind="media_rejected", **kw)
        if status >= 500 or status in (408, 409):
            return Transient(detail, kind="unavailable", **kw)
        return Rejected(detail, kind="content_rejected", **kw)
    cause = e.__cause__ if isinstance(e, RequestErrorBase) and e.__cause__ else e
    detail = f"{type(cause).__name__}: {cause}".rstrip(": ")
    if not sent or isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Transient(detail, kind="unavailable")  # nothing was posted
    if isinstance(cause, httpx.TimeoutException):
        return UnknownOutcome(detail, kind="timeout")
    return UnknownOutcome(detail, kind="unknown")


def _retry_after(e: Exception) -> float | None:
    if not isinstance(e, RateLimitExceededError):
        return None
    if e.reset_at is not None:  # Bluesky's RateLimit-Reset: epoch seconds
        return max((e.reset_at - dt.datetime.now(dt.UTC)).total_seconds(), 1.0)
    return e.retry_after


def _credentials(account: Account) -> tuple[str, str, str]:
    creds = account.credentials
    ident, password = creds.get("identifier", ""), creds.get("app_password", "")
    if not ident or not password:
        raise AuthExpired("No app password stored for this account.", kind="not_connected")
    return normalise_server(account.base_url), ident, password


def _session_key(server: str, identifier: str, password: str) -> tuple[str, str, str]:
    return server, identifier, hashlib.sha256(password.encode()).hexdigest()


def _login(server: str, identifier: str, password: str, *, fresh: bool = False) -> Client:
    key = _session_key(server, identifier, password)
    with _sessions_lock:
        client = None if fresh else _sessions.get(key)
    if client is not None:
        return client
    client = Client(server, request=Request(timeout=httpx.Timeout(_timeout(), connect=10.0)))
    try:
        client.login(identifier, password, fetch_bsky_profile=False)
    except SDK_ERRORS as e:
        # A refused password also ends the cached session: its access token would otherwise
        # keep working for up to two hours after the app password was revoked.
        with _sessions_lock:
            _sessions.pop(key, None)
        raise _error(e, sent=False) from e
    with _sessions_lock:
        _sessions[key] = client
    return client


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    return models.get_model_as_dict(value)


class BlueskyConnector(Connector):
    platform = "bluesky"
    auth = "app_password"
    lookup_by_key = True
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=300,
        max_images=4,
        max_videos=1,
        image_max_bytes=2_000_000,
        video_max_bytes=100 * MB,
        video_types=frozenset({"video/mp4"}),
        alt_text_max=2000,
    )

    # --- connecting -------------------------------------------------------------------

    def login(self, base_url: str, identifier: str, password: str) -> Connected:
        server, identifier = normalise_server(base_url), identifier.strip().lstrip("@")
        client = _login(server, identifier, password, fresh=True)
        session = client._session
        payload = session.access_jwt_payload if session else None
        if payload is not None and getattr(payload, "scope", "") == FULL_ACCESS_SCOPE:
            with _sessions_lock:
                _sessions.pop(_session_key(server, identifier, password), None)
            # Storing an account's main password would give Somevahti more than it needs.
            raise AuthExpired(
                "This is the account's own password; create an app password instead.",
                kind="permission_missing",
            )
        me = self._call(client, lambda c: c.com.atproto.server.get_session(), sent=False)
        account = Account(
            platform=self.platform,
            account_id=me.did,
            handle=me.handle,
            base_url=server,
            credentials={"identifier": identifier, "app_password": password},
        )
        return Connected(account=account)

    def check_account(self, account: Account) -> AccountCheck:
        """A fresh login, so a revoked app password shows at once (a cached access token
        would keep working until it expires)."""
        try:
            client = _login(*_credentials(account), fresh=True)
            me = self._call(client, lambda c: c.com.atproto.server.get_session(), sent=False)
        except (AuthExpired, Rejected) as e:
            return AccountCheck(ok=False, detail=e.detail)
        if me.active is False:
            return AccountCheck(ok=False, handle=me.handle, detail=me.status or "inactive")
        return AccountCheck(ok=True, handle=me.handle)

    # --- publishing ---------------------------------------------------------------------

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        self._check(post)
        return self._create(account, post, record_key(idempotency_key, post.created_at))

    def _create(self, account: Account, post: OutgoingPost, rkey: str) -> Delivery:
        """Write ``post`` under ``rkey`` (publish and inbox replies share this path)."""

        def prepare(c: Client) -> models.AppBskyFeedPost.Record:
            return models.AppBskyFeedPost.Record(
                text=post.text,
                created_at=_utc(post.created_at).isoformat().replace("+00:00", "Z"),
                facets=c.detect_facets(post.text) or None,  # mentions resolved to DIDs here
                embed=self._embed(c, post),
                reply=self._reply_ref(c, post.reply_to) if post.reply_to else None,
                langs=[post.language] if post.language else None,
            )

        def send(c: Client) -> tuple[str, str]:
            data = models.ComAtprotoRepoCreateRecord.Data(
                repo=self._repo(c, account), collection=POST, rkey=rkey, record=record
            )
            try:
                made = c.com.atproto.repo.create_record(data)
            except RequestErrorBase as e:
                if e.response is None or e.response.status_code < 500:
                    raise
                found = self._get(c, self._repo(c, account), rkey)  # taken key: ours already
                if found is None:
                    raise
                return found[0], found[1]
            return made.uri, made.cid

        record = self._with_session(account, prepare, sent=False)
        uri, cid = self._with_session(account, send, sent=True)
        return self._delivery(account, uri, cid)

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        rkey = record_key(idempotency_key, post.created_at)
        found = self._with_session(account, lambda c: self._get(c, self._repo(c, account), rkey))
        return self._delivery(account, found[0], found[1]) if found else None

    # --- inbox (the work is in bluesky_inbox.py) ----------------------------------------

    def fetch_events(
        self, account: Account, since: str | None
    ) -> tuple[list[Incoming], str | None]:
        from somevahti.connectors import bluesky_inbox

        return bluesky_inbox.fetch_events(self, account, since)

    def reply(self, account: Account, event: Incoming, text: str, idempotency_key: str) -> Delivery:
        from somevahti.connectors import bluesky_inbox

        return bluesky_inbox.reply(self, account, event, text, idempotency_key)

    # --- helpers --------------------------------------------------------------------------

    def _check(self, post: OutgoingPost) -> None:
        """Refuse before any upload what the PDS or the app would refuse."""
        lim = self.limits
        if post.visibility not in ("", "public"):
            raise Rejected("Bluesky posts are always public.", kind="content_rejected")
        count = len(graphemes(post.text))
        if (lim.max_chars and count > lim.max_chars) or len(post.text.encode()) > MAX_TEXT_BYTES:
            raise Rejected(
                f"The text is {count} graphemes; Bluesky takes {lim.max_chars}.", kind="too_long"
            )
        images = [m for m in post.media if m.kind == "image"]
        videos = [m for m in post.media if m.kind != "image"]
        if len(images) > lim.max_images or len(videos) > lim.max_videos or (images and videos):
            raise Rejected(
                "A Bluesky post takes up to 4 images or one video.", kind="media_rejected"
            )
        for m in post.media:
            size = m.size or (m.path.stat().st_size if m.path.exists() else 0)
            image = m.kind == "image"
            types = lim.image_types if image else lim.video_types
            biggest = (lim.image_max_bytes if image else lim.video_max_bytes) or 0
            if m.content_type not in types or size > biggest:
                raise Rejected(
                    f"{m.path.name}: {m.content_type}, {size} bytes; Bluesky takes "
                    f"{', '.join(sorted(types))} up to {biggest} bytes.",
                    kind="media_rejected",
                )
            if lim.alt_text_max and len(m.alt_text) > lim.alt_text_max:
                raise Rejected("The alt text is too long.", kind="media_rejected")

    def _embed(self, c: Client, post: OutgoingPost) -> Any:
        if not post.media:
            return None
        if post.media[0].kind != "image":
            video = post.media[0]
            captions = None
            if video.captions_path is not None:
                vtt = c.upload_blob(video.captions_path.read_bytes()).blob
                captions = [models.AppBskyEmbedVideo.Caption(file=vtt, lang=post.language or "fi")]
            return models.AppBskyEmbedVideo.Main(
                video=self._upload(c, video), alt=video.alt_text or None, captions=captions
            )
        return models.AppBskyEmbedImages.Main(
            images=[
                models.AppBskyEmbedImages.Image(alt=m.alt_text, image=self._upload(c, m))
                for m in post.media
            ]
        )

    @staticmethod
    def _upload(c: Client, media: OutgoingMedia) -> Any:
        try:
            data = media.path.read_bytes()
        except OSError as e:
            raise Rejected(f"{media.path.name}: {e.strerror}", kind="media_rejected") from e
        # The PDS sniffs the type itself; a blob it stores as another type fails the record.
        blob = c.com.atproto.repo.upload_blob(data, headers={"Content-Type": media.content_type})
        return blob.blob

    @staticmethod
    def _reply_ref(c: Client, reply_to: str) -> models.AppBskyFeedPost.ReplyRef:
        """Root and parent strong refs: the parent's own root when it is itself a reply."""
        if not reply_to.startswith("at://"):
            raise Rejected(f"Not an at:// post address: {reply_to}", kind="content_rejected")
        uri = AtUri.from_str(reply_to)
        found = BlueskyConnector._get(c, uri.host, uri.rkey, uri.collection or POST)
        if found is None:
            raise Rejected(f"The post answered is gone: {reply_to}", kind="content_rejected")
        parent = models.ComAtprotoRepoStrongRef.Main(uri=found[0], cid=found[1])
        root_ref = (found[2].get("reply") or {}).get("root")
        root = models.ComAtprotoRepoStrongRef.Main(**root_ref) if root_ref else parent
        return models.AppBskyFeedPost.ReplyRef(parent=parent, root=root)

    @staticmethod
    def _get(
        c: Client, repo: str, rkey: str, collection: str = POST
    ) -> tuple[str, str, dict[str, Any]] | None:
        """(uri, cid, record) at the key, None when the PDS says there is none."""
        params = models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
        try:
            got = c.com.atproto.repo.get_record(params)
        except RequestErrorBase as e:
            content = e.response.content if e.response is not None else None
            if isinstance(content, XrpcError) and content.error == "RecordNotFound":
                return None
            raise
        return got.uri, got.cid or "", _as_dict(got.value)

    @staticmethod
    def _repo(c: Client, account: Account) -> str:
        session = c._session
        return account.account_id or (session.did if session else account.handle)

    def _delivery(self, account: Account, uri: str, cid: str) -> Delivery:
        rkey = AtUri.from_str(uri).rkey
        return Delivery(
            platform_id=uri,
            url=post_url(account.handle or account.account_id, rkey),
            response={"uri": uri, "cid": cid},
        )

    @staticmethod
    def _call(c: Client, fn: Callable[[Client], T], *, sent: bool) -> T:
        try:
            return fn(c)
        except ConnectorError:
            raise
        except SDK_ERRORS as e:
            raise _error(e, sent=sent) from e

    def _with_session(
        self, account: Account, fn: Callable[[Client], T], *, sent: bool = False
    ) -> T:
        """Run ``fn`` with the cached session; a token the PDS refuses gets one fresh login."""
        server, identifier, password = _credentials(account)
        for fresh in (False, True):
            client = _login(server, identifier, password, fresh=fresh)
            try:
                return self._call(client, fn, sent=sent)
            except AuthExpired as e:
                if fresh or e.kind != "token_expired":
                    raise
        raise AssertionError("unreachable")
