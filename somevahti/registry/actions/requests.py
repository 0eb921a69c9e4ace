"""Channel requests: the five questions, and the unit director's decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.actions import notify, url_for
from somevahti.core.errors import Conflict
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, require, users_with_role_over
from somevahti.core.roles import Perm, Role
from somevahti.registry.models import (
    AccessTask,
    Audience,
    Channel,
    ChannelRequest,
    ChannelStatus,
    Platform,
)

TEXT_ANSWERS = ("name", "purpose", "content_plan", "promotion_plan", "evaluation_plan")
MAX_TARGET = Decimal("999.9")


def _clean_answers(unit: Unit, answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validated answers, or field errors. Nothing here touches the database for writing."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in TEXT_ANSWERS:
        value = answers.get(field)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            err(field, _("This answer is required."))
        clean[field] = value
    if len(clean["name"]) > 200:
        err("name", _("At most %(n)s characters.") % {"n": 200})

    platform = answers.get("platform")
    if platform not in Platform.values:
        err("platform", _("Choose a platform from the list."))
    clean["platform"] = platform

    audiences = list(answers.get("audiences") or [])
    if not audiences:
        err("audiences", _("Choose at least one target group."))
    elif any(
        not isinstance(a, Audience) or a.organisation_id != unit.organisation_id for a in audiences
    ):
        err("audiences", _("Choose target groups of your organisation."))
    clean["audiences"] = audiences

    people = list(answers.get("proposed_responsibles") or [])
    if not people:
        err("proposed_responsibles", _("Propose at least one responsible person."))
    elif any(
        not isinstance(p, User) or p.organisation_id != unit.organisation_id or not p.is_active
        for p in people
    ):
        err(
            "proposed_responsibles",
            _("Responsible people must be active members of your organisation."),
        )
    clean["proposed_responsibles"] = people

    first = answers.get("first_evaluation_on")
    if not isinstance(first, dt.date) or isinstance(first, dt.datetime):
        err("first_evaluation_on", _("Enter the date of the first evaluation."))
    elif first < clock.today():
        err("first_evaluation_on", _("The first evaluation cannot be in the past."))
    clean["first_evaluation_on"] = first

    raw_target = answers.get("target_per_week")
    try:
        target = Decimal(2) if raw_target in (None, "") else Decimal(str(raw_target))
    except InvalidOperation:
        target = None
    if target is None or not target.is_finite():
        err("target_per_week", _("Enter a number."))
    elif target <= 0 or target > MAX_TARGET:
        err("target_per_week", _("Enter a number between 0.1 and 999.9."))
    elif target != target.quantize(Decimal("0.1")):
        err("target_per_week", _("Use at most one decimal."))
    clean["target_per_week"] = target
    return clean, errors


def submit_channel_request(actor: User, unit: Unit, answers: dict[str, Any]) -> ChannelRequest:
    """Anyone with a role in the unit asks for a new channel; the unit's directors are told."""
    require(actor, Perm.REQUEST_CHANNEL, unit)
    clean, errors = _clean_answers(unit, answers)
    if errors:
        raise ValidationError(errors)
    audiences = clean.pop("audiences")
    people = clean.pop("proposed_responsibles")
    with transaction.atomic():
        req = ChannelRequest.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            requested_by=actor,
            created_at=clock.now(),
            **clean,
        )
        req.audiences.set(audiences)
        req.proposed_responsibles.set(people)
        record(
            actor,
            "channel_request.submitted",
            req,
            data={
                "unit": unit.name,
                "platform": req.platform,
                "name": req.name,
                "audiences": sorted(a.name for a in audiences),
                "proposed_responsibles": sorted(p.username for p in people),
            },
        )
        directors = users_with_role_over(unit, [Role.UNIT_DIRECTOR]).exclude(pk=actor.pk)
        for director in directors:
            notify(
                director,
                lambda: (
                    _("%(who)s asks to open a new channel “%(name)s” in %(unit)s.")
                    % {"who": actor, "name": req.name, "unit": unit.name}
                ),
                url_for(director, "registry:request_detail", req.pk),
                lambda: (
                    _("Channel request waiting for your decision: %(name)s") % {"name": req.name}
                ),
            )
    return req


def may_decide(actor: User, req: ChannelRequest) -> bool:
    """Whether the decision form is offered: a director over the unit, never the requester."""
    return (
        req.status == ChannelRequest.Status.PENDING
        and req.requested_by_id != actor.pk
        and has_perm(actor, Perm.DECIDE_CHANNEL_REQUEST, req.unit)
    )


def decide_channel_request(
    actor: User, request: ChannelRequest, approve: bool, reason: str
) -> ChannelRequest:
    """Approve or reject once. Approval creates the channel as "opening" and hands it to IT."""
    with transaction.atomic():
        # The lock makes two directors deciding at once a conflict, not two decisions.
        req = ChannelRequest.objects.select_for_update().get(pk=request.pk)
        unit = Unit.objects.get(pk=req.unit_id)
        require(actor, Perm.DECIDE_CHANNEL_REQUEST, unit)
        if req.requested_by_id == actor.pk:
            raise PermissionDenied(_("Nobody may decide their own request."))
        if req.status != ChannelRequest.Status.PENDING:
            raise Conflict(_("This request has already been decided."))
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": [_("Give a reason for the decision.")]})

        req.status = ChannelRequest.Status.APPROVED if approve else ChannelRequest.Status.REJECTED
        req.decided_by = actor
        req.decided_at = clock.now()
        req.decision_reason = reason
        task: AccessTask | None = None
        if approve:
            channel = Channel.objects.create(
                organisation_id=req.organisation_id,
                unit=unit,
                platform=req.platform,
                name=req.name,
                purpose=req.purpose,
                target_per_week=req.target_per_week,
                status=ChannelStatus.OPENING,
            )
            channel.audiences.set(req.audiences.all())
            channel.responsibles.set(req.proposed_responsibles.all())
            req.channel = channel
            record(
                actor,
                "channel.created",
                channel,
                data={"request": req.pk, "status": channel.status, "unit": unit.name},
            )
            task = AccessTask.objects.create(
                organisation_id=req.organisation_id,
                channel=channel,
                kind=AccessTask.Kind.GRANT,
                opened_at=clock.now(),
            )
            record(actor, "access_task.opened", task, data={"kind": task.kind})
        req.save()
        verb = "channel_request.approved" if approve else "channel_request.rejected"
        record(actor, verb, req, reason=reason, data={"channel": req.channel_id})

        if task is not None:
            _notify_it_of_new_channel(unit, req, task)
        requester = User.objects.get(pk=req.requested_by_id)
        if requester.is_active:
            name = req.name

            def text() -> str:
                if approve:
                    return _(
                        "Your request “%(name)s” was approved. "
                        "IT will now take access to the channel."
                    ) % {"name": name}
                return _("Your request “%(name)s” was rejected.") % {"name": name}

            notify(requester, text, url_for(requester, "registry:request_detail", req.pk))
    return req


def _notify_it_of_new_channel(unit: Unit, req: ChannelRequest, task: AccessTask) -> None:
    for person in users_with_role_over(unit, [Role.IT]):
        notify(
            person,
            lambda: (
                _(
                    "A new channel “%(name)s” (%(platform)s) was approved for %(unit)s. "
                    "Take access to it and record who holds access."
                )
                % {"name": req.name, "platform": req.get_platform_display(), "unit": unit.name}
            ),
            url_for(person, "registry:access_task", task.pk),
            lambda: _("New channel to take access to: %(name)s") % {"name": req.name},
        )
