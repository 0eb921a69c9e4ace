"""JSON shapes for the Mastodon double, and the bits of Mastodon's formatting it needs.

Field names and nesting follow the entity classes Mastodon.py ships in
``mastodon/return_types.py`` (Account, CredentialAccountSource, Status, MediaAttachment,
Application, Instance, InstanceV2 and its configuration classes), which document the
Mastodon API entities (docs.joinmastodon.org/entities/); ``test_mastodon`` checks every
required field of those classes is present. Token is the OAuth token response of
docs.joinmastodon.org/entities/Token. Example values follow the API documentation.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import struct
import threading
import time
from typing import Any

VERSION = "4.4.0"
API_VERSION = 6  # api_versions.mastodon of Mastodon 4.4
VAPID_KEY = "BDoubleVapidKeyNotARealKey="  # no web push from the double
BLURHASH = "000000"  # a valid 1×1 blurhash (black): enough for clients that draw one
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/avif")
VIDEO_TYPES = ("video/webm", "video/mp4", "video/quicktime", "video/ogg")
IMAGE_LIMIT = 16 * 1024 * 1024
VIDEO_LIMIT = 99 * 1024 * 1024

_seq_lock = threading.Lock()
_last_id = 0


def snowflake() -> str:
    """Mastodon's ids: milliseconds since the epoch shifted 16 bits, plus a sequence, so
    Mastodon.py can turn a datetime into a comparable ``min_id``."""
    global _last_id
    with _seq_lock:
        _last_id = max(int(time.time() * 1000) << 16, _last_id + 1)
        return str(_last_id)


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{int(ts * 1000) % 1000:03d}Z"
    )


def sniff(data: bytes) -> str:
    """The content type from the file's own bytes, as Mastodon decides it (not the header)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return "application/octet-stream"


def dimensions(data: bytes) -> tuple[int, int]:
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:3] == b"GIF" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return 640, 480  # other formats: a plausible size is all a test needs


# --- text ---------------------------------------------------------------------------

URL_RE = re.compile(r"(?<![\w@$#])(?:https?|gemini)://[\w-]+(?:\.[\w-]+)+[^\s<>\"]*", re.I)
MENTION_RE = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)(?:@([\w.-]*\w))?", re.I
)
TAG_RE = re.compile(r"(?<![=/\w])#(\w+)")


def _trim_url(url: str) -> str:
    while url and url[-1] in ".,;:!?'\")]":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def urls(text: str) -> list[str]:
    return [_trim_url(m.group(0)) for m in URL_RE.finditer(text)]


def countable(text: str, graphemes: Any) -> int:
    """StatusLengthValidator, written independently of the connector's copy on purpose."""
    if not text.strip():
        return 0
    for url in urls(text):
        text = text.replace(url, "x" * 23, 1)
    text = MENTION_RE.sub(lambda m: "@" + m.group(1), text)
    return len(graphemes(text))


def _link(url: str) -> str:
    scheme, _, rest = url.partition("://")
    shown, hidden = (rest[:30], rest[30:]) if len(rest) > 30 else (rest, "")
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{scheme}://</span>'
        f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )


def render(text: str, base: str) -> str:
    """Plain text to ``content`` HTML the way Mastodon's TextFormatter lays it out:
    paragraphs, ``<br />`` for single newlines, linked URLs, hashtags and mentions (a mention
    shows its user part only)."""
    pieces: list[str] = []
    pos = 0
    for url in urls(text):
        at = text.index(url, pos)
        pieces.append(_inline(text[pos:at], base))
        pieces.append(_link(url))
        pos = at + len(url)
    pieces.append(_inline(text[pos:], base))
    body = "".join(pieces).strip()
    paragraphs = re.split(r"\n\s*\n", body)
    return "".join(f"<p>{p.replace(chr(10), '<br />')}</p>" for p in paragraphs if p)


def _inline(chunk: str, base: str) -> str:
    out = html.escape(chunk, quote=False)

    def mention(m: re.Match[str]) -> str:
        user, domain = m.group(1), m.group(2)
        href = f"https://{domain}/@{user}" if domain else f"{base}/@{user}"
        return (
            f'<span class="h-card" translate="no"><a href="{href}" class="u-url mention">'
            f"@<span>{user}</span></a></span>"
        )

    out = MENTION_RE.sub(mention, out)
    return TAG_RE.sub(
        lambda m: (
            f'<a href="{base}/tags/{m.group(1)}" class="mention hashtag" rel="tag">'
            f"#<span>{m.group(1)}</span></a>"
        ),
        out,
    )


# --- entities -----------------------------------------------------------------------


def account(
    acct: dict[str, Any], base: str, statuses_count: int, source: bool = False
) -> dict[str, Any]:
    url = f"{base}/@{acct['username']}"
    out: dict[str, Any] = {
        "id": acct["id"], "username": acct["username"], "acct": acct["username"],
        "display_name": acct["display_name"], "locked": False, "bot": False,
        "discoverable": True, "indexable": True, "group": False, "hide_collections": False,
        "created_at": iso(acct["created_at"])[:10] + "T00:00:00.000Z", "note": "",
        "url": url, "uri": f"{base}/users/{acct['username']}",
        "avatar": f"{base}/avatars/original/missing.png",
        "avatar_static": f"{base}/avatars/original/missing.png",
        "avatar_description": "", "header": f"{base}/headers/original/missing.png",
        "header_static": f"{base}/headers/original/missing.png", "header_description": "",
        "followers_count": 0, "following_count": 0, "statuses_count": statuses_count,
        "last_status_at": None, "noindex": False, "memorial": None, "emojis": [],
        "roles": [], "fields": [], "show_media": True, "show_media_replies": True,
        "show_featured": True,
        "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"},
    }  # fmt: skip
    if acct.get("suspended"):
        out["suspended"] = True
    if source:  # CredentialAccount: verify_credentials adds the owner's own settings
        out["source"] = {
            "privacy": "public", "sensitive": False, "language": acct.get("language") or "",
            "note": "", "fields": [], "follow_requests_count": 0, "indexable": True,
            "hide_collections": False, "discoverable": True, "attribution_domains": [],
            "quote_policy": "public",
        }  # fmt: skip
        out["role"] = {
            "id": "-99",
            "name": "",
            "permissions": "0",
            "color": "",
            "highlighted": False,
        }
    return out


