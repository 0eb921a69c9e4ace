"""IT's access register and tasks: who holds access to each channel, taking and revoking it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import deactivate_user, notify, root_unit, url_for
from somevahti.core.errors import Conflict
from somevahti.core.models import Unit, User
from somevahti.core.permissions import organisation_of, require, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.registry.models import AccessGrant, AccessTask, Channel, ChannelStatus


def current_grants(channel: Channel, holder: User | None = None) -> list[AccessGrant]:
    qs = AccessGrant.objects.filter(channel=channel, revoked_on__isnull=True)
    if holder is not None:
        qs = qs.filter(holder=holder)
    return list(qs.select_related("holder"))


def open_revoke_task(
    actor: User | None, channel: Channel, subject_id: int, reason: str
) -> AccessTask | None:
    """Open a task for IT to revoke one person's access, unless one is already open."""
    if AccessTask.objects.filter(
        channel=channel,
        kind=AccessTask.Kind.REVOKE,
        subject_id=subject_id,
        status=AccessTask.Status.OPEN,
    ).exists():
        return None
    task = AccessTask.objects.create(
        organisation_id=channel.organisation_id,
        channel=channel,
        kind=AccessTask.Kind.REVOKE,
        subject_id=subject_id,
        reason=reason,
        opened_at=clock.now(),
    )
    record(
        actor,
        "access_task.opened",
        task,
        reason=reason,
        data={"kind": task.kind, "subject": subject_id, "channel": channel.pk},
        organisation=channel.organisation,
    )
    return task


def record_access_grant(
    actor: User, channel: Channel, holder: User, kind: str, method: str, granted_on: dt.date
) -> AccessGrant:
    """IT records that someone holds access to a channel, and how."""
    unit = Unit.objects.get(pk=channel.unit_id)
    require(actor, Perm.MANAGE_ACCESS, unit)
    method = (method or "").strip()
    errors: dict[str, list[str]] = {}
    if holder.organisation_id != channel.organisation_id or not holder.is_active:
        errors["holder"] = [_("Choose an active member of your organisation.")]
    if kind not in AccessGrant.Kind.values:
        errors["kind"] = [_("Choose a kind of access from the list.")]
    if not method:
        errors["method"] = [_("Tell how the access is held, e.g. page admin role or vault entry.")]
    elif len(method) > 300:
        errors["method"] = [_("At most %(n)s characters.") % {"n": 300}]
    if not isinstance(granted_on, dt.date):
        errors["granted_on"] = [_("Enter a date.")]
    elif granted_on > clock.today():
        errors["granted_on"] = [_("The date is in the future.")]
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if channel.status == ChannelStatus.CLOSED:
            errors.setdefault("channel", []).append(_("The channel is closed."))
        if (
            "holder" not in errors
            and "kind" not in errors
            and AccessGrant.objects.filter(
                channel=channel, holder=holder, kind=kind, revoked_on__isnull=True
            ).exists()
        ):
            errors["holder"] = [_("This person already holds this kind of access.")]
        if errors:
            raise ValidationError(errors)
        grant = AccessGrant.objects.create(
            organisation_id=channel.organisation_id,
            channel=channel,
            holder=holder,
            kind=kind,
            method=method,
            granted_on=granted_on,
            recorded_by=actor,
        )
        record(
            actor,
            "access.granted",
            grant,
            data={
                "channel": channel.pk,
                "holder": holder.username,
                "kind": kind,
                "method": method,
                "granted_on": granted_on.isoformat(),
            },
        )
    return grant


def revoke_access_grant(
    actor: User, grant: AccessGrant, revoked_on: dt.date, reason: str
) -> AccessGrant:
    """Mark access as removed. The row stays: the register keeps past holders."""
    with transaction.atomic():
        grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        channel = Channel.objects.select_related("unit").get(pk=grant.channel_id)
        require(actor, Perm.MANAGE_ACCESS, channel.unit)
        if grant.revoked_on is not None:
            raise Conflict(_("This access has already been revoked."))
        reason = (reason or "").strip()
        errors: dict[str, list[str]] = {}
        if not reason:
            errors["reason"] = [_("Give a reason.")]
        if not isinstance(revoked_on, dt.date):
            errors["revoked_on"] = [_("Enter a date.")]
        elif revoked_on > clock.today():
            errors["revoked_on"] = [_("The date is in the future.")]
        elif revoked_on < grant.granted_on:
            errors["revoked_on"] = [_("Access cannot end before it was granted.")]
        if errors:
            raise ValidationError(errors)
        grant.revoked_on = revoked_on
        grant.save(update_fields=["revoked_on"])
        record(
            actor,
            "access.revoked",
            grant,
            reason=reason,
            data={
                "channel": channel.pk,
                "holder_id": grant.holder_id,
                "revoked_on": revoked_on.isoformat(),
            },
        )
    return grant


