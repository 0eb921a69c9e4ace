"""What the front page shows depends on the user's roles."""

from __future__ import annotations

from typing import Any

from somevahti.core.models import User
from somevahti.core.permissions import has_perm, roles_of
from somevahti.core.roles import Perm, Role
from somevahti.registry import queries as registry


def dashboard_context(user: User) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "roles": [Role(r).label for r in sorted(roles_of(user))],
        "notifications": user.notifications.filter(read_at__isnull=True)[:5],
        "my_channels": user.responsible_channels.select_related("unit").order_by("name")[:20],
        "my_requests": user.channel_requests.order_by("-created_at")[:5],
    }
    if has_perm(user, Perm.DECIDE_CHANNEL_REQUEST):
        ctx["to_decide"] = registry.requests_to_decide(user).select_related("unit")[:20]
    if has_perm(user, Perm.MANAGE_ACCESS):
        ctx["it_tasks"] = (
            registry.access_tasks_for(user).filter(status="open").select_related("channel")[:20]
        )
    if has_perm(user, Perm.VIEW_REGISTRY):
        ctx["neglected"] = registry.neglected_channels(user).select_related("unit")[:20]
        ctx["open_reviews"] = (
            registry.dormancy_reviews_for(user)
            .filter(status__in=["open", "closing"])
            .select_related("channel")[:20]
        )
    return ctx
