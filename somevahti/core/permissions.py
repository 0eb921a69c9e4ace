"""Server-side permission checks and organisation/unit scoping.

A role granted on a unit covers that unit and every unit below it. Every
query that shows data goes through these helpers so nothing of another
organisation, or of a unit outside the user's reach, is ever returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from somevahti.core.models import Organisation, RoleAssignment, Unit, User
from somevahti.core.roles import roles_with

_CACHE_ATTR = "_somevahti_role_paths"


def _role_paths(user: User) -> list[tuple[str, str]]:
    """(role, unit path) pairs of the user's own organisation, cached on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        if not user.is_authenticated or not user.is_active or user.organisation_id is None:
            cached = []
        else:
            cached = list(
                RoleAssignment.objects.filter(
                    user=user, unit__organisation_id=user.organisation_id
                ).values_list("role", "unit__path")
            )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_of(request: Any) -> User:
    """The signed-in user of a Django or DRF request, typed as Somevahti's User."""
    return request.user  # type: ignore[no-any-return]


def forget_roles(user: User) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def paths_with_roles(user: User, roles: Iterable[str]) -> list[str]:
    """Paths of the units where the user holds one of ``roles`` (from the cached assignments)."""
    wanted = set(roles)
    return sorted({path for role, path in _role_paths(user) if role in wanted})


def roles_of(user: User) -> set[str]:
    return {role for role, _ in _role_paths(user)}


def has_perm(user: User, perm: str, unit: Unit | None = None) -> bool:
    """True if the user holds a role giving ``perm`` on ``unit`` (or on any unit when None)."""
    allowed = roles_with(perm)
    for role, path in _role_paths(user):
        if role not in allowed:
            continue
        if unit is None:
            return True
        if unit.organisation_id == user.organisation_id and unit.path.startswith(path):
            return True
    return False


def require(user: User, perm: str, unit: Unit | None = None) -> None:
    if not has_perm(user, perm, unit):
        raise PermissionDenied


def units_q(user: User, perm: str, field: str = "") -> Q:
    """A Q that matches objects whose unit (reached through ``field``) is in the user's reach."""
    prefix = f"{field}__" if field else ""
    allowed = roles_with(perm)
    paths = sorted({path for role, path in _role_paths(user) if role in allowed})
    # Drop paths already covered by a shorter one: fewer OR terms.
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(r) for r in roots):
            roots.append(path)
    if not roots:
        return Q(pk__in=[])
    org_q = Q(**{f"{prefix}organisation_id": user.organisation_id})
    return org_q & reduce(or_, (Q(**{f"{prefix}path__startswith": r}) for r in roots))


def units_for(user: User, perm: str) -> QuerySet[Unit]:
    return Unit.objects.filter(units_q(user, perm))


def scoped(qs: QuerySet[Any], user: User, perm: str, unit_field: str = "unit") -> QuerySet[Any]:
    """Filter ``qs`` to objects whose ``unit_field`` lies in the user's reach for ``perm``."""
    return qs.filter(units_q(user, perm, unit_field))


def users_with_role_over(unit: Unit, roles: Iterable[str]) -> QuerySet[User]:
    """Active users holding one of ``roles`` on ``unit`` or any of its ancestors."""
    return User.objects.filter(
        is_active=True,
        organisation_id=unit.organisation_id,
        role_assignments__role__in=list(roles),
        role_assignments__unit__path__in=unit.ancestor_paths(),
        role_assignments__unit__organisation_id=unit.organisation_id,
    ).distinct()


def org_id(user: User) -> int:
    """The user's organisation id; a user without one sees nothing."""
    if user.organisation_id is None:
        raise PermissionDenied
    return user.organisation_id


def organisation_of(user: User) -> Organisation:
    if user.organisation is None:
        raise PermissionDenied
    return user.organisation
