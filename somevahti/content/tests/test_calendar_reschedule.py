"""The keyboard way to move a post: a form that calls content.actions.schedule."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content.models import Post
from somevahti.content.tests.builders import fresh
from somevahti.content.tests.test_calendar import BEFORE, scheduled, web, week_url
from somevahti.core import clock
from somevahti.core.roles import Role

S = Post.State
UTC = dt.UTC


def reschedule_url(post: Post, nxt: str = "") -> str:
    url = reverse("content:calendar_reschedule", args=[post.pk])
    return f"{url}?next={nxt}" if nxt else url


def test_reschedule_form_moves_the_post(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    owner = town.users[Role.CHANNEL_OWNER]
    client = web(owner)
    with clock.frozen(BEFORE):
        page = client.get(week_url("2026-03-04"))
        assert reschedule_url(post) in page.content.decode()
        form = client.get(reschedule_url(post))
        assert form.status_code == 200
        assert 'value="2026-03-04T10:00"' in form.content.decode()
        assert '<label for="schedule-scheduled_at">' in form.content.decode()
        response = client.post(
            reschedule_url(post),
            {
                "scheduled_at": "2026-03-06T14:15",
                "version": post.version,
                "next": "/fi/content/calendar/?date=2026-03-06",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/fi/content/calendar/?date=2026-03-06"
    moved = fresh(post)
    assert moved.scheduled_at == dt.datetime(2026, 3, 6, 12, 15, tzinfo=UTC)
    assert moved.state == S.SCHEDULED
    event = (
        AuditEvent.objects.filter(verb="post.scheduled", target_id=str(post.pk))
        .order_by("id")
        .last()
    )
    assert event is not None and event.actor == owner


def test_reschedule_into_the_past_is_refused_with_a_message(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    client = web(town.users[Role.CHANNEL_OWNER])
    with clock.frozen(dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)):
        response = client.post(
            reschedule_url(post), {"scheduled_at": "2026-03-01T10:00", "version": post.version}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'href="#schedule-scheduled_at"' in html
    assert response.context["form"].errors["scheduled_at"]
    assert fresh(post).scheduled_at == dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def test_reschedule_to_a_time_the_spring_change_skips_is_refused(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    client = web(town.users[Role.CHANNEL_OWNER])
    with clock.frozen(BEFORE):
        response = client.post(
            reschedule_url(post), {"scheduled_at": "2026-03-29T03:30", "version": post.version}
        )
    assert response.status_code == 400
    assert fresh(post).version == post.version


def test_reschedule_across_the_spring_change_keeps_the_wall_clock(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 27, 8, 0, tzinfo=UTC))  # Fri 10:00 EET
    with clock.frozen(BEFORE):
        web(town.users[Role.CHANNEL_OWNER]).post(
            reschedule_url(post), {"scheduled_at": "2026-03-30T10:00", "version": post.version}
        )
    assert fresh(post).scheduled_at == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # EEST


def test_reschedule_with_a_stale_version_is_409(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    with clock.frozen(BEFORE):
        response = web(town.users[Role.CHANNEL_OWNER]).post(
            reschedule_url(post), {"scheduled_at": "2026-03-05T10:00", "version": post.version - 1}
        )
    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()
    assert fresh(post).scheduled_at == dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def test_reschedule_needs_scheduling_rights(town: Town, other_town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    producer = web(town.users[Role.CONTENT_PRODUCER])
    assert producer.get(reschedule_url(post)).status_code == 403
    with clock.frozen(BEFORE):
        response = producer.post(
            reschedule_url(post), {"scheduled_at": "2026-03-05T10:00", "version": post.version}
        )
    assert response.status_code == 403
    stranger = web(other_town.users[Role.ORG_ADMIN])
    assert stranger.get(reschedule_url(post)).status_code == 404
    assert fresh(post).scheduled_at == dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    # The producer's calendar offers no move link.
    html = producer.get(week_url("2026-03-04")).content.decode()
    assert reschedule_url(post) not in html


def test_reschedule_ignores_an_offsite_next(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    with clock.frozen(BEFORE):
        response = web(town.users[Role.CHANNEL_OWNER]).post(
            reschedule_url(post),
            {
                "scheduled_at": "2026-03-05T10:00",
                "version": post.version,
                "next": "https://evil.test/",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == week_url("2026-03-05")


def test_a_script_next_is_never_put_in_a_link(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC))
    response = web(town.users[Role.CHANNEL_OWNER]).get(reschedule_url(post, "javascript:alert(1)"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="javascript:' not in html
    assert '<input type="hidden" name="next" value="">' in html
