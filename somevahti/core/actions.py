"""Writes for organisations, units, people and notifications."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.models import Notification, Organisation, RoleAssignment, Unit, User
from somevahti.core.permissions import forget_roles


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
