"""Replying: the checker on the text, crisis approval, and sending exactly once.

A reply is an outgoing ``InboxItem``. Its ``delivery_state`` moves
``awaiting_approval`` (crisis mode: the crisis owner approves) → ``queued`` → ``sending`` →
``sent`` | ``failed`` | ``unconfirmed`` (or ``cancelled``). The idempotency key is stored
with the item before the platform is called; the claim is a conditional update, so the same
task run twice calls the platform once (``inbox.sending``). ``unconfirmed`` (the request
may have gone through) is never resent: a person checks the platform and settles it here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.checks import Finding
from somevahti.checks.adapter import LANGS, check_for
from somevahti.content import rules
from somevahti.content.checking import LENGTH_RULE, text_hash
from somevahti.content.crisis import can_switch, crisis_for
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import User
from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm
from somevahti.inbox import queries as q
from somevahti.inbox.models import Conversation, InboxItem
from somevahti.inbox.sending import (
    ask_approval,
    connector_for,
    mark_answered,
    send_reply,
    sweep,
    tell_sender,
)
from somevahti.publishing.models import Connection

OUT = InboxItem.Direction.OUT


# --- who may, and can it be sent at all ------------------------------------------------


def can_handle(user: User, conversation: Conversation) -> bool:
    """Reply and change the state: the unit's channel owners, communications and director,
    and the person it is assigned to (who may be a content producer)."""
    unit = conversation.unit
    if has_perm(user, Perm.EDIT_CHANNEL, unit):
        return True
    return conversation.assignee_id == user.pk and has_perm(user, Perm.VIEW_REGISTRY, unit)


def unsendable(conversation: Conversation) -> str:
    """Why a reply cannot go out from Somevahti, in the reader's language; "" if it can."""
    channel = conversation.channel
    if channel is None:
        return _(
            "This message did not come through a channel Somevahti sends to. "
            "Answer it where it came from."
        )
    if channel.status not in rules.POSTABLE_STATUSES:
        return _("“%(channel)s” is %(status)s; nothing is sent there.") % {
            "channel": channel.name,
            "status": channel.get_status_display().lower(),
        }
    if connector_for(channel.platform) is None:
        return _(
            "Somevahti cannot send replies to %(platform)s. Answer on the platform itself; "
            "your text is kept here."
        ) % {"platform": channel.get_platform_display()}
    conn = Connection.objects.filter(channel=channel).first()
    if conn is None or not conn.usable:
        return _(
            "“%(channel)s” is not connected to Somevahti, so the reply cannot be sent. "
            "Connect the channel or answer on the platform; your text is kept here."
        ) % {"channel": channel.name}
    return ""


# --- the checker -------------------------------------------------------------------------


@dataclass
class CheckRow:
    finding: Finding
    hash: str
    can_override: bool


class ReplyBlocked(ValidationError):
    """Block findings stand: the composer shows them (with override forms where allowed)."""

    def __init__(self, message: str, rows: list[CheckRow]) -> None:
        super().__init__({"text": [message]})
        self.rows = rows


def check_reply(user: User, conversation: Conversation, text: str) -> list[CheckRow]:
    """The posts' checker on the reply; hashes keyed like posts' overrides (the conversation
    in place of the post), so only a hash of a finding is ever stored."""
    channel = conversation.channel
    lang = conversation.language if conversation.language in LANGS else None
    result = check_for(user, text, channel.platform if channel else None, lang=lang)
    rows = []
    for f in result.findings:
        allowed = (
            f.severity == "block"
            and f.rule != LENGTH_RULE
            and channel is not None
            and rules.can_override(user, channel, f.rule, conversation.unit)
        )
        rows.append(
            CheckRow(
                f, text_hash(conversation.pk, channel.pk if channel else 0, f.rule, f.text), allowed
            )
        )
    return rows


# --- composing ---------------------------------------------------------------------------


def _enqueue(item_id: int) -> None:
    from somevahti.inbox.tasks import send_reply_task

    send_reply_task(item_id)


