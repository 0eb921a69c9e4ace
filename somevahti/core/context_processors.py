from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from somevahti.content.tips import is_triager
from somevahti.core.models import User
from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm

# Who sees an item: a permission name, a predicate, or None for everyone.
Who = str | Callable[[User], bool] | None
# (url name, label, who)
Item = tuple[str, Any, Who]

# The front page stands alone; the rest is grouped into a two-level menu.
HOME: Item = ("core:dashboard", _("Front page"), None)
NAV: list[tuple[str, Any, list[Item]]] = [
    (
        "publishing",
        pgettext_lazy("menu section", "Publishing"),
        [
            ("content:post_list", _("Posts"), Perm.VIEW_REGISTRY),
            ("inbox:list", _("Inbox"), Perm.VIEW_REGISTRY),
            ("content:calendar", _("Calendar"), Perm.VIEW_REGISTRY),
            ("publishing:deliveries", _("Deliveries"), Perm.VIEW_REGISTRY),
            ("content:programme", _("Weekly programme"), Perm.VIEW_REGISTRY),
            ("content:tip_mine", _("Tips"), Perm.VIEW_REGISTRY),
            ("content:tip_queue", _("Tips to handle"), is_triager),
            ("content:crisis_list", _("Crisis mode"), None),
        ],
    ),
    (
        "channels",
        _("Channels"),
        [
            ("registry:channel_list", _("Channels"), Perm.VIEW_REGISTRY),
            ("registry:request_list", _("Channel requests"), Perm.REQUEST_CHANNEL),
            ("registry:dormancy_list", _("Dormant channels"), Perm.VIEW_REGISTRY),
            ("registry:matrix", _("Target groups"), Perm.VIEW_REGISTRY),
            ("registry:access_tasks", _("IT tasks"), Perm.MANAGE_ACCESS),
        ],
    ),
    (
        "guidance",
        _("Guidance"),
        [
            ("guidelines:list", _("Guidelines"), None),
            ("checks:try", _("Try the checker"), None),
        ],
    ),
    (
        "administration",
        _("Administration"),
        [
            ("core:units", _("Units"), Perm.VIEW_REGISTRY),
            ("audit:log", _("Audit log"), Perm.VIEW_AUDIT),
            ("registry:deactivate_user", _("Deactivate a person"), Perm.MANAGE_USERS),
            ("core:settings", _("Settings"), Perm.MANAGE_ORGANISATION),
        ],
    ),
]
# Pages whose URL is a prefix of other pages' URLs are current only on an exact match.
EXACT = {"core:dashboard", "registry:channel_list", "content:tip_queue"}


def _visible(user: User, who: Who) -> bool:
    if callable(who):
        return who(user)
    return who is None or has_perm(user, who)


def _item(request: HttpRequest, name: str, label: Any) -> dict[str, Any]:
    url = reverse(name)
    current = request.path == url if name in EXACT else request.path.startswith(url)
    return {"url": url, "label": label, "current": current}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    home = _item(request, HOME[0], HOME[1])
    groups = []
    for key, group_label, entries in NAV:
        items = [_item(request, n, lbl) for n, lbl, who in entries if _visible(user, who)]
        if items:  # a group with nothing the user may open is not shown at all
            current = any(i["current"] for i in items)
            groups.append({"key": key, "label": group_label, "items": items, "current": current})
    unread = user.notifications.filter(read_at__isnull=True).count()  # type: ignore[union-attr]
    return {"nav_home": home, "nav_groups": groups, "unread_notifications": unread}
