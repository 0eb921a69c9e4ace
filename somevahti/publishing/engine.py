"""The publishing engine: open due posts, claim deliveries, send, record, reconcile.

The database is the truth; the task engine only wakes workers (``publishing.tasks``).
Every step is a short transaction with a conditional update, so two workers never send
the same delivery, a worker that dies leaves a lease that runs out, and the sweep finds
the delivery again:

- ``claimed`` and the lease ran out: it was never sent, so it goes back to the queue;
- ``sending`` and the lease ran out: the platform may have it. It is looked up by its
  idempotency key; found means published, otherwise it is ``unconfirmed`` and shown to the
  channel owner. It is never resent automatically.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

from somevahti.audit.actions import record
from somevahti.connectors import registry
from somevahti.connectors.base import Connector
from somevahti.connectors.base import Delivery as Sent
from somevahti.connectors.errors import (
    AuthExpired,
    ConnectorError,
    LookupUnsupported,
    Rejected,
    Transient,
    UnknownOutcome,
)
from somevahti.content.models import CrisisMode, Post
from somevahti.content.rules import POSTABLE_STATUSES
from somevahti.content.states import can_move
from somevahti.core import clock
from somevahti.publishing import connections, notices
from somevahti.publishing.models import Connection, Delivery, DeliveryAttempt
from somevahti.publishing.outgoing import account_for, outgoing_for, request_summary

log = logging.getLogger(__name__)
S = Post.State
D = Delivery.State
R = DeliveryAttempt.Result

# A claimed delivery not yet sent returns to the queue after this.
CLAIM_LEASE = dt.timedelta(seconds=60)
# Longer than any connector's own timeouts: after it, the worker is taken to be gone.
SEND_LEASE = dt.timedelta(seconds=getattr(settings, "PUBLISH_SEND_LEASE_SECONDS", 180))
MAX_ATTEMPTS = 6
BACKOFF_BASE = 15.0  # seconds; doubles per attempt, capped
BACKOFF_CAP = 900.0
PENDING = frozenset({D.QUEUED, D.CLAIMED, D.SENDING, D.RETRYING, D.MANUAL})


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def _skip_locked() -> bool:
    return bool(connection.features.has_select_for_update_skip_locked)


def _crisis_q(prefix: str) -> Q:
    """Rows whose unit is under an active crisis (checked inside every claim)."""
    q = Q(pk__in=[])
    for org, path in CrisisMode.objects.filter(ended_at__isnull=True).values_list(
        "organisation_id", "unit__path"
    ):
        q |= Q(**{f"{prefix}organisation_id": org, f"{prefix}unit__path__startswith": path})
    return q


def _pick(qs: QuerySet[Any], limit: int) -> list[int]:
    """Ids of up to ``limit`` rows, skipping rows another worker holds (PostgreSQL)."""
    if _skip_locked():
        qs = qs.select_for_update(skip_locked=True)
    return list(qs.values_list("pk", flat=True)[:limit])


# --- opening due posts -------------------------------------------------------------


def open_due_posts(limit: int = 200) -> int:
    """Move due ``scheduled`` posts to ``publishing`` with one delivery per channel."""
    now = clock.now()
    due = (
        Post.objects.filter(state=S.SCHEDULED, scheduled_at__lte=now)
        .exclude(_crisis_q(""))
        .order_by("scheduled_at", "pk")
    )
    assert can_move(S.SCHEDULED, S.PUBLISHING, by_engine=True)
    opened = 0
    with transaction.atomic():
        ids = _pick(due, limit)
        posts = Post.objects.filter(pk__in=ids).prefetch_related("variants__channel")
        for post in posts:
            # Conditional: a post unscheduled or edited a moment ago is left alone.
            if not Post.objects.filter(pk=post.pk, state=S.SCHEDULED, version=post.version).update(
                state=S.PUBLISHING, version=F("version") + 1, updated_at=now
            ):
                continue
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        organisation_id=post.organisation_id,
                        post=post,
                        variant=v,
                        channel=v.channel,
                        state=D.QUEUED if registry.has_api(v.channel.platform) else D.MANUAL,
                        idempotency_key=uuid.uuid4().hex,
                        due_at=post.scheduled_at or now,
                        next_attempt_at=now,
                        approved_by_id=post.approved_by_id,
                        created_at=now,
                    )
                    for v in post.variants.all()
                ]
            )
            record(None, "post.publishing_started", post, data={"state": S.PUBLISHING})
            opened += 1
    return opened


# --- claiming ------------------------------------------------------------------------


def claim(limit: int = 10) -> tuple[str, list[int]]:
    """Claim due deliveries for this worker; returns the claim token and the ids.

    Channels whose connection is missing, expired or revoked are held (not failed), and
    nothing is claimed for a unit under crisis."""
    now = clock.now()
    token = f"{worker_name()}:{uuid.uuid4().hex[:8]}"
    ready = (
        Delivery.objects.filter(state__in=(D.QUEUED, D.RETRYING), next_attempt_at__lte=now)
        .filter(channel__connection__status=Connection.Status.OK)
        .exclude(_crisis_q("post__"))
        .order_by("next_attempt_at", "pk")
    )
    with transaction.atomic():
        ids = _pick(ready, limit)
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids, state__in=(D.QUEUED, D.RETRYING)).update(
            state=D.CLAIMED, claimed_by=token, lease_until=now + CLAIM_LEASE
        )
        claimed = list(
            Delivery.objects.filter(pk__in=ids, state=D.CLAIMED, claimed_by=token).values_list(
                "pk", flat=True
            )
        )
    return token, claimed


# --- sending -----------------------------------------------------------------------


@dataclass
class Outcome:
    result: str
    state: str
    response: dict[str, Any] = field(default_factory=dict)
    sent: Sent | None = None
    error: ConnectorError | None = None
    retry_at: dt.datetime | None = None


def backoff(attempt: int, retry_after: float | None) -> float:
    wait = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    wait *= random.uniform(0.8, 1.2)
    return max(wait, retry_after or 0.0)


def _call(connector: Connector, delivery: Delivery) -> Outcome:
    post = outgoing_for(delivery)
    try:
        account = connections.fresh_account(delivery.channel.connection, connector)
        sent = connector.publish(account, post, delivery.idempotency_key)
    except Transient as e:
        if delivery.attempts >= MAX_ATTEMPTS:
            return Outcome(R.RETRY, D.FAILED, e.summary(), error=e)
        retry_at = clock.now() + dt.timedelta(seconds=backoff(delivery.attempts, e.retry_after))
        return Outcome(R.RETRY, D.RETRYING, e.summary(), error=e, retry_at=retry_at)
    except AuthExpired as e:
        # Held, not failed: the channel's queue waits for a new connection.
        return Outcome(R.AUTH, D.QUEUED, e.summary(), error=e)
    except Rejected as e:
        return Outcome(R.REJECTED, D.FAILED, e.summary(), error=e)
    except UnknownOutcome as e:
        return Outcome(R.UNKNOWN, D.UNCONFIRMED, e.summary(), error=e)
    except Exception as e:  # a connector bug must not lose the post: treat as unknown
        log.exception("connector %s raised", connector.platform)
        err = UnknownOutcome(f"{type(e).__name__}: {e}")
        return Outcome(R.UNKNOWN, D.UNCONFIRMED, err.summary(), error=err)
    return Outcome(R.PUBLISHED, D.PUBLISHED, sent.response, sent=sent)


def send(delivery_id: int, token: str) -> str | None:
    """Send one claimed delivery; returns its new state, or None if it was not ours."""
    now = clock.now()
    if not Delivery.objects.filter(pk=delivery_id, state=D.CLAIMED, claimed_by=token).update(
        state=D.SENDING, attempts=F("attempts") + 1, lease_until=now + SEND_LEASE
    ):
        return None
    delivery = Delivery.objects.select_related(
        "post", "variant", "channel__connection", "channel__unit"
    ).get(pk=delivery_id)
    conn = getattr(delivery.channel, "connection", None)
    if conn is None or not conn.usable:
        # The connection died after the claim (another delivery hit the expired token):
        # hand it back untouched so the channel's queue waits, as if never claimed.
        Delivery.objects.filter(pk=delivery_id, state=D.SENDING, claimed_by=token).update(
            state=D.QUEUED, claimed_by="", lease_until=None, attempts=F("attempts") - 1
        )
        return D.QUEUED
    if delivery.channel.status not in POSTABLE_STATUSES:
        err = Rejected(delivery.channel.get_status_display(), kind="channel_closed")
        outcome = Outcome(R.REJECTED, D.FAILED, err.summary(), error=err)
        attempt = _attempt(delivery, token, now, {"skipped": "channel not open"})
    else:
        connector = registry.get(delivery.channel.platform)
        attempt = _attempt(delivery, token, now, request_summary(delivery, connector))
        outcome = _call(connector, delivery)
    return _finish(delivery, attempt, outcome, token)


def _attempt(
    delivery: Delivery,
    worker: str,
    now: dt.datetime,
    request: dict[str, Any],
    action: str = "publish",
) -> DeliveryAttempt:
    # Committed before the platform is called: a worker killed mid-call leaves a trace.
    return DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        action=action,
        worker=worker.rsplit(":", 1)[0],
        started_at=now,
        request=request,
    )


def _finish(delivery: Delivery, attempt: DeliveryAttempt, outcome: Outcome, token: str) -> str:
    now = clock.now()
    with transaction.atomic():
        changes: dict[str, Any] = {"state": outcome.state, "lease_until": None}
        if outcome.sent is not None:
            changes |= {"platform_id": outcome.sent.platform_id, "url": outcome.sent.url}
        if outcome.error is not None:
            changes |= {
                "error_kind": outcome.error.kind,
                "error_detail": str(outcome.error.detail)[:2000],
            }
        else:
            changes |= {"error_kind": "", "error_detail": ""}
        if outcome.state == D.RETRYING:
            changes["next_attempt_at"] = outcome.retry_at
        if outcome.state == D.QUEUED:
            changes["claimed_by"] = ""
        if outcome.state in (D.PUBLISHED, D.FAILED, D.UNCONFIRMED):
            changes["finished_at"] = now
        # A definite answer from the platform wins even if the sweep gave up on us meanwhile.
        updated = Delivery.objects.filter(
            Q(state=D.SENDING, claimed_by=token) | Q(state=D.UNCONFIRMED), pk=delivery.pk
        ).update(**changes)
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            finished_at=now, response=outcome.response, result=outcome.result
        )
        if not updated:
            return Delivery.objects.get(pk=delivery.pk).state
        for k, v in changes.items():
            setattr(delivery, k, v)
        if outcome.result == R.AUTH:
            assert isinstance(outcome.error, AuthExpired)
            connections.lost(delivery.channel.connection, outcome.error)
        if outcome.sent is not None and outcome.sent.response.get("warnings"):
            notices.delivery_warning(delivery, list(outcome.sent.response["warnings"]))
        if outcome.state == D.FAILED:
            notices.delivery_failed(delivery)
        elif outcome.state == D.UNCONFIRMED:
            notices.delivery_unconfirmed(delivery)
        settle(delivery.post_id)
    return outcome.state


# --- the post follows its deliveries -------------------------------------------------


def settle(post_id: int) -> str:
    """Move the post once every delivery has an outcome: all published → published; any
    unconfirmed → unconfirmed; otherwise failed. Returns the post's state."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post_id)
        states = list(Delivery.objects.filter(post_id=post_id).values_list("state", "url"))
        if post.state != S.PUBLISHING or not states or any(s in PENDING for s, _ in states):
            return post.state
        done = [s for s, _ in states if s != D.CANCELLED]
        if done and all(s == D.PUBLISHED for s in done):
            target = S.PUBLISHED
        elif D.UNCONFIRMED in done:
            target = S.UNCONFIRMED
        else:
            target = S.FAILED
        assert can_move(post.state, target, by_engine=True)
        post.state = target
        if target == S.PUBLISHED:
            post.published_url = next((u for s, u in states if s == D.PUBLISHED and u), "")
        post.version += 1
        post.updated_at = clock.now()
        post.save(update_fields=["state", "published_url", "version", "updated_at"])
        verb = {
            S.PUBLISHED: "post.published",
            S.FAILED: "post.publish_failed",
            S.UNCONFIRMED: "post.publish_unconfirmed",
        }[target]
        record(None, verb, post, data={"state": target, "url": post.published_url})
    return target


