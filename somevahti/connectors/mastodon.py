"""Mastodon, on any instance, through Mastodon.py.

Exactly once: every status is sent with Mastodon's ``Idempotency-Key`` header set to our key.
Mastodon remembers the key per account for one hour (PostStatusService#with_idempotency,
under a Redis lock), so a retry with the same key inside that hour returns the status that
was already made. Engine retries come within minutes, so 5xx answers are safe to retry.

Mastodon.py's own rate-limit handling is off (``ratelimit_method="throw"``): a worker must
never sleep for minutes inside a request; a 429 becomes ``Transient`` with ``retry_after``
read from ``X-RateLimit-Reset``. Tokens from Mastodon's OAuth do not expire.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonServerError,
)

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
)
from somevahti.connectors.errors import AuthExpired, LookupUnsupported, Rejected, Transient
from somevahti.connectors.mastodon_errors import Seen, map_error
from somevahti.connectors.mastodon_text import URL_CHARS, countable_length, plain_text, same_text
from somevahti.inbox.incoming import Incoming

APP_NAME = "Somevahti"
# The narrowest scopes that cover publishing, checking the account and (later) the inbox.
SCOPES = ("write:statuses", "write:media", "read:accounts", "read:statuses", "read:notifications")
VISIBILITIES = frozenset({"public", "unlisted", "private", "direct"})
DEFAULT_MAX_CHARS = 500
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _setting(name: str, default: float) -> float:
    try:
        from django.conf import settings

        return float(getattr(settings, name, default))
    except Exception:  # settings not configured: the CLI or a bare test
        return default


def _base(url: str) -> str:
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        url = "https://" + url
    return url.rstrip("/")


def _allow_http(base_url: str) -> bool:
    """Plain http only for this machine (the test double); real instances use https."""
    return urlsplit(base_url).hostname in LOOPBACK


class MastodonConnector(Connector):
    """Exactly once by Mastodon's Idempotency-Key (see the module docstring).

    Lookup: Mastodon forgets a key after an hour and cannot be asked about it, so
    ``lookup`` searches the account's own statuses since the delivery was opened for one
    made by this app with the same plain text and number of attachments; a match is taken
    as ours. No match proves nothing for certain (the request may still wait in the
    instance's queue, or someone may have deleted the status), so then ``lookup`` raises
    ``LookupUnsupported`` and a person checks: hence ``lookup_by_key = False``."""

    platform = "mastodon"
    limits: ClassVar[ChannelLimits] = ChannelLimits(
        max_chars=DEFAULT_MAX_CHARS,  # the instance may allow more: read at publish time
        max_images=4,
        max_videos=1,
        image_max_bytes=16 * MB,  # MediaAttachment::IMAGE_LIMIT
        video_max_bytes=99 * MB,  # MediaAttachment::VIDEO_LIMIT
        alt_text_max=1500,  # MediaAttachment::MAX_DESCRIPTION_LENGTH
    )
    auth = "oauth"
    lookup_by_key = False

    def __init__(self, timeout: float | None = None, media_wait: float | None = None) -> None:
        self.timeout = timeout or _setting("SOMEVAHTI_CONNECTOR_TIMEOUT", 30.0)
        # Within the engine's send lease (180 s) even with the status request after it.
        self.media_wait = media_wait or _setting("SOMEVAHTI_MASTODON_MEDIA_WAIT", 90.0)

    # --- plumbing --------------------------------------------------------------------

    def _session(self) -> tuple[requests.Session, Seen]:
        seen = Seen()
        session = requests.Session()
        session.hooks["response"].append(seen.hook)
        return session, seen

    def _client(self, base_url: str, **kw: Any) -> tuple[Mastodon, Seen]:
        session, seen = self._session()
        api = Mastodon(
            api_base_url=_base(base_url),
            ratelimit_method="throw",
            request_timeout=self.timeout,
            session=session,
            user_agent=APP_NAME,
            **kw,
        )
        return api, seen

    def _account_client(self, account: Account) -> tuple[Mastodon, Seen]:
        token = account.credentials.get("access_token")
        if not token:
            raise AuthExpired("No access token stored.", kind="not_connected")
        return self._client(account.base_url, access_token=token)

    def _limits(self, api: Mastodon) -> tuple[int, int]:
        """(max_characters, characters_reserved_per_url) from /api/v2/instance. Asked at
        every publish: it is one cheap public request, and an admin may change the limit."""
        try:
            statuses = api.instance_v2()["configuration"]["statuses"]
            return (
                int(statuses.get("max_characters") or DEFAULT_MAX_CHARS),
                int(statuses.get("characters_reserved_per_url") or URL_CHARS),
            )
        except (MastodonError, KeyError, TypeError, ValueError):
            return DEFAULT_MAX_CHARS, URL_CHARS  # older instances, other servers

    # --- connecting ------------------------------------------------------------------

    def register_app(self, base_url: str, redirect_uri: str) -> OAuthApp:
        session, seen = self._session()
        try:
            client_id, secret = Mastodon.create_app(
                APP_NAME,
                scopes=list(SCOPES),
                redirect_uris=redirect_uri,
                api_base_url=_base(base_url),
                request_timeout=self.timeout,
                session=session,
                user_agent=APP_NAME,
            )
        except KeyError:  # create_app reads the answer without checking the status
            detail = seen.error_text() or "The instance did not register the app."
            status = seen.response.status_code if seen.response is not None else None
            if status and status >= 500:
                raise Transient(detail, status=status) from None
            raise Rejected(detail, status=status) from None
        except MastodonError as e:
            raise map_error(e, seen, stage="read") from e
        return OAuthApp(client_id, secret, redirect_uri, base_url=_base(base_url), scopes=SCOPES)

    def authorize_url(self, app: OAuthApp, state: str) -> str:
        api, seen = self._client(
            app.base_url, client_id=app.client_id, client_secret=app.client_secret
        )
        try:
            # force_login: the person may be signed in to the instance as themselves, not
            # as the organisation's account they mean to connect.
            url: str = api.auth_request_url(
                redirect_uris=app.redirect_uri,
                scopes=list(app.scopes or SCOPES),
                force_login=True,
                state=state,
                allow_http=_allow_http(app.base_url),
            )
        except MastodonError as e:
            raise map_error(e, seen, stage="read") from e
        # Mastodon.py writes an unset lang as "lang=None"; leave it out so the instance
        # uses the person's own language.
        base, _, query = url.partition("?")
        return base + "?" + urlencode([(k, v) for k, v in parse_qsl(query) if v != "None"])

    def exchange_code(self, app: OAuthApp, code: str, state: str = "") -> Connected:
        api, seen = self._client(
            app.base_url, client_id=app.client_id, client_secret=app.client_secret
        )
        try:
            token = api.log_in(
                code=code,
                redirect_uri=app.redirect_uri,
                scopes=list(app.scopes or SCOPES),
                allow_http=_allow_http(app.base_url),
            )
        except MastodonIllegalArgumentError as e:  # log_in wraps every failure in this
            cause = e.__context__
            if isinstance(cause, (MastodonNetworkError, MastodonServerError)):
                raise map_error(cause, seen, stage="read") from e
            detail = seen.error_text() or str(e)  # e.g. invalid_grant: the code was used
            raise AuthExpired(detail, kind="token_expired") from e
        except MastodonAPIError as e:  # fewer scopes granted than asked for
            raise AuthExpired(str(e), kind="permission_missing") from e
        except MastodonError as e:
            raise map_error(e, seen, stage="read") from e
        try:
            me = api.account_verify_credentials()
        except MastodonError as e:
            raise map_error(e, seen, stage="read") from e
        return Connected(
            Account(
                platform=self.platform,
                account_id=str(me["id"]),
                handle=_handle(me, app.base_url),
                base_url=app.base_url,
                credentials={
                    "access_token": token,
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                },
            ),
            expires_at=None,  # Mastodon's tokens do not expire; they can be revoked
        )

    def check_account(self, account: Account) -> AccountCheck:
        try:
            api, seen = self._account_client(account)
        except AuthExpired as e:
            return AccountCheck(ok=False, detail=e.detail)
        try:
            me = api.account_verify_credentials()
        except MastodonError as e:
            err = map_error(e, seen, stage="read")
            if isinstance(err, (AuthExpired, Rejected)):
                return AccountCheck(ok=False, detail=err.detail)
            raise err from e
        return AccountCheck(ok=True, handle=_handle(me, account.base_url))

    # --- publishing ------------------------------------------------------------------

    def _check(self, post: OutgoingPost) -> None:
        """Refuse before upload what Mastodon would refuse after it."""
        lim = self.limits
        if post.visibility and post.visibility not in VISIBILITIES:
            raise Rejected(f"Unknown visibility {post.visibility!r}.", kind="content_rejected")
        images = [m for m in post.media if m.kind == "image"]
        videos = [m for m in post.media if m.kind != "image"]
        if len(images) > lim.max_images or len(videos) > lim.max_videos or (images and videos):
            # PostStatusService: media_attachments.validations.too_many / images_and_video
            raise Rejected("Cannot attach these files to one post.", kind="media_rejected")
        for m in post.media:
            types = lim.image_types if m.kind == "image" else lim.video_types
            biggest = lim.image_max_bytes if m.kind == "image" else lim.video_max_bytes
            size = m.size or (m.path.stat().st_size if m.path.exists() else 0)
            if m.content_type not in types or (biggest and size > biggest):
                raise Rejected(f"{m.path.name}: type or size not accepted.", kind="media_rejected")
            if lim.alt_text_max and len(m.alt_text) > lim.alt_text_max:
                raise Rejected("Description is too long.", kind="media_rejected")

    def _upload(self, api: Mastodon, seen: Seen, media: tuple[OutgoingMedia, ...]) -> list[str]:
        """Upload every file, then wait until the instance has processed them all."""
        try:
            posted = []
            for m in media:
                with m.path.open("rb") as fh:
                    posted.append(
                        api.media_post(
                            fh,
                            mime_type=m.content_type,
                            description=m.alt_text or None,
                            file_name=m.path.name,
                        )
                    )
            # 202 Accepted: the full-size file is still processing; its url appears when done.
            deadline = time.monotonic() + self.media_wait
            delay = 0.1
            for i, attachment in enumerate(posted):
                while attachment.get("url") is None:
                    if time.monotonic() > deadline:
                        raise Transient("Media is still processing on the instance.")
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
                    attachment = posted[i] = api.media(attachment["id"])
        except OSError as e:
            raise Rejected(f"{e.filename}: {e.strerror}", kind="media_rejected") from e
        except MastodonError as e:
            raise map_error(e, seen, stage="media") from e
        return [str(a["id"]) for a in posted]

    def publish(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery:
        self._check(post)
        api, seen = self._account_client(account)
        max_chars, url_chars = self._limits(api)
        length = countable_length(post.text, url_chars=url_chars)
        if length > max_chars:
            raise Rejected(
                f"Text character limit of {max_chars} exceeded "
                f"({length} counted, each link as {url_chars})",
                kind="too_long",
            )
        media_ids = self._upload(api, seen, post.media)
        try:
            status = api.status_post(
                post.text,
                in_reply_to_id=post.reply_to or None,
                media_ids=media_ids or None,
                visibility=post.visibility or "public",
                language=post.language or None,
                idempotency_key=idempotency_key,
            )
        except MastodonError as e:
            raise map_error(e, seen, stage="status") from e
        return _delivery(status)

    def lookup(self, account: Account, post: OutgoingPost, idempotency_key: str) -> Delivery | None:
        api, seen = self._account_client(account)
        # Mastodon ids are Snowflakes; Mastodon.py turns a datetime into the matching id.
        # A few minutes of slack cover clock skew between us and the instance.
        since: Any = post.created_at - dt.timedelta(minutes=5)
        try:
            for _page in range(5):  # 200 statuses: far more than a municipality posts meanwhile
                batch = api.account_statuses(account.account_id, min_id=since, limit=40)
                for status in batch:
                    if self._is_ours(api, status, post):
                        return _delivery(status)
                if len(batch) < 40:
                    break
                since = max(batch, key=lambda s: int(s["id"]))["id"]
        except MastodonError as e:
            raise map_error(e, seen, stage="read") from e
        raise LookupUnsupported(
            "No status with this text on the account; Mastodon cannot be asked about the key."
        )

    # --- inbox (the work is in mastodon_inbox.py) -------------------------------------

    def fetch_events(
        self, account: Account, since: str | None
    ) -> tuple[list[Incoming], str | None]:
        from somevahti.connectors import mastodon_inbox

        return mastodon_inbox.fetch_events(self, account, since)

    def reply(self, account: Account, event: Incoming, text: str, idempotency_key: str) -> Delivery:
        from somevahti.connectors import mastodon_inbox

        return mastodon_inbox.reply(self, account, event, text, idempotency_key)

    def _is_ours(self, api: Mastodon, status: Any, post: OutgoingPost) -> bool:
        app = status.get("application")
        if app and app.get("name") != APP_NAME:
            return False  # written in another app, e.g. by hand in the web interface
        if len(status.get("media_attachments") or []) != len(post.media):
            return False
        if same_text(plain_text(status.get("content") or ""), post.text):
            return True
        if "@" in post.text:  # a remote mention shows as @name only: ask for the source
            source = api.status_source(status["id"])
            return same_text(str(source.get("text") or ""), post.text)
        return False


def _handle(me: Any, base_url: str) -> str:
    """The full address: ``acct`` leaves out the instance for local accounts."""
    acct = str(me["acct"])
    return acct if "@" in acct else f"{acct}@{urlsplit(_base(base_url)).netloc}"


def _delivery(status: Any) -> Delivery:
    created = status.get("created_at")
    return Delivery(
        platform_id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or ""),
        response={
            "id": str(status["id"]),
            "uri": status.get("uri"),
            "created_at": created.isoformat() if hasattr(created, "isoformat") else created,
            "visibility": status.get("visibility"),
            "language": status.get("language"),
            "media_ids": [str(m["id"]) for m in status.get("media_attachments") or []],
        },
    )
