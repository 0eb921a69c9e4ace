"""Reads for the registry, always scoped to the user's organisation and units."""

from __future__ import annotations

from django.db.models import QuerySet

from somevahti.core.models import User
from somevahti.core.permissions import org_id, scoped
from somevahti.core.roles import Perm
from somevahti.registry.models import (
    AccessGrant,
    AccessTask,
    Audience,
    Channel,
    ChannelRequest,
    ChannelStatus,
    DormancyReview,
    MatrixCell,
)


def channels_visible_to(user: User) -> QuerySet[Channel]:
    return scoped(Channel.objects.all(), user, Perm.VIEW_REGISTRY)


def requests_visible_to(user: User) -> QuerySet[ChannelRequest]:
    """Requests in units the user can see, plus the user's own requests."""
    own = ChannelRequest.objects.filter(requested_by=user, organisation_id=org_id(user))
    return (scoped(ChannelRequest.objects.all(), user, Perm.VIEW_REGISTRY) | own).distinct()


def requests_to_decide(user: User) -> QuerySet[ChannelRequest]:
    return (
        scoped(ChannelRequest.objects.all(), user, Perm.DECIDE_CHANNEL_REQUEST)
        .filter(status=ChannelRequest.Status.PENDING)
        .exclude(requested_by=user)
    )


def access_tasks_for(user: User) -> QuerySet[AccessTask]:
    return scoped(AccessTask.objects.all(), user, Perm.MANAGE_ACCESS, "channel__unit")


def access_grants_for(user: User) -> QuerySet[AccessGrant]:
    return scoped(AccessGrant.objects.all(), user, Perm.VIEW_REGISTRY, "channel__unit")


def dormancy_reviews_for(user: User) -> QuerySet[DormancyReview]:
    return scoped(DormancyReview.objects.all(), user, Perm.VIEW_REGISTRY, "channel__unit")


def audiences_of(user: User) -> QuerySet[Audience]:
    return Audience.objects.filter(organisation_id=org_id(user))


def matrix_cells_of(user: User) -> QuerySet[MatrixCell]:
    return MatrixCell.objects.filter(organisation_id=org_id(user))


def neglected_channels(user: User) -> QuerySet[Channel]:
    return channels_visible_to(user).filter(
        status__in=[ChannelStatus.UNDER_MAINTAINED, ChannelStatus.DORMANT]
    )


def suggest_platforms(
    user: User, audiences: list[Audience]
) -> list[tuple[str, str, list[tuple[Audience, str]]]]:
    """Platforms that serve the chosen audiences, best coverage first.

    Returns (platform code, platform label, [(audience, purpose of that cell)]);
    the cell purposes are the reason shown to the user.
    """
    from somevahti.registry.models import Platform

    ids = [a.pk for a in audiences]
    cells = matrix_cells_of(user).filter(audience_id__in=ids).select_related("audience")
    by_platform: dict[str, list[tuple[Audience, str]]] = {}
    for cell in cells.order_by("audience__order", "audience__name"):
        by_platform.setdefault(cell.platform, []).append((cell.audience, cell.purpose))
    ranked = sorted(by_platform.items(), key=lambda kv: (-len(kv[1]), Platform(kv[0]).label))
    return [(code, str(Platform(code).label), reasons) for code, reasons in ranked]
