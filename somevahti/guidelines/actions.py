"""Writes for guidelines: a guideline and its approved versions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import root_unit
from somevahti.core.models import Unit, User
from somevahti.core.permissions import organisation_of, require
from somevahti.core.roles import Perm
from somevahti.guidelines.models import Guideline, GuidelineVersion

# Short names that would clash with the guideline pages' own addresses.
RESERVED_SLUGS = frozenset({"new"})


def unit_of(guideline: Guideline) -> Unit:
    """The unit whose editors look after the guideline; the root for the general one."""
    return guideline.unit or root_unit(guideline.organisation)


def create_guideline(actor: User, title: str, slug: str, unit: Unit | None = None) -> Guideline:
    org = organisation_of(actor)
    title, slug = (title or "").strip(), (slug or "").strip()
    if unit is not None and unit.organisation_id != org.pk:
        raise ValidationError({"unit": [_("Choose a unit of your own organisation.")]})
    require(actor, Perm.EDIT_GUIDELINES, unit or root_unit(org))
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the guideline a title.")]
    if not slug:
        errors["slug"] = [_("Give the guideline a short name.")]
    elif slug != slugify(slug) or slug in RESERVED_SLUGS:
        errors["slug"] = [
            _("Use lower-case letters, digits and hyphens only, for example: some-ohje.")
        ]
    elif Guideline.objects.filter(organisation=org, slug=slug).exists():
        errors["slug"] = [_("Another guideline already uses this short name.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        guideline = Guideline.objects.create(organisation=org, unit=unit, title=title, slug=slug)
        record(
            actor,
            "guideline.created",
            guideline,
            data={"slug": slug, "unit": str(unit) if unit else None},
        )
    return guideline


def add_guideline_version(
    actor: User,
    guideline: Guideline,
    body: str,
    approved_by_body: str,
    approved_on: dt.date | None,
    approval_section: str = "",
    effective_from: dt.date | None = None,
    change_summary: str = "",
) -> GuidelineVersion:
    """Record a new approved version; its number follows the previous one."""
    body = (body or "").strip()
    approved_by_body = (approved_by_body or "").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("Write the text of the guideline.")]
    if not approved_by_body:
        errors["approved_by_body"] = [_("Name the body that approved this version.")]
    if approved_on is None:
        errors["approved_on"] = [_("Give the approval date.")]
    if effective_from is None:
        errors["effective_from"] = [_("Give the date from which this version is in force.")]
    elif approved_on is not None and effective_from < approved_on:
        errors["effective_from"] = [_("A version cannot be in force before it was approved.")]
    with transaction.atomic():
        # The lock keeps two editors from taking the same number.
        guideline = (
            Guideline.objects.select_for_update(of=("self",))
            .select_related("organisation", "unit")
            .get(pk=guideline.pk)
        )
        require(actor, Perm.EDIT_GUIDELINES, unit_of(guideline))
        if errors or approved_on is None or effective_from is None:
            raise ValidationError(errors)
        previous = guideline.versions.aggregate(n=Max("number"))["n"] or 0
        version = GuidelineVersion.objects.create(
            guideline=guideline,
            number=previous + 1,
            body=body,
            approved_by_body=approved_by_body,
            approved_on=approved_on,
            approval_section=(approval_section or "").strip(),
            effective_from=effective_from,
            change_summary=(change_summary or "").strip(),
            created_by=actor,
            created_at=clock.now(),
        )
        record(
            actor,
            "guideline.version_approved",
            version,
            reason=version.change_summary,
            data={
                "guideline": guideline.pk,
                "number": version.number,
                "approval": version.approval_record,
                "effective_from": effective_from,
            },
            organisation=guideline.organisation,
        )
    return version
