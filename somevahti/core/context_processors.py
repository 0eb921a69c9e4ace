from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from somevahti.content.tips import is_triager
from somevahti.core.models import User
from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm

# (url name, label, who sees it: a permission name, a predicate, or None for everyone)
NAV: list[tuple[str, Any, str | Callable[[User], bool] | None]] = [
    ("core:dashboard", _("Front page"), None),
    ("core:units", _("Units"), Perm.VIEW_REGISTRY),
    ("content:post_list", _("Posts"), Perm.VIEW_REGISTRY),
    ("content:calendar", _("Calendar"), Perm.VIEW_REGISTRY),
    ("content:programme", _("Weekly programme"), Perm.VIEW_REGISTRY),
    ("content:tip_mine", _("Tips"), Perm.VIEW_REGISTRY),
    ("content:tip_queue", _("Tips to handle"), is_triager),
    ("content:crisis_list", _("Crisis mode"), None),
    ("registry:channel_list", _("Channels"), Perm.VIEW_REGISTRY),
    ("registry:request_list", _("Channel requests"), Perm.REQUEST_CHANNEL),
    ("registry:access_tasks", _("IT tasks"), Perm.MANAGE_ACCESS),
    ("registry:dormancy_list", _("Dormant channels"), Perm.VIEW_REGISTRY),
    ("registry:matrix", _("Target groups"), Perm.VIEW_REGISTRY),
    ("guidelines:list", _("Guidelines"), None),
    ("checks:try", _("Try the checker"), None),
    ("audit:log", _("Audit log"), Perm.VIEW_AUDIT),
    ("registry:deactivate_user", _("Deactivate a person"), Perm.MANAGE_USERS),
    ("core:settings", _("Settings"), Perm.MANAGE_ORGANISATION),
]
# Pages whose URL is a prefix of other pages' URLs are current only on an exact match.
EXACT = {"core:dashboard", "registry:channel_list", "content:tip_queue"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, who in NAV:
        if callable(who):
            if not who(user):  # type: ignore[arg-type]
                continue
        elif who is not None and not has_perm(user, who):  # type: ignore[arg-type]
            continue
        url = reverse(name)
        current = request.path == url if name in EXACT else request.path.startswith(url)
        items.append({"url": url, "label": label, "current": current})
    unread = user.notifications.filter(read_at__isnull=True).count()  # type: ignore[union-attr]
    return {"nav_items": items, "unread_notifications": unread}
