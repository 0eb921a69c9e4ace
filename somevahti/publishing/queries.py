"""Reads for the publishing pages and API, scoped to the user's organisation and units."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from somevahti.content.models import Post
from somevahti.core.models import User
from somevahti.core.permissions import org_id, scoped
from somevahti.core.roles import Perm
from somevahti.publishing.messages import explain
from somevahti.publishing.models import Connection, Delivery, DeliveryAttempt

D = Delivery.State
ATTENTION = (D.FAILED, D.UNCONFIRMED, D.MANUAL)


def deliveries_visible_to(user: User) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(organisation_id=org_id(user))
    return scoped(qs, user, Perm.VIEW_REGISTRY, "channel__unit").select_related(
        "post", "channel", "channel__connection", "approved_by"
    )


def connections_visible_to(user: User) -> QuerySet[Connection]:
    qs = Connection.objects.filter(organisation_id=org_id(user))
    return scoped(qs, user, Perm.VIEW_REGISTRY, "channel__unit").select_related("channel")


@dataclass
class DeliveryRow:
    delivery: Delivery
    explanation: str
    held_reason: str
    attempts: list[DeliveryAttempt]
    warnings: list[str]


def warnings_of(attempts: list[DeliveryAttempt]) -> list[str]:
    """Things that went wrong beside a successful publish (e.g. captions not attached)."""
    done = [a for a in attempts if a.result in ("published", "found")]
    if not done:
        return []
    return [explain(w) for w in done[-1].response.get("warnings", [])]


def held_reason(d: Delivery) -> str:
    """Why a queued delivery is not moving: the channel's connection, in plain words."""
    if d.state not in (D.QUEUED, D.RETRYING):
        return ""
    conn = getattr(d.channel, "connection", None)
    if conn is None:
        return explain("not_connected")
    if not conn.usable:
        return f"{conn.get_status_display()}: {conn.status_reason}".strip(": ")
    return ""


def delivery_rows(post: Post) -> list[DeliveryRow]:
    qs = (
        Delivery.objects.filter(post=post)
        .select_related("channel__connection")
        .prefetch_related(Prefetch("attempts_log", DeliveryAttempt.objects.order_by("started_at")))
    )
    rows = []
    for d in qs:
        attempts = list(d.attempts_log.all())
        why = explain(d.error_kind) if d.error_kind else ""
        rows.append(DeliveryRow(d, why, held_reason(d), attempts, warnings_of(attempts)))
    return rows
