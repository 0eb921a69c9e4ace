"""Who may do what with posts, and the unit's four-eyes rule. No writes here.

- author: any role on the unit except elected official (the roles of Perm.VIEW_REGISTRY);
- reviewer: channel owner, communications or unit director over the post's unit
  (the roles of Perm.EDIT_CHANNEL);
- scheduler and override of ordinary blocks: Perm.EDIT_CHANNEL on each channel's unit;
- override of identity codes and sensitive data: the data protection officer over the unit.
"""

from __future__ import annotations

from django.db.models import Q

from somevahti.content.models import Post, UnitPublishingSettings
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, roles_of, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.registry.models import Channel, ChannelStatus

DPO_RULES = frozenset({"privacy.hetu", "privacy.sensitive"})
# Channels a post may target; closed, closing and dormant ones are refused.
POSTABLE_STATUSES = frozenset(
    {ChannelStatus.ACTIVE, ChannelStatus.UNDER_MAINTAINED, ChannelStatus.OPENING}
)


def can_author(user: User, unit: Unit) -> bool:
    return has_perm(user, Perm.VIEW_REGISTRY, unit)


def can_review(user: User, unit: Unit) -> bool:
    return has_perm(user, Perm.EDIT_CHANNEL, unit)


def can_schedule_on(user: User, channel: Channel) -> bool:
    return has_perm(user, Perm.EDIT_CHANNEL, channel.unit)


def can_edit(user: User, post: Post) -> bool:
    if post.author_id == user.pk:
        return can_author(user, post.unit)
    return can_review(user, post.unit)


def is_dpo_over(user: User, unit: Unit) -> bool:
    if Role.DATA_PROTECTION not in roles_of(user):  # cheap, cached: most users are not
        return False
    return users_with_role_over(unit, [Role.DATA_PROTECTION]).filter(pk=user.pk).exists()


def can_override(user: User, channel: Channel, rule: str, unit: Unit) -> bool:
    if rule in DPO_RULES:
        return is_dpo_over(user, unit)
    return can_schedule_on(user, channel)


def four_eyes(unit: Unit) -> bool:
    """The nearest setting on the unit or its ancestors; on by default."""
    rows = UnitPublishingSettings.objects.filter(
        unit__organisation_id=unit.organisation_id, unit__path__in=unit.ancestor_paths()
    ).values_list("unit__path", "four_eyes")
    nearest = max(rows, key=lambda r: len(r[0]), default=None)
    return True if nearest is None else nearest[1]


def postable_channels_q() -> Q:
    return Q(status__in=POSTABLE_STATUSES)
