"""Response targets over time: warn before a target is missed, escalate after, once each.

Warnings count business minutes: a target due Monday 8.30 with a 60-minute warning is
warned on Friday afternoon, when someone can still act, not at 7.30 on Monday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.models import RoleAssignment, Unit, User
from somevahti.core.roles import Role
from somevahti.inbox.autoreply import format_moment
from somevahti.inbox.hours import BusinessCalendar, TargetTable, calendar_for, targets_of
from somevahti.inbox.models import Conversation

OPEN_STATES = (Conversation.State.NEW, Conversation.State.ASSIGNED)
# Conversations due further away than this cannot be inside any warning window (a working
# day of warning across the longest Finnish holiday stretch is under a week).
WARN_HORIZON = dt.timedelta(days=14)
SWEEP_LIMIT = 5000  # the most overdue first; the rest wait for the next run


def business_response_minutes(conversation: Conversation) -> int | None:
    """Business minutes from the first unanswered item to the first answer; None if
    not answered yet. The figure reports use for response times."""
    since, answered = conversation.waiting_since, conversation.first_response_at
    if since is None or answered is None or answered < since:
        return None
    return calendar_for(conversation.unit).minutes_between(since, answered)


def nearest_with_role(unit: Unit, role: str) -> list[User]:
    """Active people holding ``role`` on the unit or, failing that, the closest ancestor."""
    found = (
        RoleAssignment.objects.filter(
            role=role,
            unit__organisation_id=unit.organisation_id,
            unit__path__in=unit.ancestor_paths(),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("-unit__depth", "user_id")
    )
    people: list[User] = []
    depth = None
    for ra in found:
        if depth is not None and ra.unit.depth != depth:
            break
        depth = ra.unit.depth
        if ra.user not in people:
            people.append(ra.user)
    return people


def _warn_recipients(conv: Conversation) -> list[User]:
    if conv.assignee is not None and conv.assignee.is_active:
        return [conv.assignee]
    return nearest_with_role(conv.unit, Role.COMMUNICATIONS)


def _escalation_recipients(conv: Conversation) -> list[User]:
    return nearest_with_role(conv.unit, Role.UNIT_DIRECTOR) or nearest_with_role(
        conv.unit, Role.COMMUNICATIONS
    )


def _url(user: User, conv: Conversation) -> str:
    try:
        return url_for(user, "inbox:conversation", conv.pk)
    except NoReverseMatch:  # the conversation page is not there yet
        return ""


def _where(conv: Conversation) -> tuple[str, str]:
    sender = (conv.author_name or conv.author_handle or "?")[:80]
    place = conv.channel.name if conv.channel is not None else conv.unit.name
    return sender, place[:80]


def _warning_text(conv: Conversation, due: dt.datetime) -> Callable[[], str]:
    sender, place = _where(conv)
    return lambda: _("An answer is due {when}: {sender} on {place}.").format(
        when=format_moment(due, get_language() or "fi"), sender=sender, place=place
    )


def _escalation_text(conv: Conversation, due: dt.datetime) -> Callable[[], str]:
    sender, place = _where(conv)
    return lambda: _(
        "Answer target missed: {sender} on {place} should have been answered by {when}."
    ).format(when=format_moment(due, get_language() or "fi"), sender=sender, place=place)


def _mark(conv: Conversation, field: str, now: dt.datetime) -> bool:
    """Set ``field`` unless already set or the clock moved meanwhile: the once-only claim."""
    return bool(
        Conversation.objects.filter(
            pk=conv.pk, state__in=OPEN_STATES, due_at=conv.due_at, **{f"{field}__isnull": True}
        ).update(**{field: now})
    )


def _warn(conv: Conversation, due: dt.datetime, now: dt.datetime) -> bool:
    recipients = _warn_recipients(conv)
    with transaction.atomic():
        if not _mark(conv, "warned_at", now):
            return False
        for user in recipients:
            notify(user, _warning_text(conv, due), _url(user, conv))
    return True


def _escalate(conv: Conversation, due: dt.datetime, now: dt.datetime) -> bool:
    recipients = _escalation_recipients(conv)
    with transaction.atomic():
        if not _mark(conv, "escalated_at", now):
            return False
        for user in recipients:
            notify(user, _escalation_text(conv, due), _url(user, conv))
        record(
            None,
            "inbox.escalated",
            conv,
            data={"due_at": due.isoformat(), "to": [u.pk for u in recipients]},
        )
    return True


def check_targets() -> dict[str, int]:
    """The periodic sweep: warnings before the due time, escalation after. Safe to run
    twice or in two workers at once (each notice is claimed by a conditional update)."""
    now = clock.now()
    candidates = (
        Conversation.objects.filter(
            state__in=OPEN_STATES, due_at__isnull=False, due_at__lte=now + WARN_HORIZON
        )
        .filter(Q(warned_at__isnull=True) | Q(escalated_at__isnull=True, due_at__lte=now))
        .select_related("unit", "assignee", "channel")
        .order_by("due_at", "pk")
    )
    tables: dict[int, TargetTable] = {}
    calendars: dict[int, BusinessCalendar] = {}
    done = {"warned": 0, "escalated": 0}
    # A list, not an iterator: the loop updates the rows it reads (SQLite shares one cursor).
    for conv in list(candidates[:SWEEP_LIMIT]):
        due = conv.due_at
        if due is None:
            continue
        if conv.warned_at is None:
            if conv.organisation_id not in tables:
                tables[conv.organisation_id] = targets_of(conv.organisation_id)
            if conv.unit_id not in calendars:
                calendars[conv.unit_id] = calendar_for(conv.unit)
            warn_before = tables[conv.organisation_id].pick(conv.channel_id, conv.klass)[1]
            left = calendars[conv.unit_id].minutes_between(now, due)
            if left <= warn_before and _warn(conv, due, now):
                done["warned"] += 1
        if conv.escalated_at is None and due <= now and _escalate(conv, due, now):
            done["escalated"] += 1
    return done