def media(m: dict[str, Any], base: str) -> dict[str, Any]:
    ext = m["content_type"].split("/")[-1]
    path = f"{base}/system/media_attachments/files/{m['id']}"
    ready = m["ready_at"] <= time.time()
    width, height = m["width"], m["height"]
    size = {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}
    return {
        "id": m["id"], "type": m["type"],
        "url": f"{path}/original/{m['id']}.{ext}" if ready else None,
        "preview_url": f"{path}/small/{m['id']}.{ext}", "remote_url": None,
        "preview_remote_url": None, "text_url": None,
        "meta": {"original": size, "small": size, "focus": {"x": 0.0, "y": 0.0}},
        "description": m["description"] or None, "blurhash": BLURHASH,
    }  # fmt: skip


def application(app: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if app is None else {"name": app["name"], "website": app["website"]}


def registered_app(app: dict[str, Any]) -> dict[str, Any]:
    """POST /api/v1/apps: Application plus the client credentials (CredentialApplication)."""
    return {
        "id": app["id"], "name": app["name"], "website": app["website"],
        "scopes": app["scopes"], "redirect_uris": app["redirect_uris"],
        "redirect_uri": "\n".join(app["redirect_uris"]), "vapid_key": app["vapid_key"],
        "client_id": app["client_id"], "client_secret": app["client_secret"],
        "client_secret_expires_at": 0,
    }  # fmt: skip


def _configuration(base: str, max_chars: int) -> dict[str, Any]:
    return {
        "urls": {"streaming": base.replace("http", "ws", 1), "status": None,
                 "about": f"{base}/about", "privacy_policy": f"{base}/privacy-policy",
                 "terms_of_service": None},
        "vapid": {"public_key": VAPID_KEY},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5,
                     "max_display_name_length": 30, "max_note_length": 500,
                     "max_avatar_description_length": 1500,
                     "max_header_description_length": 1500, "max_profile_fields": 4,
                     "profile_field_name_limit": 255, "profile_field_value_limit": 255},
        "statuses": {"max_characters": max_chars, "max_media_attachments": 4,
                     "characters_reserved_per_url": 23},
        "media_attachments": {"supported_mime_types": [*IMAGE_TYPES, *VIDEO_TYPES],
                              "description_limit": 1500, "image_size_limit": IMAGE_LIMIT,
                              "image_matrix_limit": 33177600, "video_size_limit": VIDEO_LIMIT,
                              "video_frame_rate_limit": 120, "video_matrix_limit": 8294400},
        "polls": {"max_options": 4, "max_characters_per_option": 50,
                  "min_expiration": 300, "max_expiration": 2629746},
        "translation": {"enabled": False},
        "limited_federation": False,
        "timelines_access": {k: {"local": "public", "remote": "public"}
                             for k in ("live_feeds", "hashtag_feeds", "trending_link_feeds")},
    }  # fmt: skip


def instance_v2(base: str, domain: str, max_chars: int, contact: dict[str, Any]) -> dict[str, Any]:
    return {
        "domain": domain, "title": "Somevahti test instance", "version": VERSION,
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A stand-in Mastodon server for tests.",
        "usage": {"users": {"active_month": 1}},
        "thumbnail": {"url": f"{base}/packs/media/images/preview.png", "blurhash": BLURHASH,
                      "versions": {}, "description": ""},
        "icon": [], "languages": ["fi", "sv", "en"],
        "configuration": _configuration(base, max_chars),
        "registrations": {"enabled": False, "approval_required": False, "message": None,
                          "url": None, "sign_up_url": None, "reason_required": False,
                          "min_age": None},
        "contact": {"email": "", "account": contact}, "rules": [],
        "api_versions": {"mastodon": API_VERSION}, "wrapstodon": None,
    }  # fmt: skip


def instance_v1(
    base: str, domain: str, max_chars: int, contact: dict[str, Any], counts: tuple[int, int]
) -> dict[str, Any]:
    cfg = _configuration(base, max_chars)
    return {
        "uri": domain, "title": "Somevahti test instance", "version": VERSION,
        "short_description": "A stand-in Mastodon server for tests.", "description": "",
        "email": "", "urls": {"streaming_api": cfg["urls"]["streaming"]},
        "stats": {"user_count": counts[0], "status_count": counts[1], "domain_count": 0},
        "thumbnail": f"{base}/packs/media/images/preview.png", "languages": ["fi", "sv", "en"],
        "registrations": False, "approval_required": False, "invites_enabled": False,
        "configuration": {
            k: cfg[k] for k in ("accounts", "statuses", "media_attachments", "polls")
        },
        "contact_account": contact, "rules": [],
    }  # fmt: skip


def oauth_server(base: str, scopes: list[str]) -> dict[str, Any]:
    """/.well-known/oauth-authorization-server (RFC 8414), served since Mastodon 4.3."""
    return {
        "issuer": f"{base}/", "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token", "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo", "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "app_registration_endpoint": f"{base}/api/v1/apps",
    }  # fmt: skip