# --- recovery: leases that ran out ---------------------------------------------------


def recover() -> dict[str, int]:
    """Deliveries whose worker went away: unsent ones are queued again, sent ones looked up."""
    now = clock.now()
    requeued = Delivery.objects.filter(state=D.CLAIMED, lease_until__lt=now).update(
        state=D.QUEUED, claimed_by="", lease_until=None
    )
    stale = list(
        Delivery.objects.filter(state=D.SENDING, lease_until__lt=now).values_list(
            "pk", "claimed_by"
        )[:100]
    )
    found = unconfirmed = 0
    for pk, old_token in stale:
        state = reconcile(pk, expect_state=D.SENDING, expect_token=old_token)
        found += state == D.PUBLISHED
        unconfirmed += state == D.UNCONFIRMED
    return {"requeued": requeued, "found": found, "unconfirmed": unconfirmed}


def reconcile(delivery_id: int, *, expect_state: str, expect_token: str = "") -> str | None:
    """Look the delivery up on the platform by its key: found → published, else unconfirmed."""
    now = clock.now()
    token = f"{worker_name()}:reconcile:{uuid.uuid4().hex[:8]}"
    moved = Delivery.objects.filter(pk=delivery_id, state=expect_state)
    if expect_token:
        moved = moved.filter(claimed_by=expect_token)
    # Take it over (a fresh lease) so two sweeps don't look it up at once.
    if not moved.update(state=D.SENDING, claimed_by=token, lease_until=now + SEND_LEASE):
        return None
    delivery = Delivery.objects.select_related(
        "post", "variant", "channel__connection", "channel__unit"
    ).get(pk=delivery_id)
    attempt = _attempt(delivery, token, now, {"lookup": delivery.idempotency_key}, "lookup")
    connector = registry.get(delivery.channel.platform)
    try:
        sent = connector.lookup(
            account_for(delivery.channel.connection),
            outgoing_for(delivery),
            delivery.idempotency_key,
        )
    except LookupUnsupported as e:
        outcome = Outcome(R.ABANDONED, D.UNCONFIRMED, e.summary(), error=UnknownOutcome(str(e)))
    except ConnectorError as e:
        outcome = Outcome(R.UNKNOWN, D.UNCONFIRMED, e.summary(), error=UnknownOutcome(str(e)))
    except Exception as e:
        log.exception("lookup on %s raised", connector.platform)
        outcome = Outcome(R.UNKNOWN, D.UNCONFIRMED, {"error": type(e).__name__})
    else:
        if sent is None:
            err = UnknownOutcome("Not found on the platform by its key.")
            outcome = Outcome(R.NOT_FOUND, D.UNCONFIRMED, {"found": False}, error=err)
        else:
            outcome = Outcome(R.FOUND, D.PUBLISHED, sent.response, sent=sent)
    return _finish(delivery, attempt, outcome, token)


# --- the worker loop -----------------------------------------------------------------


@dataclass
class RunStats:
    opened: int = 0
    sent: int = 0
    results: dict[str, int] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)


def run(max_seconds: float = 50.0, batch: int = 5) -> RunStats:
    """Open, recover and send until nothing is due (or time is up). Safe to run in many
    workers at once: every step is a conditional update."""
    stats = RunStats(recovered=recover())
    started = clock.now()
    deadline = started + dt.timedelta(seconds=max_seconds)
    while clock.now() < deadline:
        stats.opened += open_due_posts()
        token, claimed = claim(batch)
        if not claimed:
            break
        for pk in claimed:
            state = send(pk, token)
            if state is not None:
                stats.sent += 1
                stats.results[state] = stats.results.get(state, 0) + 1
    return stats