def complete_access_task(actor: User, task: AccessTask) -> AccessTask:
    """Close an IT task once the register shows it is really done."""
    with transaction.atomic():
        task = AccessTask.objects.select_for_update().get(pk=task.pk)
        channel = Channel.objects.select_for_update().get(pk=task.channel_id)
        unit = Unit.objects.get(pk=channel.unit_id)
        require(actor, Perm.MANAGE_ACCESS, unit)
        if task.status == AccessTask.Status.DONE:
            raise Conflict(_("This task is already done."))
        if task.kind == AccessTask.Kind.GRANT:
            # IT confirms its own access: the organisation must never lose an account.
            if not current_grants(channel, actor):
                raise ValidationError(
                    _("Record your own access to the channel first; then mark the task done.")
                )
        elif (
            task.subject_id is not None
            and AccessGrant.objects.filter(
                channel=channel, holder_id=task.subject_id, revoked_on__isnull=True
            ).exists()
        ):
            raise ValidationError(
                _("The person still holds access. Revoke it first; then mark the task done.")
            )
        task.status = AccessTask.Status.DONE
        task.done_at = clock.now()
        task.done_by = actor
        task.save(update_fields=["status", "done_at", "done_by"])
        record(actor, "access_task.done", task, data={"kind": task.kind, "channel": channel.pk})
        if task.kind == AccessTask.Kind.GRANT and channel.status == ChannelStatus.OPENING:
            channel.status = ChannelStatus.ACTIVE
            channel.opened_on = clock.today()
            channel.save(update_fields=["status", "opened_on"])
            record(
                actor,
                "channel.activated",
                channel,
                data={"changes": {"status": {"from": ChannelStatus.OPENING, "to": "active"}}},
            )
            for person in channel.responsibles.filter(is_active=True):
                notify(
                    person,
                    lambda: (
                        _("The channel “%(name)s” is open and IT holds access to it.")
                        % {"name": channel.name}
                    ),
                    url_for(person, "registry:channel_detail", channel.pk),
                )
    return task


def open_revocation_tasks(actor: User | None, user: User) -> list[AccessTask]:
    """A revoke task for every channel where ``user`` still holds access (deactivation).

    Returns the tasks opened now; a task already open for the same channel is kept.
    """
    opened: list[AccessTask] = []
    with transaction.atomic():
        channel_ids = sorted(
            set(
                AccessGrant.objects.filter(holder=user, revoked_on__isnull=True).values_list(
                    "channel_id", flat=True
                )
            )
        )
        channels = Channel.objects.select_for_update().filter(pk__in=channel_ids).order_by("pk")
        for channel in channels:
            task = open_revoke_task(
                actor, channel, user.pk, _("%(who)s was deactivated.") % {"who": user}
            )
            if task is None:
                continue
            opened.append(task)
            unit = Unit.objects.get(pk=channel.unit_id)
            for person in users_with_role_over(unit, [Role.IT]).exclude(pk=user.pk):
                notify(
                    person,
                    lambda channel=channel: (
                        _("%(who)s no longer works with us: revoke their access to “%(name)s”.")
                        % {"who": user, "name": channel.name}
                    ),
                    url_for(person, "registry:access_task", task.pk),
                )
    return opened


def deactivate_member(actor: User, user: User, reason: str) -> list[AccessTask]:
    """The organisation admin deactivates a person; their access goes on IT's list.

    Returns the revoke tasks now open for the person.
    """
    organisation = organisation_of(actor)
    require(actor, Perm.MANAGE_USERS, root_unit(organisation))
    if user.organisation_id != organisation.pk:
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError({"user": [_("You cannot deactivate yourself.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise Conflict(_("This person has already been deactivated."))
        deactivate_user(actor, user, reason)
    return list(
        AccessTask.objects.filter(
            subject=user, kind=AccessTask.Kind.REVOKE, status=AccessTask.Status.OPEN
        ).select_related("channel")
    )
