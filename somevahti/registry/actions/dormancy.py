"""Dormant channels: the daily check against the target rhythm, the director's
revive-or-close decision, and the closing checklist.

A channel that cannot be kept alive is better closed than kept poorly, so the
check flags channels that fall behind and opens one decision per dormant channel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.errors import Conflict
from somevahti.core.models import Organisation, User
from somevahti.core.permissions import has_perm, require, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.registry.actions.access import current_grants, open_revoke_task
from somevahti.registry.models import (
    AccessGrant,
    ActivityRecord,
    Channel,
    ChannelStatus,
    DormancyReview,
)

SWEPT = (ChannelStatus.ACTIVE, ChannelStatus.UNDER_MAINTAINED, ChannelStatus.DORMANT)
OPEN_REVIEW = (DormancyReview.Status.OPEN, DormancyReview.Status.CLOSING)
STEPS = ("farewell", "archive", "revoke", "close")
# A window shorter than two weeks (a channel just opened or revived) says too little
# about the rhythm to call it under-maintained.
MIN_WINDOW_DAYS = 14
CHUNK = 500  # channels measured per round of queries


@dataclass(frozen=True)
class Figures:
    """What the check saw for one channel, and the status that follows from it."""

    last_activity: dt.datetime | None
    idle_since: dt.datetime
    idle_days: int
    window_start: dt.datetime
    window_days: int
    posts: int
    expected: Decimal
    target_per_week: Decimal
    revived_at: dt.datetime | None
    status: str
    dormant_after_days: int
    ratio: Decimal

    def as_data(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_activity", "idle_since", "window_start", "revived_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        for key in ("expected", "target_per_week", "ratio"):
            data[key] = str(data[key])
        return data

    def reason(self) -> str:
        """Why the check gave this status, in plain words."""
        if self.status == ChannelStatus.DORMANT:
            return _(
                "No activity for %(days)s days; a channel counts as dormant after %(limit)s "
                "idle days."
            ) % {"days": self.idle_days, "limit": self.dormant_after_days}
        values = {
            "posts": self.posts,
            "days": self.window_days,
            "expected": self.expected,
            "target": self.target_per_week,
            "percent": int(self.ratio * 100),
        }
        if self.status == ChannelStatus.UNDER_MAINTAINED:
            return (
                _(
                    "%(posts)s posts in the last %(days)s days where the target rhythm "
                    "(%(target)s a week) expects %(expected)s: under %(percent)s %% of the target."
                )
                % values
            )
        return (
            _(
                "%(posts)s posts in the last %(days)s days where the target rhythm "
                "(%(target)s a week) expects %(expected)s: the channel keeps its rhythm."
            )
            % values
        )


@dataclass
class SweepResult:
    checked: int = 0
    to_active: int = 0
    to_under_maintained: int = 0
    to_dormant: int = 0
    reviews_opened: int = 0

    @property
    def changed(self) -> int:
        return self.to_active + self.to_under_maintained + self.to_dormant


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.HELSINKI)


def measure(org: Organisation, channels: list[Channel], now: dt.datetime) -> dict[int, Figures]:
    """Figures for channels of one organisation, in a fixed number of queries."""
    if not channels:
        return {}
    ids = [c.pk for c in channels]
    weeks = int(org.activity_window_weeks)
    ratio = Decimal(str(org.under_maintained_ratio))
    earliest = now - dt.timedelta(weeks=weeks)
    newest = dict(
        ActivityRecord.objects.filter(channel_id__in=ids, occurred_at__lte=now)
        .values("channel_id")
        .annotate(m=Max("occurred_at"))
        .values_list("channel_id", "m")
    )
    recent: dict[int, list[dt.datetime]] = {}
    for channel_id, at in ActivityRecord.objects.filter(
        channel_id__in=ids, occurred_at__gt=earliest, occurred_at__lte=now
    ).values_list("channel_id", "occurred_at"):
        recent.setdefault(channel_id, []).append(at)
    revived = dict(
        DormancyReview.objects.filter(
            channel_id__in=ids, status=DormancyReview.Status.REVIVED, decided_at__lte=now
        )
        .values("channel_id")
        .annotate(m=Max("decided_at"))
        .values_list("channel_id", "m")
    )
    out: dict[int, Figures] = {}
    for c in channels:
        candidates = [t for t in (c.last_activity_at, newest.get(c.pk)) if t and t <= now]
        last = max(candidates) if candidates else None
        revived_at = revived.get(c.pk)
        base = last or (_start_of(c.opened_on) if c.opened_on else c.created_at)
        # Grace period: after a revive, idle days and the window start from it.
        idle_since = max(base, revived_at) if revived_at else base
        idle_days = max(0, (now - idle_since).days)
        window_start = max(
            t
            for t in (earliest, revived_at, _start_of(c.opened_on) if c.opened_on else None)
            if t is not None
        )
        window_start = min(window_start, now)
        window_days = (now - window_start).days
        posts = sum(1 for t in recent.get(c.pk, []) if t >= window_start)
        target = Decimal(str(c.target_per_week))
        expected = (target * Decimal(window_days) / 7).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        if idle_days >= org.dormant_after_days:
            status = ChannelStatus.DORMANT
        elif window_days >= MIN_WINDOW_DAYS and posts < ratio * expected:
            status = ChannelStatus.UNDER_MAINTAINED
        else:
            status = ChannelStatus.ACTIVE
        out[c.pk] = Figures(
            last_activity=last,
            idle_since=idle_since,
            idle_days=idle_days,
            window_start=window_start,
            window_days=window_days,
            posts=posts,
            expected=expected,
            target_per_week=target,
            revived_at=revived_at,
            status=status,
            dormant_after_days=int(org.dormant_after_days),
            ratio=ratio,
        )
    return out


def _open_review(channel: Channel, figures: Figures, now: dt.datetime) -> DormancyReview:
    review = DormancyReview.objects.create(
        organisation_id=channel.organisation_id, channel=channel, opened_at=now
    )
    record(
        None,
        "dormancy.opened",
        review,
        reason=figures.reason(),
        data={"channel": channel.pk, **figures.as_data()},
        organisation=channel.organisation,
    )
    name, days = channel.name, figures.idle_days
    for director in users_with_role_over(channel.unit, [Role.UNIT_DIRECTOR]):
        notify(
            director,
            lambda: (
                _(
                    "The channel %(name)s has had no activity for %(days)s days. "
                    "Decide whether to revive it or close it."
                )
                % {"name": name, "days": days}
            ),
            url=url_for(director, "registry:dormancy_review", review.pk),
            subject_fn=lambda: _("Revive or close: %(name)s") % {"name": name},
        )
    return review


def sweep_dormancy(now: dt.datetime | None = None) -> SweepResult:
    """Compare every live channel with its target rhythm. Safe to run twice."""
    now = now or clock.now()
    result = SweepResult()
    # Stored reasons are written in the installation's language, like the UI default.
    with translation.override(settings.LANGUAGE_CODE):
        for org in Organisation.objects.order_by("pk"):
            channels = list(
                Channel.objects.filter(organisation=org, status__in=SWEPT)
                .select_related("unit", "organisation")
                .order_by("pk")
            )
            with_review = set(
                DormancyReview.objects.filter(organisation=org, status__in=OPEN_REVIEW).values_list(
                    "channel_id", flat=True
                )
            )
            for i in range(0, len(channels), CHUNK):
                chunk = channels[i : i + CHUNK]
                figures = measure(org, chunk, now)
                for c in chunk:
                    result.checked += 1
                    _sweep_one(c, figures[c.pk], c.pk in with_review, now, result)
    return result


def _sweep_one(
    channel: Channel, figures: Figures, has_review: bool, now: dt.datetime, result: SweepResult
) -> None:
    new = figures.status
    with transaction.atomic():
        if new != channel.status:
            # A conditional update: if another sweep or a person moved the
            # channel meanwhile, this one steps aside.
            moved = Channel.objects.filter(pk=channel.pk, status=channel.status).update(status=new)
            if not moved:
                return
            record(
                None,
                "channel.status_changed",
                channel,
                reason=figures.reason(),
                data={"from": channel.status, "to": new, **figures.as_data()},
                organisation=channel.organisation,
            )
            setattr(result, f"to_{new}", getattr(result, f"to_{new}") + 1)
            channel.status = new
        if new == ChannelStatus.DORMANT and not has_review:
            _open_review(channel, figures, now)
            result.reviews_opened += 1


def _locked_review(review: DormancyReview) -> DormancyReview:
    return (
        DormancyReview.objects.select_for_update(of=("self",))
        .select_related("channel", "channel__unit", "organisation")
        .get(pk=review.pk)
    )


def _set_channel_status(actor: User, channel: Channel, new: str, reason: str, **data: Any) -> None:
    old = channel.status
    channel.status = new
    channel.save(update_fields=["status"])
    record(
        actor,
        "channel.status_changed",
        channel,
        reason=reason,
        data={"from": old, "to": new, **data},
        organisation=channel.organisation,
    )


def decide_dormancy(
    actor: User,
    review: DormancyReview,
    decision: str,
    reason: str,
    responsibles: list[User] | None = None,
    plan: str = "",
) -> DormancyReview:
    """The unit director revives the channel (new people and a plan) or closes it."""
    reason, plan = (reason or "").strip(), (plan or "").strip()
    people = list(responsibles or [])
    with transaction.atomic():
        review = _locked_review(review)
        channel = review.channel
        require(actor, Perm.DECIDE_DORMANCY, channel.unit)
        if review.status != DormancyReview.Status.OPEN:
            raise Conflict(_("This channel has already been decided."))
        errors: dict[str, list[str]] = {}
        if decision not in ("revive", "close"):
            errors["decision"] = [_("Choose whether to revive or close the channel.")]
        if not reason:
            errors["reason"] = [_("Give a reason for the decision.")]
        if decision == "revive":
            if not people:
                errors["responsibles"] = [_("Name at least one responsible person.")]
            elif any(
                p.organisation_id != channel.organisation_id or not p.is_active for p in people
            ):
                errors["responsibles"] = [
                    _("Responsible people must be active members of your organisation.")
                ]
            if not plan:
                errors["plan"] = [_("Describe how the channel will be kept active.")]
        if errors:
            raise ValidationError(errors)

        now = clock.now()
        review.decided_by, review.decided_at, review.reason = actor, now, reason
        if decision == "revive":
            previous = sorted(str(p) for p in channel.responsibles.all())
            channel.responsibles.set(people)
            review.status, review.revive_plan = DormancyReview.Status.REVIVED, plan
            review.save(
                update_fields=["decided_by", "decided_at", "reason", "status", "revive_plan"]
            )
            record(
                actor,
                "dormancy.revived",
                review,
                reason=reason,
                data={
                    "channel": channel.pk,
                    "plan": plan,
                    "responsibles": {"from": previous, "to": sorted(str(p) for p in people)},
                },
            )
            _set_channel_status(actor, channel, ChannelStatus.ACTIVE, reason, review=review.pk)
        else:
            review.status = DormancyReview.Status.CLOSING
            review.save(update_fields=["decided_by", "decided_at", "reason", "status"])
            record(actor, "dormancy.closing", review, reason=reason, data={"channel": channel.pk})
            _set_channel_status(actor, channel, ChannelStatus.CLOSING, reason, review=review.pk)
    return review


def may_do_step(user: User, review: DormancyReview, step: str) -> bool:
    unit = review.channel.unit
    if has_perm(user, Perm.DECIDE_DORMANCY, unit):
        return True
    return step in ("farewell", "archive") and has_perm(user, Perm.EDIT_CHANNEL, unit)


def next_step(review: DormancyReview, grants_left: int) -> str | None:
    """The checklist step to do next, or None when there is nothing to do."""
    if review.status != DormancyReview.Status.CLOSING:
        return None
    if review.farewell_done_at is None:
        return "farewell"
    if review.archive_done_at is None:
        return "archive"
    return "revoke" if grants_left else "close"


def close_channel_step(
    actor: User, review: DormancyReview, step: str, **data: Any
) -> DormancyReview:
    """One step of the closing checklist: farewell → archive → revoke → close."""
    if step not in STEPS:
        raise ValidationError({"step": [_("Unknown step.")]})
    with transaction.atomic():
        review = _locked_review(review)
        channel = review.channel
        if not may_do_step(actor, review, step):
            raise PermissionDenied
        if review.status == DormancyReview.Status.OPEN:
            raise ValidationError(
                {"step": [_("Decide to close the channel before the closing checklist.")]}
            )
        if review.status != DormancyReview.Status.CLOSING:
            raise Conflict(_("This channel is no longer being closed."))
        grants = current_grants(channel)
        now = clock.now()
        done: dict[str, Any] = {"channel": channel.pk, "step": step}

        if step == "farewell":
            if review.farewell_done_at:
                raise Conflict(_("The farewell post has already been recorded."))
            done.update(_farewell(review, channel, data, now))
        elif step == "archive":
            _require_done(review.farewell_done_at, _("Record the farewell post first."))
            if review.archive_done_at:
                raise Conflict(_("The archive has already been saved."))
            review.archive_done_at = now
            review.save(update_fields=["archive_done_at"])
        elif step == "revoke":
            _require_done(review.farewell_done_at, _("Record the farewell post first."))
            _require_done(review.archive_done_at, _("Save the archive first."))
            done["tasks_opened"] = _open_revoke_tasks(actor, channel, grants)
            done["holders"] = sorted(str(g.holder) for g in grants)
        else:
            _require_done(review.farewell_done_at, _("Record the farewell post first."))
            _require_done(review.archive_done_at, _("Save the archive first."))
            if grants:
                raise ValidationError(
                    {
                        "step": [
                            _(
                                "%(n)s people still hold access to the channel. IT must revoke "
                                "it before the channel can be closed."
                            )
                            % {"n": len(grants)}
                        ]
                    }
                )
            review.status, review.closed_at = DormancyReview.Status.CLOSED, now
            review.save(update_fields=["status", "closed_at"])
            old = channel.status
            channel.status, channel.closed_on = ChannelStatus.CLOSED, clock.today()
            channel.save(update_fields=["status", "closed_on"])
            record(
                actor,
                "channel.closed",
                channel,
                reason=review.reason,
                data={"from": old, "to": channel.status, "review": review.pk},
            )
        record(actor, "dormancy.step_done", review, data=done)
    return review


def _require_done(when: dt.datetime | None, message: str) -> None:
    if when is None:
        raise ValidationError({"step": [message]})


def _farewell(
    review: DormancyReview, channel: Channel, data: dict[str, Any], now: dt.datetime
) -> dict[str, Any]:
    url = str(data.get("farewell_url") or "").strip()
    successor: Channel | None = data.get("successor")
    errors: dict[str, list[str]] = {}
    if not url:
        errors["farewell_url"] = [_("Give the address of the farewell post.")]
    if successor is None:
        errors["successor"] = [_("Choose the channel people should follow instead.")]
    elif (
        not isinstance(successor, Channel)
        or successor.organisation_id != channel.organisation_id
        or successor.pk == channel.pk
        or successor.status in (ChannelStatus.CLOSING, ChannelStatus.CLOSED)
    ):
        errors["successor"] = [_("Choose a live channel of your own organisation.")]
    if errors or successor is None:
        raise ValidationError(errors)
    review.farewell_url, review.successor, review.farewell_done_at = url, successor, now
    review.save(update_fields=["farewell_url", "successor", "farewell_done_at"])
    return {"farewell_url": url, "successor": str(successor), "successor_id": successor.pk}


def _open_revoke_tasks(actor: User, channel: Channel, grants: list[AccessGrant]) -> int:
    """One revoke task per current holder; holders with an open task are skipped."""
    with translation.override(settings.LANGUAGE_CODE):
        task_reason = _("The channel is being closed.")
    opened = 0
    for holder_id in sorted({g.holder_id for g in grants}):
        if open_revoke_task(actor, channel, holder_id, task_reason) is not None:
            opened += 1
    if opened:
        name = channel.name
        for person in users_with_role_over(channel.unit, [Role.IT]):
            url = url_for(person, "registry:access_tasks")
            notify(
                person,
                lambda: (
                    _("The channel %(name)s is being closed: revoke its access.") % {"name": name}
                ),
                url=url,
            )
    return opened
