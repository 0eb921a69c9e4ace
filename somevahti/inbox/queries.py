"""Reads for the inbox pages and API, scoped to the user's organisation and units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from somevahti.core.models import User
from somevahti.core.permissions import org_id, scoped
from somevahti.core.roles import Perm
from somevahti.inbox.models import (
    Conversation,
    InboxItem,
    RawEvent,
    ResponseTarget,
    RoutingRule,
    SavedReply,
    WebhookRejection,
)

C = Conversation.State
OPEN_STATES = (C.NEW, C.ASSIGNED, C.WAITING)
# Delivery states of an outgoing item (InboxItem.delivery_state).
AWAITING = "awaiting_approval"
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
CANCELLED = "cancelled"


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    """Conversations of units the user works in (every staff role)."""
    qs = Conversation.objects.filter(organisation_id=org_id(user))
    return scoped(qs, user, Perm.VIEW_REGISTRY, "unit")


def items_visible_to(user: User) -> QuerySet[InboxItem]:
    qs = InboxItem.objects.filter(organisation_id=org_id(user))
    return scoped(qs, user, Perm.VIEW_REGISTRY, "conversation__unit")


def _latest_in() -> QuerySet[InboxItem]:
    return InboxItem.objects.filter(
        conversation=OuterRef("pk"), direction=InboxItem.Direction.IN
    ).order_by("-sent_at", "-id")


def conversation_rows(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """What a list shows, in one query: channel, unit, assignee and the latest message."""
    return qs.select_related("channel", "unit", "assignee").annotate(
        latest_text=Subquery(_latest_in().values("text")[:1])
    )


def ordered(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """The soonest due first (the ones without a target after them), then the latest."""
    return qs.order_by(F("due_at").asc(nulls_last=True), "-last_item_at", "-id")


@dataclass(frozen=True)
class Filters:
    """The list's filters; every field optional. ``state`` "" means the open ones."""

    channel: int | None = None
    unit_path: str = ""
    klass: str = ""
    state: str = ""
    assignee: str = ""  # "", "mine", "none" or a user id
    due_before: dt.datetime | None = None
    q: str = ""


def apply_filters(qs: QuerySet[Conversation], user: User, f: Filters) -> QuerySet[Conversation]:
    if f.channel is not None:
        qs = qs.filter(channel_id=f.channel)
    if f.unit_path:
        qs = qs.filter(unit__path__startswith=f.unit_path)
    if f.klass:
        qs = qs.filter(klass=f.klass)
    if f.state == "all":
        pass
    elif f.state:
        qs = qs.filter(state=f.state)
    else:
        qs = qs.filter(state__in=OPEN_STATES)
    if f.assignee == "mine":
        qs = qs.filter(assignee=user)
    elif f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee.isdigit():
        qs = qs.filter(assignee_id=int(f.assignee))
    if f.due_before is not None:
        qs = qs.filter(due_at__lte=f.due_before)
    if f.q:
        text = InboxItem.objects.filter(conversation=OuterRef("pk"), text__icontains=f.q)
        qs = qs.filter(
            Q(author_handle__icontains=f.q) | Q(author_name__icontains=f.q) | Exists(text)
        )
    return qs


def conversation_detail(user: User) -> QuerySet[Conversation]:
    return conversations_visible_to(user).select_related(
        "channel", "channel__connection", "unit", "assignee", "organisation"
    )


def items_of(conversation: Conversation) -> list[InboxItem]:
    return list(
        InboxItem.objects.filter(conversation=conversation)
        .select_related("sent_by")
        .order_by("sent_at", "id")
    )


def last_incoming(conversation: Conversation) -> InboxItem | None:
    return (
        InboxItem.objects.filter(conversation=conversation, direction=InboxItem.Direction.IN)
        .select_related("raw_event")
        .order_by("-sent_at", "-id")
        .first()
    )


def saved_replies_of(user: User) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(organisation_id=org_id(user)).order_by("title", "language")


def routing_rules_of(user: User) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.filter(organisation_id=org_id(user)).select_related("person")


def response_targets_of(user: User) -> QuerySet[ResponseTarget]:
    return ResponseTarget.objects.filter(organisation_id=org_id(user)).select_related("channel")


def unreadable_events(user: User) -> QuerySet[RawEvent]:
    """Events of the user's organisation that could not be read (for the admin page)."""
    org = org_id(user)
    return RawEvent.objects.filter(
        Q(organisation_id=org) | Q(channel__organisation_id=org), state=RawEvent.State.FAILED
    )


def rejection_counts() -> list[dict[str, Any]]:
    """Refused webhooks counted per source and reason (installation-wide: a forged request
    names no organisation)."""
    rows = WebhookRejection.objects.order_by("source", "reason")
    return [
        {"source": r.source, "reason": r.reason, "count": r.count, "last_at": r.last_at}
        for r in rows
    ]
