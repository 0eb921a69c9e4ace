"""Reads for the editorial calendar: posts placed on Helsinki days, scoped to the user.

A post sits at its ``scheduled_at``; a post published by hand without a time sits at its last
update (the moment it was marked published). Day boundaries are Helsinki midnights converted to
UTC one by one, so a week with a clock change is 167 or 169 hours long and no post slips into
the neighbouring day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from somevahti.content import rules
from somevahti.content.models import ContentTag, Post, PostVariant
from somevahti.content.queries import posts_visible_to
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.registry.models import Channel

S = Post.State
# Published by hand may have no scheduled time: it is placed at the moment it was marked.
PUBLISHED_STATES = frozenset({S.PUBLISHED, S.PUBLISHED_MANUALLY})
# What a subscribed calendar shows: going out, or gone out.
FEED_STATES = frozenset(
    {S.SCHEDULED, S.PUBLISHING, S.PUBLISHED, S.PUBLISHED_MANUALLY, S.UNCONFIRMED}
)


@dataclass
class Scope:
    """Whose calendar: the whole organisation (nothing set), a unit subtree, a channel or a
    person (the author); filters on state and content type narrow it further."""

    unit: Unit | None = None
    channel: Channel | None = None
    person: User | None = None
    states: list[str] = field(default_factory=list)
    tags: list[ContentTag] = field(default_factory=list)


@dataclass
class Entry:
    post: Post
    at: dt.datetime  # Helsinki time
    can_reschedule: bool = False


@dataclass
class Day:
    date: dt.date
    today: bool
    in_period: bool = True
    entries: list[Entry] = field(default_factory=list)
    slots: list[Any] = field(default_factory=list)


def week_start(day: dt.date) -> dt.date:
    """Monday of the day's week (weeks start on Monday in Finland)."""
    return day - dt.timedelta(days=day.weekday())


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First day of the month and first day of the next month."""
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def month_grid(day: dt.date) -> tuple[dt.date, dt.date]:
    """Whole weeks covering the month: Monday on or before the 1st to the Monday after."""
    first, nxt = month_bounds(day)
    end = week_start(nxt - dt.timedelta(days=1)) + dt.timedelta(days=7)
    return week_start(first), end


def local_midnight(day: dt.date) -> dt.datetime:
    """Helsinki midnight in UTC. Clock changes happen at 03:00/04:00, so midnight always
    exists exactly once."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=clock.HELSINKI).astimezone(dt.UTC)


def placed_at(post: Post) -> dt.datetime | None:
    if post.scheduled_at is not None:
        return post.scheduled_at
    return post.updated_at if post.state in PUBLISHED_STATES else None


def placed_between(qs: QuerySet[Post], start: dt.datetime, end: dt.datetime) -> QuerySet[Post]:
    """Posts placed in [start, end), ordered by their place."""
    when = Q(scheduled_at__gte=start, scheduled_at__lt=end) | Q(
        scheduled_at__isnull=True,
        state__in=PUBLISHED_STATES,
        updated_at__gte=start,
        updated_at__lt=end,
    )
    return (
        qs.filter(when)
        .annotate(placed=Coalesce("scheduled_at", "updated_at"))
        .order_by("placed", "id")
    )


def apply_scope(qs: QuerySet[Post], scope: Scope) -> QuerySet[Post]:
    if scope.unit is not None:
        qs = qs.filter(
            unit__organisation_id=scope.unit.organisation_id, unit__path__startswith=scope.unit.path
        )
    if scope.channel is not None:
        # One variant per channel and post, so this join cannot duplicate rows.
        qs = qs.filter(variants__channel=scope.channel)
    if scope.person is not None:
        qs = qs.filter(author=scope.person)
    if scope.states:
        qs = qs.filter(state__in=scope.states)
    if scope.tags:
        tagged = Post.tags.through.objects.filter(contenttag__in=scope.tags).values("post_id")
        qs = qs.filter(pk__in=tagged)
    return qs


def with_parts(qs: QuerySet[Post]) -> QuerySet[Post]:
    """Everything a calendar entry shows (and the reschedule check needs) in three queries."""
    return qs.select_related("unit", "author").prefetch_related(
        Prefetch("variants", PostVariant.objects.select_related("channel__unit")), "tags"
    )


def calendar_posts(user: User, first: dt.date, end: dt.date, scope: Scope) -> list[Post]:
    """Posts the user may see, placed on Helsinki days first..end (end exclusive)."""
    qs = apply_scope(posts_visible_to(user), scope)
    return list(with_parts(placed_between(qs, local_midnight(first), local_midnight(end))))


def can_reschedule(user: User, post: Post) -> bool:
    """Mirrors content.actions.schedule: a scheduled post, every channel the user's."""
    channels = [v.channel for v in post.variants.all()]
    return (
        post.state == S.SCHEDULED
        and bool(channels)
        and all(rules.can_schedule_on(user, c) for c in channels)
    )


def empty_slots(user: User, first: dt.date, end: dt.date, scope: Scope) -> dict[dt.date, list[Any]]:
    """Weekly-programme occurrences in scope that no post fills yet, by Helsinki day. A state
    filter asks about posts, so it hides them; a person sees the slots they are on rota for."""
    from somevahti.content import programme as prog

    if scope.states:
        return {}
    qs = prog.slots_visible_to(user).filter(active=True)
    if scope.unit is not None:
        qs = qs.filter(unit__path__startswith=scope.unit.path)
    if scope.channel is not None:
        qs = qs.filter(channels=scope.channel)
    if scope.tags:
        qs = qs.filter(content_type__in=scope.tags)
    found = prog.programme(list(prog.slot_rows(qs.distinct())), first, end - dt.timedelta(days=1))
    out: dict[dt.date, list[Any]] = {}
    for occ in found:
        if occ.skipped or occ.filled:
            continue
        if scope.person is not None and (
            occ.entry is None or occ.entry.responsible_id != scope.person.pk
        ):
            continue
        out.setdefault(occ.date, []).append(occ)
    return out


def days(
    user: User,
    first: dt.date,
    end: dt.date,
    scope: Scope,
    *,
    period: tuple[dt.date, dt.date] | None = None,
) -> list[Day]:
    """One Day per date in first..end with its posts in Helsinki time; ``period`` marks the
    days that belong to the month being shown."""
    today = clock.today()
    lo, hi = period or (first, end)
    out: dict[dt.date, Day] = {}
    d = first
    while d < end:
        out[d] = Day(date=d, today=d == today, in_period=lo <= d < hi)
        d += dt.timedelta(days=1)
    for post in calendar_posts(user, first, end, scope):
        at = placed_at(post)
        if at is None:
            continue
        local = at.astimezone(clock.HELSINKI)
        if local.date() in out:
            out[local.date()].entries.append(Entry(post, local, can_reschedule(user, post)))
    for day, slots in empty_slots(user, first, end, scope).items():
        if day in out:
            out[day].slots = list(slots)
    return list(out.values())


def weeks(all_days: list[Day]) -> list[list[Day]]:
    return [all_days[i : i + 7] for i in range(0, len(all_days), 7)]
