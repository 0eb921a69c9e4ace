"""Crisis mode: rules, reads, the hooks the post actions call, and the writes.

The crisis owner is the city manager over the scope; they may delegate switching to others.
While a crisis covers a unit, its scheduled posts are paused (moved back to approved, the
previous time kept in ``CrisisPause``) and posts there need the crisis owner's approval.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content import rules
from somevahti.content.models import CrisisApproval, CrisisDelegate, CrisisMode, CrisisPause, Post
from somevahti.content.states import transition
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.errors import Conflict
from somevahti.core.models import RoleAssignment, Unit, User
from somevahti.core.permissions import org_id, roles_of, users_with_role_over
from somevahti.core.roles import Role

S = Post.State
R = CrisisPause.Resolution
NOTIFIED_ROLES = (Role.COMMUNICATIONS, Role.UNIT_DIRECTOR)


# --- rules ---------------------------------------------------------------------------


def is_crisis_owner(user: User, unit: Unit) -> bool:
    if unit.organisation_id != user.organisation_id or Role.CITY_MANAGER not in roles_of(user):
        return False
    return users_with_role_over(unit, [Role.CITY_MANAGER]).filter(pk=user.pk).exists()


def is_delegate(user: User, unit: Unit) -> bool:
    return CrisisDelegate.objects.filter(
        user=user,
        user__is_active=True,
        organisation_id=unit.organisation_id,
        unit__path__in=unit.ancestor_paths(),
        revoked_at__isnull=True,
    ).exists()


def can_switch(user: User, unit: Unit) -> bool:
    """The crisis owner over ``unit`` or someone they delegated a scope covering it."""
    if not user.is_active or unit.organisation_id != user.organisation_id:
        return False
    return is_crisis_owner(user, unit) or is_delegate(user, unit)


# --- reads ---------------------------------------------------------------------------


def active_crises(organisation_id: int) -> QuerySet[CrisisMode]:
    return CrisisMode.objects.filter(
        organisation_id=organisation_id, ended_at__isnull=True
    ).select_related("unit", "started_by")


def crisis_for(unit: Unit) -> CrisisMode | None:
    """The most specific active crisis covering ``unit``, or None."""
    return (
        active_crises(unit.organisation_id)
        .filter(unit__path__in=unit.ancestor_paths())
        .order_by("-unit__depth", "-started_at")
        .first()
    )


def needs_crisis_approval(post: Post) -> bool:
    crisis = crisis_for(post.unit)
    return crisis is not None and not crisis.approvals.filter(post=post).exists()


def is_paused(post: Post) -> bool:
    """For the publishing engine: held back by a crisis and not yet handled after it."""
    return (
        post.state == S.APPROVED
        and post.scheduled_at is None
        and CrisisPause.objects.filter(post=post, resolved_at__isnull=True).exists()
    )


def crises_visible_to(user: User) -> QuerySet[CrisisMode]:
    return CrisisMode.objects.filter(organisation_id=org_id(user)).select_related(
        "unit", "started_by", "ended_by"
    )


def pauses_of(crisis: CrisisMode) -> QuerySet[CrisisPause]:
    return crisis.pauses.select_related("post__unit", "post__author", "resolved_by").order_by(
        "previous_scheduled_at", "id"
    )


def pause_is_open(pause: CrisisPause) -> bool:
    """Still waiting for a decision; a post edited or scheduled since is handled elsewhere."""
    post = pause.post
    return pause.resolved_at is None and post.state == S.APPROVED and post.scheduled_at is None


def waiting_for_approval(user: User) -> list[tuple[CrisisMode, Post]]:
    """Posts in crises the user may switch that still need the crisis owner's approval."""
    crises = list(active_crises(org_id(user)))

    def deepest(unit: Unit) -> CrisisMode | None:
        covering = [c for c in crises if unit.path.startswith(c.unit.path)]
        return max(covering, key=lambda c: (c.unit.depth, c.started_at), default=None)

    out: list[tuple[CrisisMode, Post]] = []
    for crisis in crises:
        if not can_switch(user, crisis.unit):
            continue
        posts = (
            Post.objects.filter(
                organisation_id=crisis.organisation_id,
                unit__path__startswith=crisis.unit.path,
                state__in=[S.IN_REVIEW, S.APPROVED],
            )
            .exclude(crisis_approvals__crisis=crisis)
            .select_related("unit", "author")
            .order_by("-updated_at")[:200]
        )
        out.extend((crisis, p) for p in posts if deepest(p.unit) == crisis)
    return out


