"""Staff tips: rules, reads and writes.

- sending: any staff role on the unit (not elected officials), posting rights not needed;
- triage: channel owners and communications over the tip's unit (and organisation admins);
- the sender sees their own tips and what happened to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content import actions
from somevahti.content.media import DEFAULT_IMAGE_MAX, IMAGE_TYPES, sniff
from somevahti.content.models import Post, PostMedia, Tip, TipMessage, TipPhoto
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.errors import Conflict
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, org_id, paths_with_roles, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.registry.models import Channel

T = Tip.State
TRIAGE_ROLES = (Role.CHANNEL_OWNER, Role.COMMUNICATIONS, Role.ORG_ADMIN)
MAX_PHOTOS = 10
OPEN = (T.NEW, T.WAITING)


# --- rules ---------------------------------------------------------------------------


def can_send(user: User, unit: Unit) -> bool:
    return has_perm(user, Perm.VIEW_REGISTRY, unit)


def _triage_paths(user: User) -> list[str]:
    return paths_with_roles(user, TRIAGE_ROLES)


def can_triage(user: User, unit: Unit) -> bool:
    return unit.organisation_id == user.organisation_id and any(
        unit.path.startswith(p) for p in _triage_paths(user)
    )


def is_triager(user: User) -> bool:
    return bool(_triage_paths(user))


# --- reads ---------------------------------------------------------------------------


def _rows(qs: QuerySet[Tip]) -> QuerySet[Tip]:
    return qs.select_related("unit", "sender", "post", "handled_by").prefetch_related(
        "photos", "messages__author"
    )


def my_tips(user: User) -> QuerySet[Tip]:
    return _rows(Tip.objects.filter(organisation_id=org_id(user), sender=user))


def triage_queue(user: User) -> QuerySet[Tip]:
    paths = _triage_paths(user)
    if not paths:
        return Tip.objects.none()
    scope = reduce(or_, (Q(unit__path__startswith=p) for p in paths))
    return _rows(Tip.objects.filter(Q(organisation_id=org_id(user)) & scope))


def tips_visible_to(user: User) -> QuerySet[Tip]:
    """The sender's own tips and those in the user's triage scope; nothing else."""
    own = Q(sender=user)
    paths = _triage_paths(user)
    if paths:
        own |= reduce(or_, (Q(unit__path__startswith=p) for p in paths))
    return _rows(Tip.objects.filter(Q(organisation_id=org_id(user)) & own))


# --- writes --------------------------------------------------------------------------


def _clean_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Images only, type sniffed from the bytes, size-limited."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)s photos.") % {"n": MAX_PHOTOS}})
    out = []
    for upload in photos:
        upload.seek(0)
        content_type = sniff(upload.read(16))
        upload.seek(0)
        if content_type not in IMAGE_TYPES:
            raise ValidationError(
                {
                    "photos": _("“%(name)s” is not a JPEG, PNG, GIF or WebP image.")
                    % {"name": upload.name}
                }  # fmt: skip
            )
        if (upload.size or 0) > DEFAULT_IMAGE_MAX:
            raise ValidationError(
                {
                    "photos": _("“%(name)s” is too large; a photo may be at most %(mb)s MB.")
                    % {"name": upload.name, "mb": DEFAULT_IMAGE_MAX // (1024 * 1024)}
                }
            )
        out.append((upload, content_type))
    return out


def _save_photos(tip: Tip, photos: list[tuple[UploadedFile, str]]) -> None:
    now = clock.now()
    for upload, content_type in photos:
        TipPhoto.objects.create(
            tip=tip, file=upload, content_type=content_type, size=upload.size or 0, uploaded_at=now
        )


def _tell_triagers(tip: Tip, text: Any) -> None:
    for person in users_with_role_over(tip.unit, TRIAGE_ROLES).exclude(pk=tip.sender_id):
        notify(person, text, url_for(person, "content:tip_detail", tip.pk))


def _tell_sender(tip: Tip, text: Any) -> None:
    sender = User.objects.get(pk=tip.sender_id)
    if sender.is_active:
        notify(sender, text, url_for(sender, "content:tip_detail", tip.pk))


def send_tip(actor: User, unit: Unit, data: dict[str, Any]) -> Tip:
    """Any member of staff sends a tip. Photos of recognisable people need the sender's
    confirmation that the people agreed, and how that consent was obtained."""
    if not can_send(actor, unit):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    text = str(data.get("text") or "").strip()
    if not text:
        errors["text"] = [_("Tell us what the tip is about.")]
    event_date: dt.date | None = data.get("event_date")
    if not isinstance(event_date, dt.date):
        errors["event_date"] = [_("Give the date of the event.")]
    photos: Sequence[UploadedFile] = data.get("photos") or []
    shows_people = bool(data.get("shows_people"))
    consent = bool(data.get("consent_confirmed"))
    consent_how = str(data.get("consent_how") or "").strip()
    if photos and shows_people:
        if not consent:
            errors["consent_confirmed"] = [
                _("Confirm that the people in the photos agreed to them being published.")
            ]
        if not consent_how:
            errors["consent_how"] = [_("Tell how their consent was obtained.")]
    try:
        clean_photos = _clean_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors or event_date is None:
        raise ValidationError(errors)
    now = clock.now()
    with transaction.atomic():
        tip = Tip.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            sender=actor,
            text=text,
            event_date=event_date,
            shows_people=shows_people and bool(photos),
            consent_confirmed=consent and shows_people and bool(photos),
            consent_how=consent_how if shows_people and photos else "",
            created_at=now,
            updated_at=now,
        )
        _save_photos(tip, clean_photos)
        record(
            actor,
            "tip.sent",
            tip,
            data={"unit": unit.name, "photos": len(clean_photos), "consent": tip.consent_confirmed},
        )
        name = str(actor)
        _tell_triagers(tip, lambda: _("%(name)s sent a new tip.") % {"name": name})
    return tip


def _locked(tip: Tip) -> Tip:
    return Tip.objects.select_for_update().select_related("unit").get(pk=tip.pk)


def _triaged(actor: User, tip: Tip, states: Sequence[str] = OPEN) -> Tip:
    tip = _locked(tip)
    if not can_triage(actor, tip.unit):
        raise PermissionDenied
    if tip.state not in states:
        raise Conflict(_("This tip has already been handled."))
    return tip


def _touch(tip: Tip, actor: User, state: str) -> None:
    tip.state, tip.handled_by, tip.updated_at = state, actor, clock.now()
    tip.save()


def to_draft(actor: User, tip: Tip, title: str = "", channels: Sequence[Channel] = ()) -> Post:
    """Turn the tip into a draft post of its unit, keeping the link. Its photos are copied
    to the post; each still needs alt text before the post goes out."""
    with transaction.atomic():
        tip = _triaged(actor, tip)
        title = (title or "").strip() or tip.text.splitlines()[0][:120]
        post = actions.create_post(
            actor, tip.unit, {"title": title, "body": tip.text, "channels": list(channels)}
        )
        for photo in tip.photos.all():
            with photo.file.open("rb") as fh:
                content = ContentFile(fh.read(), name=photo.file.name.rsplit("/", 1)[-1])
            PostMedia.objects.create(
                post=post,
                kind=PostMedia.Kind.IMAGE,
                file=content,
                content_type=photo.content_type,
                size=photo.size,
                alt_text="",
                uploaded_by=actor,
                uploaded_at=clock.now(),
            )
        tip.post = post
        _touch(tip, actor, T.DRAFTED)
        record(actor, "tip.drafted", tip, data={"post": post.pk})
        _tell_sender(tip, lambda: _("Thank you: your tip is being made into a post."))
    return post


def ask_more(actor: User, tip: Tip, text: str) -> TipMessage:
    text = (text or "").strip()
    with transaction.atomic():
        tip = _triaged(actor, tip)
        if not text:
            raise ValidationError({"text": [_("Write what you would like to know.")]})
        message = TipMessage.objects.create(
            tip=tip, author=actor, kind=TipMessage.Kind.QUESTION, text=text, created_at=clock.now()
        )
        _touch(tip, actor, T.WAITING)
        record(actor, "tip.more_requested", tip)
        _tell_sender(tip, lambda: _("You have a question about your tip."))
    return message


def answer(actor: User, tip: Tip, text: str, photos: Sequence[UploadedFile] = ()) -> TipMessage:
    """The sender adds to their tip; it goes back to the triage queue."""
    text = (text or "").strip()
    with transaction.atomic():
        tip = _locked(tip)
        if tip.sender_id != actor.pk:
            raise PermissionDenied
        if tip.state != T.WAITING:
            raise Conflict(_("Nobody is waiting for an answer to this tip."))
        if not text:
            raise ValidationError({"text": [_("Write your answer.")]})
        clean = _clean_photos(photos)
        message = TipMessage.objects.create(
            tip=tip, author=actor, kind=TipMessage.Kind.ANSWER, text=text, created_at=clock.now()
        )
        _save_photos(tip, clean)
        tip.state, tip.updated_at = T.NEW, clock.now()
        tip.save()
        record(actor, "tip.answered", tip, data={"photos": len(clean)})
        name = str(actor)
        _tell_triagers(
            tip, lambda: _("%(name)s answered your question about a tip.") % {"name": name}
        )
    return message


def decline(actor: User, tip: Tip, reason: str) -> Tip:
    reason = (reason or "").strip()
    with transaction.atomic():
        tip = _triaged(actor, tip)
        if not reason:
            raise ValidationError({"reason": [_("Tell the sender why, with thanks.")]})
        tip.decline_reason = reason
        _touch(tip, actor, T.DECLINED)
        record(actor, "tip.declined", tip, reason=reason)
        short = reason[:300]
        _tell_sender(
            tip,
            lambda: (
                _("Thank you for your tip. It will not become a post this time: %(reason)s")
                % {"reason": short}
            ),
        )
    return tip
