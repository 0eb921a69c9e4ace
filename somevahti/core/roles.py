"""Roles and what each may do. Roles are granted per unit and inherited down the tree."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CONTENT_PRODUCER = "content_producer", _("Content producer")
    CHANNEL_OWNER = "channel_owner", _("Channel owner")
    COMMUNICATIONS = "communications", _("Communications")
    UNIT_DIRECTOR = "unit_director", _("Unit director")
    IT = "it", _("IT")
    DATA_PROTECTION = "data_protection", _("Data protection officer")
    CITY_MANAGER = "city_manager", _("City manager (crisis owner)")
    ELECTED_OFFICIAL = "elected_official", _("Elected official")
    ORG_ADMIN = "org_admin", _("Organisation admin")


class Perm:
    """Named permissions mapped to the roles that hold them (organisation admin holds all)."""

    VIEW_REGISTRY = "view_registry"
    REQUEST_CHANNEL = "request_channel"
    DECIDE_CHANNEL_REQUEST = "decide_channel_request"
    EDIT_CHANNEL = "edit_channel"
    IMPORT_CHANNELS = "import_channels"
    MANAGE_ACCESS = "manage_access"
    EDIT_MATRIX = "edit_matrix"
    EDIT_GUIDELINES = "edit_guidelines"
    VIEW_AUDIT = "view_audit"
    DECIDE_DORMANCY = "decide_dormancy"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATION = "manage_organisation"


_ALL_STAFF = set(Role) - {Role.ELECTED_OFFICIAL}

PERMISSIONS: dict[str, frozenset[str]] = {
    Perm.VIEW_REGISTRY: frozenset(_ALL_STAFF),
    # Anyone with a role in a unit may propose a new channel for it.
    Perm.REQUEST_CHANNEL: frozenset(set(Role)),
    Perm.DECIDE_CHANNEL_REQUEST: frozenset({Role.UNIT_DIRECTOR}),
    Perm.EDIT_CHANNEL: frozenset({Role.CHANNEL_OWNER, Role.COMMUNICATIONS, Role.UNIT_DIRECTOR}),
    Perm.IMPORT_CHANNELS: frozenset({Role.COMMUNICATIONS}),
    Perm.MANAGE_ACCESS: frozenset({Role.IT}),
    Perm.EDIT_MATRIX: frozenset({Role.COMMUNICATIONS}),
    Perm.EDIT_GUIDELINES: frozenset({Role.COMMUNICATIONS}),
    Perm.VIEW_AUDIT: frozenset(
        {Role.COMMUNICATIONS, Role.UNIT_DIRECTOR, Role.IT, Role.DATA_PROTECTION, Role.CITY_MANAGER}
    ),
    Perm.DECIDE_DORMANCY: frozenset({Role.UNIT_DIRECTOR}),
    Perm.MANAGE_USERS: frozenset(),
    # Units, roles and organisation settings: the organisation admin only.
    Perm.MANAGE_ORGANISATION: frozenset(),
}


def roles_with(perm: str) -> frozenset[str]:
    return PERMISSIONS[perm] | {Role.ORG_ADMIN}
