"""Writes for organisations, units, people and notifications."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import Notification, Organisation, RoleAssignment, Unit, User
from somevahti.core.permissions import forget_roles, require
from somevahti.core.roles import Perm, Role


def create_organisation(name: str, slug: str) -> Organisation:
    with transaction.atomic():
        org = Organisation.objects.create(name=name, slug=slug)
        Unit.objects.create(
            organisation=org, name=name, kind=Unit.Kind.ORGANISATION, path="0001.", depth=0
        )
    return org


def root_unit(org: Organisation) -> Unit:
    return Unit.objects.get(organisation=org, parent__isnull=True)


def create_unit(parent: Unit, name: str, kind: str = Unit.Kind.UNIT) -> Unit:
    with transaction.atomic():
        # Lock the parent so two children created at once get different paths.
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
        last = (
            Unit.objects.filter(parent=parent)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        seq = int(last[-5:-1]) + 1 if last else 1
        return Unit.objects.create(
            organisation_id=parent.organisation_id,
            parent=parent,
            name=name,
            kind=kind,
            path=f"{parent.path}{seq:04d}.",
            depth=parent.depth + 1,
        )


def assign_role(user: User, unit: Unit, role: str) -> RoleAssignment:
    if user.organisation_id != unit.organisation_id:
        raise ValueError("user and unit belong to different organisations")
    ra, _ = RoleAssignment.objects.get_or_create(user=user, unit=unit, role=role)
    forget_roles(user)
    return ra


def url_for(user: User, name: str, *args: Any) -> str:
    """A link in the recipient's own language (the URLs carry a language prefix)."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return reverse(name, args=args)


def notify(user: User, text_fn: object, url: str = "", subject_fn: object = None) -> Notification:
    """Notify in the app and by e-mail, in the recipient's language.

    ``text_fn``/``subject_fn`` are callables (or lazy strings) evaluated under the
    recipient's language so each person reads the message in their own language.
    The e-mail goes out from a task after commit; its outcome is kept on the row.
    """
    from somevahti.core.tasks import deliver_notification_email

    lang = user.language or settings.LANGUAGE_CODE
    with translation.override(lang):
        text = str(text_fn() if callable(text_fn) else text_fn)
        subject = str(subject_fn() if callable(subject_fn) else (subject_fn or text))
    n = Notification.objects.create(
        user=user,
        text=text,
        url=url,
        created_at=clock.now(),
        email_subject=subject[:200],
        email_state="pending" if user.email else "none",
    )
    if user.email:
        transaction.on_commit(lambda: deliver_notification_email(n.pk))
    return n


def send_notification_email(notification_id: int) -> bool:
    """Send one pending notification e-mail; record the outcome. Safe to run twice."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, email_state__in=["pending", "failed"])
            .first()
        )
        if n is None:
            return False
        n.email_attempts += 1
        body = f"{n.text}\n\n{n.url}" if n.url else n.text
        try:
            send_mail(n.email_subject or n.text[:150], body, None, [n.user.email])
        except Exception as exc:  # any transport error: keep it for the sweep to retry
            n.email_state, n.email_error = "failed", str(exc)[:500]
        else:
            n.email_state, n.email_error = "sent", ""
        n.save(update_fields=["email_state", "email_error", "email_attempts"])
        return n.email_state == "sent"


def deactivate_user(actor: User | None, user: User, reason: str = "") -> None:
    """Deactivate a user; the registry opens revocation tasks for the access they hold."""
    from somevahti.registry.actions.access import open_revocation_tasks

    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(actor, "user.deactivated", user, reason=reason, organisation=user.organisation)
        open_revocation_tasks(actor, user)


# --- Organisation admin: units, roles and settings -------------------------------------


def add_unit(actor: User, parent: Unit, name: str, kind: str) -> Unit:
    require(actor, Perm.MANAGE_ORGANISATION, parent)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the unit a name.")]
    if kind not in (Unit.Kind.SECTOR, Unit.Kind.UNIT, Unit.Kind.SUBUNIT):
        errors["kind"] = [_("Choose the kind of unit.")]
    if Unit.objects.filter(parent=parent, name__iexact=name).exists():
        errors["name"] = [_("This unit already has a sub-unit with that name.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        unit = create_unit(parent, name, kind)
        record(actor, "unit.created", unit, data={"parent": parent.pk, "path": unit.path})
    return unit


def rename_unit(actor: User, unit: Unit, name: str) -> Unit:
    require(actor, Perm.MANAGE_ORGANISATION, unit)
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the unit a name.")]})
    with transaction.atomic():
        old, unit.name = unit.name, name
        unit.save(update_fields=["name"])
        record(actor, "unit.renamed", unit, data={"from": old, "to": name})
    return unit


def grant_role(actor: User, user: User, unit: Unit, role: str) -> RoleAssignment:
    require(actor, Perm.MANAGE_ORGANISATION, unit)
    if user.organisation_id != unit.organisation_id or not user.is_active:
        raise ValidationError({"user": [_("Choose an active person of your organisation.")]})
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose a role from the list.")]})
    if RoleAssignment.objects.filter(user=user, unit=unit, role=role).exists():
        raise Conflict(_("The person already has this role in this unit."))
    with transaction.atomic():
        ra = assign_role(user, unit, role)
        record(actor, "role.granted", unit, data={"user": user.username, "role": role})
    return ra


def revoke_role(actor: User, assignment: RoleAssignment) -> None:
    unit = assignment.unit
    require(actor, Perm.MANAGE_ORGANISATION, unit)
    if assignment.role == Role.ORG_ADMIN:
        admins = RoleAssignment.objects.filter(
            role=Role.ORG_ADMIN, unit__organisation_id=unit.organisation_id, user__is_active=True
        )
        if admins.count() <= 1:
            raise Conflict(_("The organisation must keep at least one admin."))
    with transaction.atomic():
        data = {"user": assignment.user.username, "role": assignment.role}
        RoleAssignment.objects.filter(pk=assignment.pk).delete()
        forget_roles(assignment.user)
        record(actor, "role.revoked", unit, data=data)


def update_organisation_settings(actor: User, org: Organisation, data: dict[str, Any]) -> None:
    """Dormancy thresholds and the eves the organisation keeps open."""
    require(actor, Perm.MANAGE_ORGANISATION, root_unit(org))
    fields = ["under_maintained_ratio", "activity_window_weeks", "dormant_after_days", "open_eves"]
    data = {**data, "open_eves": sorted(data.get("open_eves") or [])}
    before = {f: getattr(org, f) for f in fields}
    for f in fields:
        setattr(org, f, data[f])
    org.full_clean(exclude=["slug", "name"])
    errors = {}
    if not (0 < org.under_maintained_ratio <= 1):
        errors["under_maintained_ratio"] = [_("Give a share between 0.01 and 1.")]
    if not (1 <= org.activity_window_weeks <= 52):
        errors["activity_window_weeks"] = [_("Give between 1 and 52 weeks.")]
    if not (14 <= org.dormant_after_days <= 730):
        errors["dormant_after_days"] = [_("Give between 14 and 730 days.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org.save(update_fields=fields)
        changed = {f: [before[f], getattr(org, f)] for f in fields if before[f] != getattr(org, f)}
        record(actor, "organisation.settings_updated", org, data=changed, organisation=org)
