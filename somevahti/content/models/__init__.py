"""Content models, one module per area; everything is re-exported here for Django."""

from somevahti.content.models.posts import (
    CheckOverride,
    ContentTag,
    Post,
    PostMedia,
    PostVariant,
    ReviewComment,
    UnitPublishingSettings,
    get_media_storage,
)

__all__ = [
    "CheckOverride",
    "ContentTag",
    "Post",
    "PostMedia",
    "PostVariant",
    "ReviewComment",
    "UnitPublishingSettings",
    "get_media_storage",
]
