"""Reads for guidelines: everyone in the organisation may read them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.permissions import org_id
from somevahti.guidelines.models import Guideline, GuidelineVersion


def guidelines_visible_to(user: User) -> QuerySet[Guideline]:
    """Every guideline of the user's organisation, elected officials included."""
    return Guideline.objects.filter(organisation_id=org_id(user)).select_related("unit")


def with_versions(qs: QuerySet[Guideline]) -> QuerySet[Guideline]:
    return qs.prefetch_related(
        Prefetch(
            "versions",
            queryset=GuidelineVersion.objects.select_related("created_by").order_by("-number"),
        )
    )


def current_version(guideline: Guideline) -> GuidelineVersion | None:
    """The newest version in force today; before any is in force, the newest one.

    Uses prefetched versions when present so lists stay at a fixed query count.
    """
    versions = sorted(guideline.versions.all(), key=lambda v: v.number, reverse=True)
    if not versions:
        return None
    today = clock.today()
    for version in versions:
        if version.effective_from <= today:
            return version
    return versions[0]


def upcoming_version(guideline: Guideline) -> GuidelineVersion | None:
    """A newer approved version that is not in force yet, if any."""
    current = current_version(guideline)
    if current is None:
        return None
    newer = [v for v in guideline.versions.all() if v.number > current.number]
    today = clock.today()
    later = [v for v in newer if v.effective_from > today]
    return max(later, key=lambda v: v.number) if later else None
