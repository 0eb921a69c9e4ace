"""Reads of the audit trail, scoped to the user's organisation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet

from somevahti.audit.actions import target_type_of
from somevahti.audit.models import AuditEvent
from somevahti.core.models import User
from somevahti.core.permissions import org_id


def events_of_organisation(user: User) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation_id=org_id(user)).select_related("actor")


def events_for(user: User, *targets: models.Model) -> QuerySet[AuditEvent]:
    """The history of one or more objects (e.g. a channel and its opening request)."""
    q = Q(pk__in=[])
    for target in targets:
        q |= Q(target_type=target_type_of(target), target_id=str(target.pk))
    return events_of_organisation(user).filter(q)
