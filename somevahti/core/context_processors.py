from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm

# (url name, label, permission needed or None)
NAV = [
    ("core:dashboard", _("Front page"), None),
    ("core:units", _("Units"), Perm.VIEW_REGISTRY),
    ("content:post_list", _("Posts"), Perm.VIEW_REGISTRY),
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
EXACT = {"core:dashboard", "registry:channel_list"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, perm in NAV:
        if perm is not None and not has_perm(user, perm):  # type: ignore[arg-type]
            continue
        url = reverse(name)
        current = request.path == url if name in EXACT else request.path.startswith(url)
        items.append({"url": url, "label": label, "current": current})
    unread = user.notifications.filter(read_at__isnull=True).count()  # type: ignore[union-attr]
    return {"nav_items": items, "unread_notifications": unread}
