"""Writes on the target-group matrix: audiences and the purpose of each platform for them.

The matrix is one organisation-wide policy, so editing needs Perm.EDIT_MATRIX on
the organisation's root unit (communications of a single sector cannot rewrite it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core.actions import root_unit
from somevahti.core.models import User
from somevahti.core.permissions import has_perm, organisation_of
from somevahti.core.roles import Perm
from somevahti.registry.models import Audience, MatrixCell, Platform


def can_edit_matrix(user: User) -> bool:
    if user.organisation_id is None:
        return False
    return has_perm(user, Perm.EDIT_MATRIX, root_unit(organisation_of(user)))


def _require_editor(actor: User) -> None:
    if not can_edit_matrix(actor):
        raise PermissionDenied


def create_audience(actor: User, name: str, description: str = "") -> Audience:
    _require_editor(actor)
    organisation = organisation_of(actor)
    name, description = name.strip(), description.strip()
    if not name:
        raise ValidationError({"name": _("Give the target group a name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("At most %(n)s characters.") % {"n": 200}})
    with transaction.atomic():
        audiences = Audience.objects.select_for_update().filter(organisation=organisation)
        if audiences.filter(name__iexact=name).exists():
            raise ValidationError({"name": _("A target group with this name already exists.")})
        last = audiences.aggregate(last=Max("order"))["last"]
        audience = Audience.objects.create(
            organisation=organisation,
            name=name,
            description=description,
            order=(last or 0) + 1,
        )
        record(actor, "audience.created", audience, data={"description": description})
    return audience


def set_matrix_cell(
    actor: User, audience: Audience, platform: str, purpose: str
) -> MatrixCell | None:
    """Set what a platform is for with this audience; an empty purpose removes the cell."""
    _require_editor(actor)
    if audience.organisation_id != actor.organisation_id:
        raise PermissionDenied
    if platform not in Platform.values:
        raise ValidationError({"platform": _("Choose a platform from the list.")})
    purpose = purpose.strip()
    with transaction.atomic():
        cell = (
            MatrixCell.objects.select_for_update()
            .filter(audience=audience, platform=platform)
            .first()
        )
        before = cell.purpose if cell else ""
        if before == purpose:
            return cell
        if not purpose:
            assert cell is not None
            cell.delete()
            cell = None
        elif cell is None:
            cell = MatrixCell.objects.create(
                organisation_id=audience.organisation_id,
                audience=audience,
                platform=platform,
                purpose=purpose,
            )
        else:
            cell.purpose = purpose
            cell.save(update_fields=["purpose"])
        # The audience is the target so the history survives a removed cell.
        record(
            actor,
            "matrix.cell_updated",
            audience,
            data={"platform": platform, "from": before, "to": purpose},
        )
    return cell
