"""``record()`` writes one audit entry inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from somevahti.audit.models import AuditEvent
from somevahti.core import clock


def target_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    actor: Any,
    verb: str,
    target: models.Model,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    organisation: Any = None,
) -> AuditEvent:
    if organisation is None:
        organisation = getattr(target, "organisation", None)
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor_obj,
        actor_name=str(actor_obj) if actor_obj else "Somevahti",
        verb=verb,
        target_type=target_type_of(target),
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        reason=reason,
        data=data or {},
        created_at=clock.now(),
    )
