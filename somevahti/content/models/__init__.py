"""Content models, one module per area; everything is re-exported here for Django."""

from somevahti.content.models.calendar import FeedToken as FeedToken
from somevahti.content.models.crisis import *  # noqa: F403 (crisis mode)
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
from somevahti.content.models.programme import *  # noqa: F403 (weekly programme, rota)
from somevahti.content.models.tips import *  # noqa: F403 (staff tips)

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
