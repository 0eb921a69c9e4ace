"""Writes on registered channels: editing, follower counts, activity, and import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import root_unit
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, organisation_of, require
from somevahti.core.roles import Perm
from somevahti.registry import importing
from somevahti.registry.models import (
    ActivityRecord,
    Audience,
    Channel,
    ChannelStatus,
    FollowerSnapshot,
)

SCALAR_FIELDS = (
    "platform",
    "name",
    "handle",
    "url",
    "purpose",
    "target_per_week",
    "status",
    "opened_on",
    "closed_on",
)
EDITABLE_FIELDS = (*SCALAR_FIELDS, "unit", "responsibles", "audiences")

# Status changes a person may make by editing the channel. Every other status
# belongs to a workflow with its own records and moves only through it:
# requested/opening through the channel request and IT's access confirmation,
# dormant through the daily dormancy check, closing/closed through the
# revive-or-close decision and its closing checklist.
MANUAL_TRANSITIONS: dict[str, frozenset[str]] = {
    # Flag a channel that is falling behind before the daily check does.
    ChannelStatus.ACTIVE: frozenset({ChannelStatus.UNDER_MAINTAINED}),
    # The team has caught up; the daily check will flag it again if not.
    ChannelStatus.UNDER_MAINTAINED: frozenset({ChannelStatus.ACTIVE}),
}


def _plain(value: Any) -> Any:
    """A JSON-friendly, human-readable form of a value for the audit entry."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _people_errors(people: list[User], channel: Channel) -> str | None:
    if not people:
        return _("At least one responsible person is required.")
    for person in people:
        if person.organisation_id != channel.organisation_id or not person.is_active:
            return _("Responsible people must be active members of your organisation.")
    return None


def update_channel(actor: User, channel: Channel, fields: dict[str, Any]) -> Channel:
    """Change a channel's registry data. Only the fields given are touched."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in unknown})
    with transaction.atomic():
        channel = Channel.objects.select_for_update().select_related("unit").get(pk=channel.pk)
        require(actor, Perm.EDIT_CHANNEL, channel.unit)
        errors: dict[str, list[str]] = {}
        changes: dict[str, dict[str, Any]] = {}

        for name in SCALAR_FIELDS:
            if name not in fields:
                continue
            new, old = fields[name], getattr(channel, name)
            if isinstance(new, str):
                new = new.strip()
            if name == "target_per_week" and new is not None:
                try:
                    new = Decimal(str(new))
                except InvalidOperation:
                    errors[name] = [_("Enter a number.")]
                    continue
            if new == old:
                continue
            if name == "status" and new not in MANUAL_TRANSITIONS.get(old, frozenset()):
                label = ChannelStatus(new).label if new in ChannelStatus.values else new
                errors[name] = [
                    _("The status cannot be changed from “%(old)s” to “%(new)s” by editing.")
                    % {"old": channel.get_status_display(), "new": label}
                ]
                continue
            changes[name] = {"from": _plain(old), "to": _plain(new)}
            setattr(channel, name, new)

        new_unit: Unit | None = fields.get("unit")
        if new_unit is not None and new_unit.pk != channel.unit_id:
            if not has_perm(actor, Perm.EDIT_CHANNEL, new_unit):
                errors["unit"] = [_("You cannot move the channel to that unit.")]
            else:
                changes["unit"] = {"from": str(channel.unit), "to": str(new_unit)}
                channel.unit = new_unit

        people: list[User] | None = None
        if "responsibles" in fields:
            people = list(fields["responsibles"])
            if problem := _people_errors(people, channel):
                errors["responsibles"] = [problem]
            else:
                old_people = list(channel.responsibles.all())
                if {p.pk for p in people} != {p.pk for p in old_people}:
                    changes["responsibles"] = {
                        "from": sorted(p.username for p in old_people),
                        "to": sorted(p.username for p in people),
                    }
        audiences: list[Audience] | None = None
        if "audiences" in fields:
            audiences = list(fields["audiences"])
            if any(a.organisation_id != channel.organisation_id for a in audiences):
                errors["audiences"] = [_("Choose target groups of your organisation.")]
            else:
                old_audiences = list(channel.audiences.all())
                if {a.pk for a in audiences} != {a.pk for a in old_audiences}:
                    changes["audiences"] = {
                        "from": sorted(a.name for a in old_audiences),
                        "to": sorted(a.name for a in audiences),
                    }

        try:
            channel.full_clean(exclude=["organisation", "unit", "created_at"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if channel.opened_on and channel.closed_on and channel.closed_on < channel.opened_on:
            errors.setdefault("closed_on", []).append(
                _("The channel cannot close before it was opened.")
            )
        if errors:
            raise ValidationError(errors)
        if not changes:
            return channel
        channel.save()
        if people is not None and "responsibles" in changes:
            channel.responsibles.set(people)
        if audiences is not None and "audiences" in changes:
            channel.audiences.set(audiences)
        record(actor, "channel.updated", channel, data={"changes": changes})
    return channel


def may_keep_records(actor: User, channel: Channel) -> bool:
    """Editors of the unit, and the channel's own responsible people, record followers
    and activity: the people who run the channel know these numbers first."""
    if has_perm(actor, Perm.EDIT_CHANNEL, channel.unit):
        return True
    return (
        actor.is_active
        and actor.organisation_id == channel.organisation_id
        and has_perm(actor, Perm.VIEW_REGISTRY, channel.unit)
        and channel.responsibles.filter(pk=actor.pk).exists()
    )


def _require_keeper(actor: User, channel: Channel) -> None:
    if not may_keep_records(actor, channel):
        raise PermissionDenied


def record_followers(actor: User, channel: Channel, date: dt.date, count: int) -> FollowerSnapshot:
    """A dated follower count; a second count for the same day replaces the first."""
    _require_keeper(actor, channel)
    errors: dict[str, str] = {}
    if date > clock.today():
        errors["date"] = _("The date is in the future.")
    if count < 0:
        errors["count"] = _("Enter zero or more.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        previous = (
            FollowerSnapshot.objects.filter(channel=channel, date=date)
            .values_list("count", flat=True)
            .first()
        )
        snapshot, _created = FollowerSnapshot.objects.update_or_create(
            channel=channel, date=date, defaults={"count": count}
        )
        if not FollowerSnapshot.objects.filter(channel=channel, date__gt=date).exists():
            channel.followers = count
            channel.save(update_fields=["followers"])
        record(
            actor,
            "channel.followers_recorded",
            channel,
            data={"date": date.isoformat(), "count": count, "previous": previous},
        )
    return snapshot


def record_activity(
    actor: User, channel: Channel, at: dt.datetime, note: str = ""
) -> ActivityRecord:
    """Activity known outside the publishing desk, e.g. a post made in the platform's app."""
    _require_keeper(actor, channel)
    note = note.strip()
    errors: dict[str, str] = {}
    if at.tzinfo is None:
        errors["occurred_at"] = _("Enter a time with its time zone.")
    elif at > clock.now():
        errors["occurred_at"] = _("The time is in the future.")
    if len(note) > 300:
        errors["note"] = _("At most %(n)s characters.") % {"n": 300}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        activity = ActivityRecord.objects.create(channel=channel, occurred_at=at, note=note)
        if channel.last_activity_at is None or at > channel.last_activity_at:
            channel.last_activity_at = at
            channel.save(update_fields=["last_activity_at"])
        record(
            actor,
            "channel.activity_recorded",
            channel,
            data={"at": at.isoformat(), "note": note},
        )
    return activity


