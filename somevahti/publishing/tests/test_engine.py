"""The engine against the recording double: exactly once, nothing silently lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.connectors.fake import RecordingConnector
from somevahti.content import crisis
from somevahti.content.models import Post
from somevahti.content.tests.builders import channel, fresh
from somevahti.core import clock
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.publishing import engine
from somevahti.publishing.models import Connection, Delivery, DeliveryAttempt
from somevahti.publishing.tests.conftest import SCHEDULE_AT, connect, scheduled
from somevahti.registry.models import Channel

S = Post.State
D = Delivery.State
LATER = SCHEDULE_AT + dt.timedelta(seconds=1)


def test_due_post_goes_out_once_with_its_link_and_record(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    ch = connected("bluesky")
    post = scheduled(town, ch)
    with clock.frozen(SCHEDULE_AT - dt.timedelta(seconds=1)):
        assert engine.run().sent == 0  # not due yet
    with clock.frozen(LATER):
        engine.run()
        engine.run()  # a second wake-up finds nothing to do
    post = fresh(post)
    assert post.state == S.PUBLISHED
    d = Delivery.objects.get(post=post)
    assert [c["key"] for c in fake.calls()] == [d.idempotency_key]
    assert post.published_url == d.url and d.url.startswith("https://")
    attempt = DeliveryAttempt.objects.get(delivery=d)
    assert attempt.result == "published" and attempt.worker
    assert attempt.request["idempotency_key"] == d.idempotency_key
    assert d.approved_by == town.users[Role.COMMUNICATIONS]
    verbs = list(AuditEvent.objects.filter(target_id=str(post.pk)).values_list("verb", flat=True))
    assert "post.publishing_started" in verbs and "post.published" in verbs


def test_post_edited_back_to_approved_is_not_opened(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    from somevahti.content import actions

    post = scheduled(town, connected())
    actions.unschedule(town.users[Role.CHANNEL_OWNER], post)
    with clock.frozen(LATER):
        engine.run()
    assert fresh(post).state == S.APPROVED and fake.calls() == []


def test_crisis_stops_the_claim_even_after_the_post_opened(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected())
    with clock.frozen(LATER):
        engine.open_due_posts()
        crisis.start(town.users[Role.CITY_MANAGER], town.root, "Myrsky")
        assert engine.claim()[1] == []
    assert fake.calls() == [] and fresh(post).state == S.PUBLISHING


def test_rate_limit_waits_for_retry_after_then_succeeds(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected(), body="Hetki [[transient]]")
    with clock.frozen(LATER):
        engine.run()
    d = Delivery.objects.get(post=post)
    assert d.state == D.RETRYING and d.next_attempt_at >= LATER + dt.timedelta(seconds=1)
    assert fresh(post).state == S.PUBLISHING
    # The double now answers; the retry goes out with the same key.
    Post.objects.filter(pk=post.pk).update(body="Hetki")
    with clock.frozen(d.next_attempt_at):
        engine.run()
    d.refresh_from_db()
    assert d.state == D.PUBLISHED and d.attempts == 2
    assert [c["key"] for c in fake.calls()] == [d.idempotency_key]


def test_refused_post_fails_with_reason_and_tells_the_owner(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected(), body="Sama taas [[reject]]")
    with clock.frozen(LATER):
        engine.run()
    d = Delivery.objects.get(post=post)
    assert (d.state, d.error_kind) == (D.FAILED, "duplicate")
    assert "Duplicate" in d.error_detail
    assert fresh(post).state == S.FAILED
    owner = town.users[Role.CHANNEL_OWNER]
    assert Notification.objects.filter(user=owner, text__contains=post.title).exists()


def test_expired_token_holds_the_channel_instead_of_failing_post_after_post(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    ch = connected()
    first = scheduled(town, ch, body="Eka [[expired]]")
    second = scheduled(town, ch, body="Toka")
    with clock.frozen(LATER):
        engine.run()
    conn = Connection.objects.get(channel=ch)
    assert conn.status == Connection.Status.EXPIRED and "expired" in conn.status_reason
    assert fake.calls() == []  # the second post was not tried against a dead token
    assert {fresh(first).state, fresh(second).state} == {S.PUBLISHING}
    assert set(Delivery.objects.values_list("state", flat=True)) == {D.QUEUED}
    it = town.users[Role.IT]
    assert Notification.objects.filter(user=it, text__contains=ch.name).count() == 1
    # Reconnecting lets both go out (the first one's text no longer trips the double).
    Post.objects.filter(pk=first.pk).update(body="Eka")
    connect(ch)
    with clock.frozen(LATER + dt.timedelta(minutes=5)):
        engine.run()
    assert {fresh(first).state, fresh(second).state} == {S.PUBLISHED}
    assert len(fake.calls()) == 2


def test_worker_gone_after_claim_is_requeued_and_sent_once(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected())
    with clock.frozen(LATER):
        engine.open_due_posts()
        _token, ids = engine.claim()  # ...and the worker dies here
    assert Delivery.objects.get(pk=ids[0]).state == D.CLAIMED
    with clock.frozen(LATER + engine.CLAIM_LEASE + dt.timedelta(seconds=1)):
        engine.run()
    assert fresh(post).state == S.PUBLISHED and len(fake.calls()) == 1


def _die_while_sending(post: Post, fake: RecordingConnector, reached_platform: bool) -> Delivery:
    """Claim and mark sending as a worker would, optionally let the call reach the
    platform, and never record the answer (the worker was killed)."""
    from somevahti.publishing.outgoing import account_for, outgoing_for

    with clock.frozen(LATER):
        engine.open_due_posts()
        token, ids = engine.claim()
        Delivery.objects.filter(pk=ids[0]).update(
            state=D.SENDING, lease_until=LATER + engine.SEND_LEASE
        )
        d = Delivery.objects.select_related("post", "variant", "channel__connection").get(pk=ids[0])
        if reached_platform:
            fake.publish(account_for(d.channel.connection), outgoing_for(d), d.idempotency_key)
    return d


def test_worker_killed_after_the_platform_got_it_is_found_not_resent(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected())
    d = _die_while_sending(post, fake, reached_platform=True)
    with clock.frozen(LATER + dt.timedelta(seconds=30)):
        engine.run()  # lease still running: nobody touches it
    assert Delivery.objects.get(pk=d.pk).state == D.SENDING
    with clock.frozen(LATER + engine.SEND_LEASE + dt.timedelta(seconds=1)):
        engine.run()
    d.refresh_from_db()
    assert d.state == D.PUBLISHED and d.platform_id
    assert len(fake.calls()) == 1 and fresh(post).state == S.PUBLISHED
    assert d.attempts_log.filter(action="lookup", result="found").exists()


def test_worker_killed_before_the_platform_got_it_is_unconfirmed_not_resent(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    post = scheduled(town, connected())
    d = _die_while_sending(post, fake, reached_platform=False)
    with clock.frozen(LATER + engine.SEND_LEASE + dt.timedelta(seconds=1)):
        engine.run()
        engine.run()
    d.refresh_from_db()
    assert d.state == D.UNCONFIRMED and fake.calls() == []
    assert fresh(post).state == S.UNCONFIRMED
    owner = town.users[Role.CHANNEL_OWNER]
    assert Notification.objects.filter(user=owner, text__contains=post.title).exists()


def test_one_channel_failing_fails_the_post_but_keeps_the_other_published(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    from somevahti.content import actions

    good, bad = connected("bluesky"), connected("mastodon")
    with clock.frozen(SCHEDULE_AT - dt.timedelta(days=1)):
        post = scheduled(town, good, bad)
        variant = post.variants.get(channel=bad)
        variant.body = "Mastodonille [[reject]]"
        variant.save()
    with clock.frozen(LATER):
        engine.run()
    states = dict(Delivery.objects.filter(post=post).values_list("channel_id", "state"))
    assert states == {good.pk: D.PUBLISHED, bad.pk: D.FAILED}
    assert fresh(post).state == S.FAILED
    assert actions  # the retry path is tested with the post page


def test_channel_without_api_waits_for_a_person(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    tiktok = channel(town, "tiktok")
    post = scheduled(town, tiktok)
    with clock.frozen(LATER):
        engine.run()
    assert Delivery.objects.get(post=post).state == D.MANUAL
    assert fresh(post).state == S.PUBLISHING and fake.calls() == []


def test_dst_change_never_publishes_an_hour_early_or_late(
    town: Town, fake: RecordingConnector, connected: Callable[..., Channel]
) -> None:
    from somevahti.content.forms import parse_local

    ch = connected()
    # The day summer time starts (clocks 03:00 → 04:00) and the day it ends (04:00 → 03:00).
    for local, utc_hour in (("2030-03-31T10:00", 7), ("2030-10-27T10:00", 8)):
        at = parse_local(local)
        assert at.astimezone(dt.UTC).hour == utc_hour
        post = scheduled(town, ch, at=at)
        with clock.frozen(at - dt.timedelta(seconds=1)):
            engine.run()
        assert fresh(post).state == S.SCHEDULED
        with clock.frozen(at + dt.timedelta(seconds=1)):
            engine.run()
        assert fresh(post).state == S.PUBLISHED