def delegations_of(user: User) -> QuerySet[CrisisDelegate]:
    return CrisisDelegate.objects.filter(organisation_id=org_id(user)).select_related(
        "user", "unit", "delegated_by", "revoked_by"
    )


# --- hooks called by content.actions ---------------------------------------------------


def may_approve(actor: User, post: Post, reviewer: bool) -> bool:
    """In a crisis only the crisis owner or a delegate approves; otherwise the reviewers."""
    crisis = crisis_for(post.unit)
    return reviewer if crisis is None else can_switch(actor, crisis.unit)


def note_approval(actor: User, post: Post) -> None:
    crisis = crisis_for(post.unit)
    if crisis is not None:
        _, created = CrisisApproval.objects.get_or_create(
            crisis=crisis, post=post, defaults={"by": actor, "at": clock.now()}
        )
        if created:
            record(actor, "post.crisis_approved", post, data={"crisis": crisis.pk})


def check_schedule(post: Post) -> None:
    if needs_crisis_approval(post):
        raise ValidationError(
            {
                "scheduled_at": [
                    _("Crisis mode is on: the crisis owner must approve this post first.")
                ]
            }
        )


# --- writes --------------------------------------------------------------------------


def _people_in_scope(unit: Unit) -> QuerySet[User]:
    """Communications and unit directors over the scope or anywhere inside it."""
    where = Q(
        role_assignments__role__in=NOTIFIED_ROLES,
        role_assignments__unit__organisation_id=unit.organisation_id,
    ) & (
        Q(role_assignments__unit__path__startswith=unit.path)
        | Q(role_assignments__unit__path__in=unit.ancestor_paths())
    )
    return User.objects.filter(where, is_active=True).distinct()


def _tell(people: Any, text: Any, crisis: CrisisMode, exclude: User) -> None:
    for person in people:
        if person.pk != exclude.pk:
            notify(person, text, url_for(person, "content:crisis_detail", crisis.pk))


def _save_post(post: Post) -> None:
    post.version += 1
    post.updated_at = clock.now()
    post.save()


def start(actor: User, unit: Unit, reason: str) -> CrisisMode:
    """Turn crisis mode on over ``unit`` (the root unit: the whole organisation)."""
    reason = (reason or "").strip()
    if not can_switch(actor, unit):
        raise PermissionDenied
    if not reason:
        raise ValidationError({"reason": [_("Tell everyone why crisis mode is on.")]})
    with transaction.atomic():
        if crisis_for(unit) is not None:
            raise Conflict(_("Crisis mode is already on for this unit."))
        now = clock.now()
        crisis = CrisisMode.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            reason=reason,
            started_by=actor,
            started_at=now,
        )
        scheduled = (
            Post.objects.select_for_update(of=("self",))
            .filter(
                organisation_id=unit.organisation_id,
                unit__path__startswith=unit.path,
                state=S.SCHEDULED,
            )
            .select_related("author")
            .order_by("scheduled_at", "id")
        )
        paused: list[Post] = []
        for post in scheduled:
            assert post.scheduled_at is not None  # scheduled posts always have a time
            CrisisPause.objects.create(
                crisis=crisis, post=post, previous_scheduled_at=post.scheduled_at
            )
            previous = post.scheduled_at
            transition(post, S.APPROVED)
            post.scheduled_at = None
            _save_post(post)
            record(
                actor,
                "post.crisis_paused",
                post,
                data={"crisis": crisis.pk, "was": previous.isoformat(), "state": post.state},
            )
            paused.append(post)
        record(
            actor,
            "crisis.started",
            crisis,
            reason=reason,
            data={"unit": unit.name, "paused": [p.pk for p in paused]},
        )
        name = unit.name
        _tell(
            _people_in_scope(unit),
            lambda: (
                _("Crisis mode is on for %(unit)s. Scheduled posts there are paused.")
                % {"unit": name}
            ),
            crisis,
            actor,
        )
        for post in paused:
            if post.author.is_active and post.author_id != actor.pk:
                title = post.title  # notify() renders the text at once, inside this iteration
                notify(
                    post.author,
                    lambda: (
                        _("Your post “%(title)s” was paused by crisis mode.") % {"title": title}  # noqa: B023
                    ),
                    url_for(post.author, "content:post_detail", post.pk),
                )
    return crisis


