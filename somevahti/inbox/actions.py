"""Writes for conversations (state, notes, assignment, class) and the organisation's inbox
settings (saved replies, routing rules, response targets). Each checks permission, writes in
one transaction and leaves an audit entry. Replies live in ``inbox.replies``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from somevahti.audit.actions import record
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import User
from somevahti.core.permissions import has_perm, org_id
from somevahti.core.roles import Perm
from somevahti.inbox import classify
from somevahti.inbox.models import (
    Conversation,
    Correction,
    InboxItem,
    Note,
    ResponseTarget,
    RoutingRule,
    SavedReply,
)
from somevahti.inbox.replies import can_handle

C = Conversation.State
# verb → (label, target state, states it may start from)
VERBS: dict[str, tuple[Any, str, frozenset[str]]] = {
    "wait": (gettext_lazy("Waiting for the sender"), C.WAITING, frozenset({C.NEW, C.ASSIGNED})),
    "answer": (
        gettext_lazy("Answered elsewhere"),
        C.ANSWERED,
        frozenset({C.NEW, C.ASSIGNED, C.WAITING}),
    ),
    "close": (
        gettext_lazy("Close"),
        C.CLOSED,
        frozenset({C.NEW, C.ASSIGNED, C.WAITING, C.ANSWERED}),
    ),
    "reopen": (gettext_lazy("Reopen"), C.NEW, frozenset({C.WAITING, C.ANSWERED, C.CLOSED})),
}


# --- conversations -----------------------------------------------------------------------


def verbs_for(user: User, conversation: Conversation) -> list[tuple[str, Any]]:
    if not can_handle(user, conversation):
        return []
    return [(v, label) for v, (label, _t, start) in VERBS.items() if conversation.state in start]


def change_state(actor: User, conversation: Conversation, verb: str) -> Conversation:
    if verb not in VERBS:
        raise ValidationError({"state": [_("Unknown action.")]})
    with transaction.atomic():
        conv = (
            Conversation.objects.select_for_update().select_related("unit").get(pk=conversation.pk)
        )
        if not can_handle(actor, conv):
            raise PermissionDenied
        _label, target, start = VERBS[verb]
        if conv.state not in start:
            raise Conflict(
                _("The conversation is “%(state)s”; that cannot be done now.")
                % {"state": conv.get_state_display()}
            )
        previous = conv.state
        if target == C.NEW and conv.assignee_id is not None:
            target = C.ASSIGNED
        conv.state = target
        fields = ["state"]
        if target == C.ANSWERED and conv.first_response_at is None:
            conv.first_response_at = clock.now()  # answered by phone or in person still counts
            fields.append("first_response_at")
        conv.save(update_fields=fields)
        record(actor, "inbox.state_changed", conv, data={"from": previous, "to": target})
    conversation.state = conv.state
    conversation.first_response_at = conv.first_response_at
    return conv


def set_state(actor: User, conversation: Conversation, state: str) -> Conversation:
    """The API's PATCH: the verb that leads to ``state`` from here."""
    if state == conversation.state:
        return conversation
    wanted = C.NEW if state == C.ASSIGNED else state
    for verb, (_label, target, start) in VERBS.items():
        if target == wanted and conversation.state in start:
            return change_state(actor, conversation, verb)
    raise Conflict(
        _("A conversation cannot go from “%(old)s” to “%(new)s”.")
        % {"old": conversation.get_state_display(), "new": state}
    )


def add_note(actor: User, conversation: Conversation, text: str) -> Note:
    """An internal note: anyone who sees the conversation may add one."""
    text = (text or "").strip()
    if not has_perm(actor, Perm.VIEW_REGISTRY, conversation.unit):
        raise PermissionDenied
    if not text:
        raise ValidationError({"text": [_("Write the note.")]})
    with transaction.atomic():
        note = Note.objects.create(
            conversation=conversation, author=actor, text=text, created_at=clock.now()
        )
        # The note is kept on its own row; the trail says only that one was written.
        record(actor, "inbox.note_added", conversation, data={"note": note.pk})
    return note


def correct_class(actor: User, item: InboxItem, to_class: str, note: str = "") -> Correction:
    try:
        return classify.correct(actor, item, to_class, (note or "").strip())
    except ValueError as e:
        raise ValidationError({"klass": [str(e)]}) from None


# --- the organisation's settings ---------------------------------------------------------


def can_edit_saved_replies(user: User) -> bool:
    return has_perm(user, Perm.EDIT_GUIDELINES)


def _save(actor: User, obj: Any, verb: str, data: dict[str, Any]) -> Any:
    try:
        with transaction.atomic():
            obj.save()
            record(actor, verb, obj, data=data)
    except IntegrityError:
        raise ValidationError(_("There is already one like this.")) from None
    return obj


