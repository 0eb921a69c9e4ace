"""Upload limits: the file's real type (sniffed, not the browser's claim) and each platform's
size limit, so a file a platform would refuse is refused at upload with the limit named."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from somevahti.connectors import registry

MB = 1024 * 1024

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP"}
VIDEO_TYPES = {"video/mp4": "MP4", "video/quicktime": "MOV"}
# Without any channel chosen yet, these general caps apply.
DEFAULT_IMAGE_MAX = 16 * MB
DEFAULT_VIDEO_MAX = 512 * MB
CAPTIONS_MAX = 1 * MB


@dataclass(frozen=True)
class PlatformLimits:
    image_max: int | None  # None: the platform takes no images in posts
    video_max: int | None
    image_types: frozenset[str] = frozenset(IMAGE_TYPES)
    video_types: frozenset[str] = frozenset(VIDEO_TYPES)


# Platforms published by hand: figures from their own documentation (2025). Platforms with
# a connector take the connector's limits (``limits_for``), so the editor never accepts a
# file the connector would then refuse.
MANUAL_LIMITS: dict[str, PlatformLimits] = {
    "threads": PlatformLimits(
        8 * MB, 1024 * MB, image_types=frozenset({"image/jpeg", "image/png"})
    ),
    "tiktok": PlatformLimits(
        20 * MB, 1024 * MB, image_types=frozenset({"image/jpeg", "image/webp"})
    ),
}


@cache
def limits_for(platform: str) -> PlatformLimits | None:
    if not registry.has_api(platform):
        return MANUAL_LIMITS.get(platform)
    sent = registry.connector_class(platform).limits
    return PlatformLimits(
        image_max=sent.image_max_bytes if sent.max_images else None,
        video_max=sent.video_max_bytes if sent.max_videos else None,
        image_types=sent.image_types,
        video_types=sent.video_types,
    )


def sniff(head: bytes) -> str | None:
    """The content type from the file's first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    return None


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".rstrip("0").rstrip(".")


def validate_upload(upload: UploadedFile, platforms: Iterable[str]) -> tuple[str, str]:
    """(kind, content type) of an acceptable file; else a ValidationError on ``file``."""
    upload.seek(0)
    content_type = sniff(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            {"file": _("Upload an image (JPEG, PNG, GIF, WebP) or a video (MP4, MOV).")}
        )
    kind = "image" if content_type in IMAGE_TYPES else "video"
    size = upload.size or 0
    label = (IMAGE_TYPES | VIDEO_TYPES)[content_type]
    general = DEFAULT_IMAGE_MAX if kind == "image" else DEFAULT_VIDEO_MAX
    if size > general:
        raise ValidationError(
            {
                "file": _("The file is %(size)s MB; the largest allowed is %(limit)s MB.")
                % {"size": _mb(size), "limit": _mb(general)}
            }
        )
    for platform in sorted(set(platforms)):
        limits = limits_for(platform)
        if limits is None:
            continue
        limit = limits.image_max if kind == "image" else limits.video_max
        types = limits.image_types if kind == "image" else limits.video_types
        name = PLATFORM_NAMES.get(platform, platform)
        if limit is None and kind == "image":
            raise ValidationError(
                {"file": _("%(platform)s does not take images in posts.") % {"platform": name}}
            )
        if limit is None:
            raise ValidationError(
                {"file": _("Somevahti cannot publish videos on %(platform)s.") % {"platform": name}}
            )
        if content_type not in types:
            allowed = ", ".join(sorted((IMAGE_TYPES | VIDEO_TYPES)[t] for t in types))
            raise ValidationError(
                {
                    "file": _(
                        "%(platform)s does not accept %(type)s files; it accepts: %(allowed)s."
                    )
                    % {"platform": name, "type": label, "allowed": allowed}
                }
            )
        if size > limit:
            raise ValidationError(
                {
                    "file": _("The file is %(size)s MB; %(platform)s accepts at most %(limit)s MB.")
                    % {"size": _mb(size), "platform": name, "limit": _mb(limit)}
                }
            )
    return kind, content_type


# A cue's timing line: "00:00:01,000 --> 00:00:04,000" (SRT) or "00:01.000 --> 00:04.000"
# (WebVTT, hours optional). Only the first cue is looked at.
_TIMING = re.compile(r"(?:\d+:)?\d{2}:\d{2}[,.]\d{3}[ \t]+-->[ \t]+(?:\d+:)?\d{2}:\d{2}[,.]\d{3}")
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t]|\r?\n|$)")


def validate_captions(upload: UploadedFile) -> str:
    """``"srt"`` or ``"vtt"`` for a captions file; else a ValidationError on ``captions``. A WebVTT
    file starts with its header; an SRT file with a cue number and a timing line."""
    if (upload.size or 0) > CAPTIONS_MAX:
        raise ValidationError({"captions": _("A captions file may be at most 1 MB.")})
    upload.seek(0)
    raw = upload.read(2048)
    upload.seek(0)
    # Subtitles made in Finland are often Windows-1252; a binary file has NUL bytes.
    head = "" if b"\0" in raw else raw.decode("utf-8-sig", errors="replace").lstrip()
    if _VTT_HEADER.match(head):
        return "vtt"
    lines = head.replace("\r\n", "\n").split("\n", 2)
    if len(lines) >= 2 and lines[0].strip().isdigit() and _TIMING.match(lines[1].strip()):
        return "srt"
    raise ValidationError({"captions": _("Upload the captions as an SRT or WebVTT file.")})


def captions_name(name: str, kind: str) -> str:
    """The stored file's name with the extension of its real format."""
    stem = (name or "captions").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "captions"
    return f"{stem[:80]}.{kind}"


PLATFORM_NAMES = {
    "bluesky": "Bluesky", "mastodon": "Mastodon", "x": "X", "facebook": "Facebook",
    "instagram": "Instagram", "threads": "Threads", "linkedin": "LinkedIn",
    "youtube": "YouTube", "tiktok": "TikTok",
}  # fmt: skip