def end(actor: User, crisis: CrisisMode) -> CrisisMode:
    with transaction.atomic():
        crisis = CrisisMode.objects.select_for_update().select_related("unit").get(pk=crisis.pk)
        if not can_switch(actor, crisis.unit):
            raise PermissionDenied
        if crisis.ended_at is not None:
            raise Conflict(_("Crisis mode has already been turned off."))
        crisis.ended_by, crisis.ended_at = actor, clock.now()
        crisis.save()
        waiting = crisis.pauses.filter(resolved_at__isnull=True).count()
        record(actor, "crisis.ended", crisis, data={"unit": crisis.unit.name, "paused": waiting})
        name = crisis.unit.name
        _tell(
            _people_in_scope(crisis.unit),
            lambda: _("Crisis mode is off for %(unit)s.") % {"unit": name},
            crisis,
            actor,
        )
    return crisis


def _require_postable(post: Post) -> None:
    closed = [
        v.channel.name
        for v in post.variants.select_related("channel")
        if v.channel.status not in rules.POSTABLE_STATUSES
    ]
    if closed:
        raise ValidationError(
            {
                "scheduled_at": [
                    _("Some channels no longer take posts: %(names)s.")
                    % {"names": ", ".join(closed)}
                ]
            }  # fmt: skip
        )


def resolve(
    actor: User, pause: CrisisPause, verb: str, at: dt.datetime | None = None
) -> CrisisPause:
    """Handle one paused post: ``resume`` at its old time (if still ahead), ``reschedule``
    to ``at``, or ``cancel``."""
    if verb not in ("resume", "reschedule", "cancel"):
        raise ValidationError({"action": [_("Choose resume, reschedule or cancel.")]})
    with transaction.atomic():
        pause = (
            CrisisPause.objects.select_for_update()
            .select_related("crisis__unit", "post__unit")
            .get(pk=pause.pk)
        )
        crisis, post = pause.crisis, pause.post
        if not can_switch(actor, crisis.unit):
            raise PermissionDenied
        if not pause_is_open(pause):
            raise Conflict(_("This post has already been handled."))
        if verb != "cancel" and crisis_for(post.unit) is not None:
            raise Conflict(_("Crisis mode is still on for this post's unit."))
        now = clock.now()
        if verb == "cancel":
            transition(post, S.CANCELLED)
            resolution = R.CANCELLED
        else:
            if verb == "resume":
                when = pause.previous_scheduled_at
                if when <= now:
                    raise ValidationError(
                        {"scheduled_at": [_("Its original time has passed: choose a new time.")]}
                    )
                resolution = R.RESUMED
            else:
                if at is None or at.tzinfo is None:
                    raise ValidationError({"scheduled_at": [_("Give the new time.")]})
                if at <= now:
                    raise ValidationError({"scheduled_at": [_("The time is in the past.")]})
                when, resolution = at, R.RESCHEDULED
            _require_postable(post)
            transition(post, S.SCHEDULED)
            post.scheduled_at = when.astimezone(dt.UTC)
        _save_post(post)
        pause.resolution, pause.resolved_by, pause.resolved_at = resolution, actor, now
        pause.save()
        at_text = post.scheduled_at.isoformat() if post.scheduled_at else ""
        record(
            actor,
            f"post.crisis_{resolution}",
            post,
            data={"crisis": crisis.pk, "at": at_text, "state": post.state},
        )
    return pause


