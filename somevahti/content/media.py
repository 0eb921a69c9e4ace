"""Upload limits: the file's real type (sniffed, not the browser's claim) and each platform's
size limit, so a file a platform would refuse is refused at upload with the limit named."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

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


# Conservative figures from the platforms' API documentation (2025); the connectors will
# own these once publishing exists.
LIMITS: dict[str, PlatformLimits] = {
    "bluesky": PlatformLimits(1 * MB, 50 * MB, video_types=frozenset({"video/mp4"})),
    "mastodon": PlatformLimits(16 * MB, 99 * MB),
    "x": PlatformLimits(5 * MB, 512 * MB),
    "facebook": PlatformLimits(10 * MB, 1024 * MB),
    "instagram": PlatformLimits(8 * MB, 300 * MB, image_types=frozenset({"image/jpeg"})),
    "threads": PlatformLimits(
        8 * MB, 1024 * MB, image_types=frozenset({"image/jpeg", "image/png"})
    ),
    "linkedin": PlatformLimits(8 * MB, 500 * MB),
    "youtube": PlatformLimits(None, 1024 * MB),
    "tiktok": PlatformLimits(
        20 * MB, 1024 * MB, image_types=frozenset({"image/jpeg", "image/webp"})
    ),
}


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
        limits = LIMITS.get(platform)
        if limits is None:
            continue
        limit = limits.image_max if kind == "image" else limits.video_max
        types = limits.image_types if kind == "image" else limits.video_types
        name = PLATFORM_NAMES.get(platform, platform)
        if limit is None:
            raise ValidationError(
                {"file": _("%(platform)s does not take images in posts.") % {"platform": name}}
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


def validate_captions(upload: UploadedFile) -> None:
    """SRT or WebVTT, recognised by their first cue line."""
    if (upload.size or 0) > CAPTIONS_MAX:
        raise ValidationError({"captions": _("A captions file may be at most 1 MB.")})
    upload.seek(0)
    head = upload.read(2048).decode("utf-8-sig", errors="replace").lstrip()
    upload.seek(0)
    if head.startswith("WEBVTT") or "-->" in head.split("\n\n", 1)[0]:
        return
    raise ValidationError({"captions": _("Upload the captions as an SRT or WebVTT file.")})


PLATFORM_NAMES = {
    "bluesky": "Bluesky", "mastodon": "Mastodon", "x": "X", "facebook": "Facebook",
    "instagram": "Instagram", "threads": "Threads", "linkedin": "LinkedIn",
    "youtube": "YouTube", "tiktok": "TikTok",
}  # fmt: skip
