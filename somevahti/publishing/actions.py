"""What people do with deliveries: retry a failure, settle an unconfirmed one, record a
hand-made post. The engine does the rest (``publishing.engine``)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content import rules
from somevahti.content.models import Post
from somevahti.content.states import can_move
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import User
from somevahti.publishing import engine
from somevahti.publishing.models import Delivery
from somevahti.publishing.tasks import wake_at

S = Post.State
D = Delivery.State


def _require(actor: User, delivery: Delivery) -> None:
    if delivery.organisation_id != actor.organisation_id:
        raise PermissionDenied
    if not rules.can_schedule_on(actor, delivery.channel):
        raise PermissionDenied


def _reopen(post_id: int) -> None:
    """The post goes back to publishing for the deliveries queued again."""
    post = Post.objects.select_for_update().get(pk=post_id)
    if post.state != S.PUBLISHING:
        if not can_move(post.state, S.PUBLISHING, by_engine=True):
            raise Conflict(_("This post cannot be sent again in its current state."))
        post.state = S.PUBLISHING
        post.version += 1
        post.updated_at = clock.now()
        post.save(update_fields=["state", "version", "updated_at"])


def retry(actor: User, delivery: Delivery) -> Delivery:
    """Send a failed delivery again with a new key (the platform refused the old one, so
    nothing was published under it)."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().select_related("channel__unit").get(pk=delivery.pk)
        _require(actor, d)
        if d.state != D.FAILED:
            raise Conflict(_("Only a failed delivery can be tried again."))
        now = clock.now()
        old_key = d.idempotency_key
        Delivery.objects.filter(pk=d.pk).update(
            state=D.QUEUED,
            idempotency_key=uuid.uuid4().hex,
            next_attempt_at=now,
            attempts=0,
            error_kind="",
            error_detail="",
            finished_at=None,
        )
        _reopen(d.post_id)
        record(
            actor, "delivery.retried", d.post, data={"channel": d.channel_id, "old_key": old_key}
        )
        transaction.on_commit(lambda: wake_at(now))
    d.refresh_from_db()
    return d


def check_again(actor: User, delivery: Delivery) -> Delivery:
    """Look an unconfirmed delivery up on the platform once more."""
    _require(actor, delivery)
    if delivery.state != D.UNCONFIRMED:
        raise Conflict(_("Only an unconfirmed delivery is checked again."))
    engine.reconcile(delivery.pk, expect_state=D.UNCONFIRMED)
    delivery.refresh_from_db()
    record(actor, "delivery.checked", delivery.post, data={"state": delivery.state})
    return delivery


def resend_unconfirmed(actor: User, delivery: Delivery) -> Delivery:
    """A person checked the platform and the post is not there: send it again with the same
    key, so a platform that did get it after all still makes only one post."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().select_related("channel__unit").get(pk=delivery.pk)
        _require(actor, d)
        if d.state != D.UNCONFIRMED:
            raise Conflict(_("Only an unconfirmed delivery can be sent again this way."))
        now = clock.now()
        Delivery.objects.filter(pk=d.pk).update(
            state=D.QUEUED, next_attempt_at=now, finished_at=None, claimed_by=""
        )
        _reopen(d.post_id)
        record(actor, "delivery.resent", d.post, data={"channel": d.channel_id})
        transaction.on_commit(lambda: wake_at(now))
    d.refresh_from_db()
    return d


def confirm_by_hand(actor: User, delivery: Delivery, url: str) -> Delivery:
    """The post is on the platform (found by a person, or published there by hand)."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise ValidationError({"url": [_("Give the address of the published post.")]}) from None
    with transaction.atomic():
        d = Delivery.objects.select_for_update().select_related("channel__unit").get(pk=delivery.pk)
        _require(actor, d)
        if d.state not in (D.UNCONFIRMED, D.MANUAL, D.FAILED):
            raise Conflict(_("This delivery already has its outcome."))
        _reopen(d.post_id)
        Delivery.objects.filter(pk=d.pk).update(
            state=D.PUBLISHED, url=url, finished_at=clock.now(), error_kind="", error_detail=""
        )
        record(
            actor, "delivery.confirmed_by_hand", d.post, data={"channel": d.channel_id, "url": url}
        )
    engine.settle(d.post_id)
    d.refresh_from_db()
    return d


def give_up(actor: User, delivery: Delivery) -> Delivery:
    """Mark an unconfirmed delivery failed: a person checked and it is not there."""
    with transaction.atomic():
        d = Delivery.objects.select_for_update().select_related("channel__unit").get(pk=delivery.pk)
        _require(actor, d)
        if d.state not in (D.UNCONFIRMED, D.MANUAL):
            raise Conflict(_("This delivery already has its outcome."))
        _reopen(d.post_id)
        Delivery.objects.filter(pk=d.pk).update(
            state=D.FAILED, finished_at=clock.now(), error_kind="unknown"
        )
        record(actor, "delivery.given_up", d.post, data={"channel": d.channel_id})
    engine.settle(d.post_id)
    d.refresh_from_db()
    return d