def resolve_all(
    actor: User, crisis: CrisisMode, verb: str, at: dt.datetime | None = None
) -> dict[str, list[int]]:
    """The same decision for every open pause; each post on its own, so one post that
    needs a new time does not stop the rest. Returns post ids: done and left."""
    if not can_switch(actor, crisis.unit):
        raise PermissionDenied
    done: list[int] = []
    left: list[int] = []
    for pause in pauses_of(crisis):
        if not pause_is_open(pause):
            continue
        try:
            resolve(actor, pause, verb, at)
        except (ValidationError, Conflict):
            left.append(pause.post_id)
        else:
            done.append(pause.post_id)
    return {"done": done, "left": left}


def crisis_approve(actor: User, post: Post) -> CrisisApproval:
    """Approve an already approved post for the crisis so its unit may schedule it."""
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("unit").get(pk=post.pk)
        crisis = crisis_for(post.unit)
        if crisis is None:
            raise Conflict(_("Crisis mode is not on for this post's unit."))
        if not can_switch(actor, crisis.unit):
            raise PermissionDenied
        if post.state != S.APPROVED:
            raise Conflict(_("Only an approved post can be approved for the crisis."))
        if crisis.approvals.filter(post=post).exists():
            raise Conflict(_("This post has already been approved for the crisis."))
        item = CrisisApproval.objects.create(crisis=crisis, post=post, by=actor, at=clock.now())
        record(actor, "post.crisis_approved", post, data={"crisis": crisis.pk})
    return item


def add_delegate(actor: User, user: User, unit: Unit) -> CrisisDelegate:
    if not is_crisis_owner(actor, unit):
        raise PermissionDenied
    if user.organisation_id != unit.organisation_id or not user.is_active:
        raise ValidationError({"user": [_("Choose an active person of your organisation.")]})
    with transaction.atomic():
        if CrisisDelegate.objects.filter(user=user, unit=unit, revoked_at__isnull=True).exists():
            raise Conflict(_("This person already holds this delegation."))
        item = CrisisDelegate.objects.create(
            organisation_id=unit.organisation_id,
            user=user,
            delegated_by=actor,
            unit=unit,
            created_at=clock.now(),
        )
        record(
            actor, "crisis.delegate_added", item, data={"user": user.username, "unit": unit.name}
        )
        name = unit.name
        notify(
            user,
            lambda: _("You may now turn crisis mode on and off for %(unit)s.") % {"unit": name},
            url_for(user, "content:crisis_list"),
        )
    return item


def revoke_delegate(actor: User, item: CrisisDelegate) -> CrisisDelegate:
    with transaction.atomic():
        item = (
            CrisisDelegate.objects.select_for_update()
            .select_related("unit", "user")
            .get(pk=item.pk)
        )
        if not is_crisis_owner(actor, item.unit):
            raise PermissionDenied
        if item.revoked_at is not None:
            raise Conflict(_("This delegation has already been revoked."))
        item.revoked_at, item.revoked_by = clock.now(), actor
        item.save()
        record(actor, "crisis.delegate_revoked", item, data={"user": item.user.username})
    return item


def switchable_units(user: User, *, own_only: bool = False) -> QuerySet[Unit]:
    """Units where the user may switch crisis mode (``own_only``: as the crisis owner)."""
    if not user.is_active or user.organisation_id is None:
        return Unit.objects.none()
    organisation_id: int = user.organisation_id
    paths = set(
        RoleAssignment.objects.filter(
            user=user, role=Role.CITY_MANAGER, unit__organisation_id=organisation_id
        ).values_list("unit__path", flat=True)
    )
    if not own_only:
        paths |= set(
            CrisisDelegate.objects.filter(
                user=user, organisation_id=organisation_id, revoked_at__isnull=True
            ).values_list("unit__path", flat=True)
        )
    if not paths:
        return Unit.objects.none()
    where = Q()
    for p in paths:
        where |= Q(path__startswith=p)
    return Unit.objects.filter(where, organisation_id=organisation_id).order_by("path")