def _lookups(organisation_id: int) -> importing.Lookups:
    units = list(Unit.objects.filter(organisation_id=organisation_id).order_by("path"))
    names: dict[str, str] = {u.path: u.name for u in units}
    chains = [(u.pk, [names[p] for p in u.ancestor_paths() if p in names]) for u in units]
    people: dict[str, int] = {}
    for pk, username, email in User.objects.filter(
        organisation_id=organisation_id, is_active=True
    ).values_list("pk", "username", "email"):
        if email:
            people.setdefault(email.casefold(), pk)
        people[username.casefold()] = pk
    audiences = {
        name.casefold(): pk
        for pk, name in Audience.objects.filter(organisation_id=organisation_id).values_list(
            "pk", "name"
        )
    }
    existing = {
        importing.channel_key(*values)
        for values in Channel.objects.filter(organisation_id=organisation_id).values_list(
            "platform", "name", "handle"
        )
    }
    return importing.Lookups(chains, people, audiences, existing, clock.today())


def import_channels(actor: User, upload_name: str, data: bytes) -> importing.ImportResult:
    """Import a channel list; every row is checked first and nothing is written on any error.

    A broken file (empty, wrong type, too large) raises ValidationError on ``file``;
    row problems come back in ``ImportResult.errors``.
    """
    organisation = organisation_of(actor)
    require(actor, Perm.IMPORT_CHANNELS, root_unit(organisation))
    table = importing.read_table(upload_name, data)
    rows, result = importing.validate(table, _lookups(organisation.pk))
    if not result.ok:
        return result
    today = clock.today()
    with transaction.atomic():
        channels = Channel.objects.bulk_create(
            [
                Channel(
                    organisation=organisation,
                    unit_id=row.unit_id,
                    platform=row.platform,
                    name=row.name,
                    handle=row.handle,
                    url=row.url,
                    purpose=row.purpose,
                    target_per_week=row.target_per_week,
                    status=row.status,
                    opened_on=row.opened_on,
                    closed_on=row.closed_on,
                    followers=row.followers,
                    last_activity_at=row.last_activity_at,
                )
                for row in rows
            ]
        )
        _bulk_relations(channels, rows, today)
        for channel, row in zip(channels, rows, strict=True):
            record(actor, "channel.imported", channel, data={"file": upload_name, "row": row.row})
        ids = [c.pk for c in channels]
        record(
            actor,
            "channels.imported",
            organisation,
            organisation=organisation,
            data={"file": upload_name, "count": len(ids), "channel_ids": ids},
        )
    result.created, result.channel_ids = len(ids), ids
    return result


def _bulk_relations(
    channels: Iterable[Channel], rows: list[importing.ChannelRow], today: dt.date
) -> None:
    people_through = Channel.responsibles.through
    audience_through = Channel.audiences.through
    people: list[Any] = []
    groups: list[Any] = []
    snapshots: list[FollowerSnapshot] = []
    for channel, row in zip(channels, rows, strict=True):
        people += [people_through(channel_id=channel.pk, user_id=u) for u in row.responsible_ids]
        groups += [audience_through(channel_id=channel.pk, audience_id=a) for a in row.audience_ids]
        if row.followers is not None:
            snapshots.append(FollowerSnapshot(channel=channel, date=today, count=row.followers))
    people_through.objects.bulk_create(people)
    audience_through.objects.bulk_create(groups)
    FollowerSnapshot.objects.bulk_create(snapshots)
