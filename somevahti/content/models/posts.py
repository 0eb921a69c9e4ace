"""Posts and their review: the first slice of the editorial desk.

State changes go through ``content.states.transition``; nothing here has logic in ``save()``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class _MediaStorage(FileSystemStorage):
    """MEDIA_ROOT when the settings define one, else ``var/media``. Post media are not
    public before publication, so they are served only through a permission-checked view."""

    @cached_property
    def base_location(self) -> Any:
        own = getattr(self, "_location", None)
        return self._value_or_setting(own, settings.MEDIA_ROOT or str(settings.VAR_DIR / "media"))


media_storage = _MediaStorage()


def get_media_storage() -> FileSystemStorage:
    return media_storage


class ContentTag(models.Model):
    """A content type (people with faces, video, ...) so effectiveness can be compared per type."""

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="content_tags"
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("content type")
        verbose_name_plural = _("content types")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="content_tag_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class UnitPublishingSettings(models.Model):
    """Per-unit review rule; a unit without its own row follows its nearest ancestor."""

    unit = models.OneToOneField(
        "core.Unit", on_delete=models.CASCADE, related_name="publishing_settings"
    )
    four_eyes = models.BooleanField(
        _("a second person must approve"),
        default=True,
        help_text=_("When on, a post is approved by someone other than its author."),
    )

    class Meta:
        verbose_name = _("publishing settings")
        verbose_name_plural = _("publishing settings")

    def __str__(self) -> str:
        return f"{self.unit_id}: four_eyes={self.four_eyes}"


class Post(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Returned for changes")
        FAILED = "failed", _("Publishing failed")
        UNCONFIRMED = "unconfirmed", _("Publication unconfirmed")
        CANCELLED = "cancelled", _("Cancelled")
        PUBLISHED_MANUALLY = "published_manually", _("Published by hand")

    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="posts"
    )
    unit = models.ForeignKey(
        "core.Unit", on_delete=models.PROTECT, related_name="posts", verbose_name=_("unit")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("author"),
    )
    title = models.CharField(
        _("working title"), max_length=200, help_text=_("Only shown inside Somevahti.")
    )
    body = models.TextField(_("text"), blank=True)
    tags = models.ManyToManyField(
        ContentTag, blank=True, related_name="posts", verbose_name=_("content types")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    published_url = models.URLField(_("address of the published post"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # Optimistic locking: every write bumps it; a stale submitted version is a conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organisation", "state"])]

    def __str__(self) -> str:
        return self.title


class PostVariant(models.Model):
    """The post on one channel; a blank body means the post's own text."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(
        "registry.Channel",
        on_delete=models.PROTECT,
        related_name="post_variants",
        verbose_name=_("channel"),
    )
    body = models.TextField(_("text for this channel"), blank=True)

    class Meta:
        verbose_name = _("channel version")
        verbose_name_plural = _("channel versions")
        ordering = ["channel__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="post_variant_unique_channel")
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → {self.channel_id}"

    def text(self, post: Post | None = None) -> str:
        return self.body or (post or self.post).body


class PostMedia(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="posts/%Y/%m/", storage=get_media_storage)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    alt_text = models.TextField(_("alt text"), blank=True)
    captions = models.FileField(
        _("captions (SRT or WebVTT)"),
        upload_to="captions/%Y/%m/",
        storage=get_media_storage,
        blank=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("media file")
        verbose_name_plural = _("media files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class ReviewComment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class CheckOverride(models.Model):
    """A blocking finding let through with a written reason. The finding's text is kept only
    as a keyed hash so that an identity code never lands in the database."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="overrides")
    channel = models.ForeignKey(
        "registry.Channel", on_delete=models.CASCADE, related_name="+", verbose_name=_("channel")
    )
    rule = models.CharField(_("rule"), max_length=60)
    text_hash = models.CharField(max_length=64)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("check override")
        verbose_name_plural = _("check overrides")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "channel", "rule", "text_hash"], name="check_override_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.rule}"