def _delete(actor: User, obj: Any, verb: str, data: dict[str, Any]) -> None:
    with transaction.atomic():
        record(actor, verb, obj, data=data)
        obj.delete()


def _own(actor: User, obj: Any) -> None:
    if obj.pk is not None and obj.organisation_id != org_id(actor):
        raise PermissionDenied


def save_saved_reply(actor: User, reply: SavedReply | None, data: dict[str, Any]) -> SavedReply:
    if not can_edit_saved_replies(actor):
        raise PermissionDenied
    reply = reply or SavedReply(organisation_id=org_id(actor), language="fi")
    _own(actor, reply)
    title = (data.get("title", reply.title) or "").strip()
    text = (data.get("text", reply.text) or "").strip()
    if not title or not text:
        raise ValidationError({"text": [_("Give the reply a title and a text.")]})
    reply.title, reply.text = title, text
    reply.language = data.get("language", reply.language)
    reply.updated_at = clock.now()
    return _save(actor, reply, "inbox.saved_reply_saved", {"title": reply.title})  # type: ignore[no-any-return]


def delete_saved_reply(actor: User, reply: SavedReply) -> None:
    if not can_edit_saved_replies(actor):
        raise PermissionDenied
    _own(actor, reply)
    _delete(actor, reply, "inbox.saved_reply_deleted", {"title": reply.title})


def _require_admin(actor: User) -> None:
    if not has_perm(actor, Perm.MANAGE_ORGANISATION):
        raise PermissionDenied


def _clean_targets(targets: list[str], person: User | None) -> list[str]:
    unknown = [t for t in targets if t not in RoutingRule.Target.values]
    if unknown:
        raise ValidationError({"targets": [_("Unknown target: %(t)s") % {"t": ", ".join(unknown)}]})
    if RoutingRule.Target.PERSON in targets and person is None:
        raise ValidationError({"person": [_("Choose the named person.")]})
    return list(dict.fromkeys(targets))  # the order kept, repeats dropped


def save_routing_rule(actor: User, rule: RoutingRule | None, data: dict[str, Any]) -> RoutingRule:
    _require_admin(actor)
    rule = rule or RoutingRule(organisation_id=org_id(actor))
    _own(actor, rule)
    person = data.get("person", rule.person if rule.pk else None)
    if person is not None and person.organisation_id != rule.organisation_id:
        raise ValidationError({"person": [_("Choose a person of your organisation.")]})
    for name in ("klass", "instructions", "suggest_crisis", "enabled"):
        if name in data:
            setattr(rule, name, data[name])
    rule.targets = _clean_targets(list(data.get("targets", rule.targets)), person)
    rule.person, rule.updated_at = person, clock.now()
    return _save(
        actor, rule, "inbox.routing_rule_saved", {"klass": rule.klass, "targets": rule.targets}
    )  # type: ignore[no-any-return]


def delete_routing_rule(actor: User, rule: RoutingRule) -> None:
    _require_admin(actor)
    _own(actor, rule)
    _delete(actor, rule, "inbox.routing_rule_deleted", {"klass": rule.klass})


def save_response_target(
    actor: User, target: ResponseTarget | None, data: dict[str, Any]
) -> ResponseTarget:
    _require_admin(actor)
    target = target or ResponseTarget(organisation_id=org_id(actor))
    _own(actor, target)
    channel = data.get("channel", target.channel if target.pk else None)
    if channel is not None and channel.organisation_id != target.organisation_id:
        raise ValidationError({"channel": [_("Choose a channel of your organisation.")]})
    target.channel = channel
    for name in ("klass", "business_minutes", "warn_before_minutes"):
        if name in data:
            setattr(target, name, data[name])
    if target.business_minutes is None or target.business_minutes < 1:
        raise ValidationError({"business_minutes": [_("Give at least one minute.")]})
    # The database lets NULL channels repeat, so the organisation default is checked here.
    twin = ResponseTarget.objects.filter(
        organisation_id=target.organisation_id, channel=channel, klass=target.klass
    ).exclude(pk=target.pk)
    if twin.exists():
        raise ValidationError(_("There is already a target for this channel and class."))
    data_out = {
        "klass": target.klass,
        "channel": target.channel_id,
        "minutes": target.business_minutes,
    }
    return _save(actor, target, "inbox.response_target_saved", data_out)  # type: ignore[no-any-return]


def delete_response_target(actor: User, target: ResponseTarget) -> None:
    _require_admin(actor)
    _own(actor, target)
    _delete(actor, target, "inbox.response_target_deleted", {"klass": target.klass})