def prepare_reply(
    actor: User,
    conversation: Conversation,
    text: str,
    *,
    override_reason: str = "",
    override_hashes: frozenset[str] = frozenset(),
) -> InboxItem:
    """Check, record and queue a reply (or hold it for the crisis owner). Raises
    ValidationError (the composer keeps the text) or ReplyBlocked."""
    text = (text or "").strip()
    override_reason = (override_reason or "").strip()
    if not can_handle(actor, conversation):
        raise PermissionDenied
    if not text:
        raise ValidationError({"text": [_("Write the reply.")]})
    why = unsendable(conversation)
    if why:
        raise ValidationError({"text": [why]})
    rows = check_reply(actor, conversation, text)
    if any(r.finding.rule == LENGTH_RULE for r in rows):
        raise ValidationError({"text": [_("The reply is too long for this platform.")]})
    blocks = [r for r in rows if r.finding.severity == "block"]
    overridden = [
        r for r in blocks if override_reason and r.can_override and r.hash in override_hashes
    ]
    if len(overridden) < len(blocks):
        raise ReplyBlocked(
            _(
                "The checker found something that must not be sent. Fix the text, or have it "
                "overridden with a written reason by someone allowed to."
            ),
            rows,
        )
    with transaction.atomic():
        conv = (
            Conversation.objects.select_for_update().select_related("unit").get(pk=conversation.pk)
        )
        crisis = crisis_for(conv.unit)
        held = crisis is not None and not can_switch(actor, crisis.unit)
        answered = q.last_incoming(conv)
        now = clock.now()
        key = uuid.uuid4().hex
        item = InboxItem.objects.create(
            organisation_id=conv.organisation_id,
            conversation=conv,
            channel_id=conv.channel_id,
            direction=OUT,
            external_id=f"reply:{key}",  # the platform's id replaces it once sent
            source=answered.source if answered else conv.channel.platform,  # type: ignore[union-attr]
            parent_external_id=answered.external_id if answered else "",
            author_handle=conv.channel.handle if conv.channel else "",
            text=text,
            language=conv.language,
            sent_at=now,
            received_at=now,
            sent_by=actor,
            delivery_state=q.AWAITING if held else q.QUEUED,
            idempotency_key=key,  # stored before the platform is ever called
        )
        for row in overridden:
            record(
                actor,
                "inbox.reply_check_overridden",
                conv,
                reason=override_reason,
                data={"item": item.pk, "rule": row.finding.rule, "hash": row.hash},
            )
        if crisis is not None and not held:
            record(
                actor,
                "inbox.reply_crisis_approved",
                conv,
                data={"item": item.pk, "crisis": crisis.pk},
            )
        record(
            actor,
            "inbox.reply_awaiting_approval" if held else "inbox.reply_queued",
            conv,
            data={"item": item.pk},
        )
        if held:
            ask_approval(conv, actor)
        else:
            transaction.on_commit(lambda: _enqueue(item.pk))
    return item


def _locked_out(item: InboxItem) -> InboxItem:
    return (
        InboxItem.objects.select_for_update(of=("self",))
        .select_related("conversation__unit", "sent_by")
        .get(pk=item.pk, direction=OUT)
    )


def approve_reply(actor: User, item: InboxItem) -> InboxItem:
    """The crisis owner (or a delegate) lets a held reply go out; the approval is recorded."""
    with transaction.atomic():
        item = _locked_out(item)
        conv = item.conversation
        if item.delivery_state != q.AWAITING:
            raise Conflict(_("This reply is no longer waiting for approval."))
        crisis = crisis_for(conv.unit)
        allowed = can_switch(actor, crisis.unit) if crisis else can_handle(actor, conv)
        if not allowed:
            raise PermissionDenied
        item.delivery_state = q.QUEUED
        item.save(update_fields=["delivery_state"])
        data = {"item": item.pk, "crisis": crisis.pk if crisis else None}
        record(actor, "inbox.reply_crisis_approved", conv, data=data)
        if item.sent_by is not None and item.sent_by_id != actor.pk:
            tell_sender(item, lambda: _("Your reply was approved and is being sent."))
        transaction.on_commit(lambda: _enqueue(item.pk))
    return item


def cancel_reply(actor: User, item: InboxItem, reason: str = "") -> InboxItem:
    """Withdraw a held reply (its writer), or decline it (the crisis owner, with a reason)."""
    with transaction.atomic():
        item = _locked_out(item)
        conv = item.conversation
        if item.delivery_state != q.AWAITING:
            raise Conflict(_("This reply is no longer waiting for approval."))
        crisis = crisis_for(conv.unit)
        owner = crisis is not None and can_switch(actor, crisis.unit)
        if not (owner or item.sent_by_id == actor.pk or can_handle(actor, conv)):
            raise PermissionDenied
        item.delivery_state = q.CANCELLED
        item.save(update_fields=["delivery_state"])
        record(actor, "inbox.reply_cancelled", conv, reason=reason.strip(), data={"item": item.pk})
        if item.sent_by is not None and item.sent_by_id != actor.pk:
            tell_sender(item, lambda: _("Your reply was not approved; it was not sent."))
    return item


def settle_reply(actor: User, item: InboxItem, sent: bool, url: str = "") -> InboxItem:
    """After an unknown outcome a person looked at the platform: it is there, or it is not
    (then the text goes back to the composer)."""
    with transaction.atomic():
        item = _locked_out(item)
        if not can_handle(actor, item.conversation):
            raise PermissionDenied
        if item.delivery_state != q.UNCONFIRMED:
            raise Conflict(_("Only an unconfirmed reply can be settled."))
        item.delivery_state = q.SENT if sent else q.FAILED
        item.url = url.strip()[:500] if sent else item.url
        item.save(update_fields=["delivery_state", "url"])
        record(
            actor, "inbox.reply_settled", item.conversation, data={"item": item.pk, "sent": sent}
        )
        if sent and not item.automatic:
            mark_answered(item.conversation_id, clock.now())
    return item


def failed_draft(items: list[InboxItem]) -> InboxItem | None:
    """The newest reply if it failed: its text goes back into the composer."""
    out = [i for i in items if i.direction == OUT and not i.automatic]
    return out[-1] if out and out[-1].delivery_state == q.FAILED else None


__all__ = ["send_reply", "sweep"]  # the task and the auto-reply call them from here
