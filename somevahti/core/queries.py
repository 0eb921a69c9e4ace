"""Reads for units, people and notifications, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet

from somevahti.core.models import Notification, Unit, User
from somevahti.core.permissions import units_for
from somevahti.core.roles import Perm


def units_visible_to(user: User) -> QuerySet[Unit]:
    return units_for(user, Perm.VIEW_REGISTRY)


def unit_tree(user: User) -> list[dict[str, object]]:
    """Nested list of the units the user can see, built from one query."""
    units = list(units_visible_to(user).order_by("path"))
    nodes: dict[int, dict[str, object]] = {}
    roots: list[dict[str, object]] = []
    for unit in units:
        node: dict[str, object] = {"unit": unit, "children": []}
        nodes[unit.pk] = node
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent["children"].append(node)  # type: ignore[attr-defined]
    return roots


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)
