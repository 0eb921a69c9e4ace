"""Reads for posts, scoped to the user's organisation and units."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from somevahti.content.models import ContentTag, Post, PostVariant
from somevahti.content.rules import POSTABLE_STATUSES
from somevahti.core.models import User
from somevahti.core.permissions import org_id, scoped, units_q
from somevahti.core.roles import Perm
from somevahti.registry.models import Channel

S = Post.State


def posts_visible_to(user: User) -> QuerySet[Post]:
    """Posts of units the user works in (every staff role), plus their own."""
    own = Q(author=user, organisation_id=org_id(user))
    return Post.objects.filter(units_q(user, Perm.VIEW_REGISTRY, "unit") | own)


def post_rows(qs: QuerySet[Post]) -> QuerySet[Post]:
    """What a list shows: unit, author and channels in a fixed number of queries."""
    return qs.select_related("unit", "author").prefetch_related(
        Prefetch("variants", PostVariant.objects.select_related("channel")), "tags"
    )


def posts_to_review(user: User) -> QuerySet[Post]:
    return scoped(Post.objects.filter(state=S.IN_REVIEW), user, Perm.EDIT_CHANNEL)


def channels_to_post_to(user: User) -> QuerySet[Channel]:
    """Active channels of units the user may write for."""
    return scoped(
        Channel.objects.filter(status__in=POSTABLE_STATUSES), user, Perm.VIEW_REGISTRY
    ).select_related("unit")


def tags_of(user: User) -> QuerySet[ContentTag]:
    return ContentTag.objects.filter(organisation_id=org_id(user))
