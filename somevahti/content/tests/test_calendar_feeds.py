"""iCalendar feeds: secret addresses stored hashed, parsed back with icalendar, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import icalendar
import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import actions, feeds
from somevahti.content.models import FeedToken, Post
from somevahti.content.tests.test_calendar import BEFORE, chan, reviewer, scheduled, web
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.roles import Role

S = Post.State
UTC = dt.UTC
AT = dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def feed_url(raw: str) -> str:
    return reverse("content:calendar_feed", args=[raw])


def fetch(raw: str) -> icalendar.Calendar:
    with clock.frozen(BEFORE):
        response = Client().get(feed_url(raw))  # no login: the token is the key
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(post: Post) -> str:
    return f"somevahti-post-{post.pk}@somevahti"


def test_making_an_address_shows_it_once_and_stores_only_a_hash(town: Town) -> None:
    producer = town.users[Role.CONTENT_PRODUCER]
    client = web(producer)
    response = client.post(reverse("content:calendar_feeds"), {"unit": ""})
    assert response.status_code == 201
    html = response.content.decode()
    match = re.search(r'id="new-feed-url" value="([^"]+)"', html)
    assert match
    url = match.group(1)
    raw = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(raw) >= 40
    feed = FeedToken.objects.get()
    assert feed.owner == producer and feed.unit is None and feed.revoked_at is None
    assert feed.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in feed.token_hash
    assert not FeedToken.objects.filter(token_hash=raw).exists()
    assert response["Cache-Control"] == "no-store"
    # Shown once: the list page afterwards does not contain it.
    again = client.get(reverse("content:calendar_feeds")).content.decode()
    assert raw not in again and f'data-feed="{feed.pk}"' in again
    assert AuditEvent.objects.filter(verb="calendar_feed.created", target_id=str(feed.pk)).exists()


def test_unit_feed_lists_scheduled_and_published_posts_in_utc(town: Town) -> None:
    ch = chan(town)
    in_unit = scheduled(town, AT, ch, title="Satutuokio keskiviikkona")
    in_subunit = scheduled(town, AT, chan(town, town.subunit), unit=town.subunit)
    elsewhere = scheduled(town, AT, chan(town, town.other_sector), unit=town.other_sector)
    with clock.frozen(BEFORE):
        approved_only = actions.create_post(
            town.users[Role.CONTENT_PRODUCER],
            town.unit,
            {"title": "Luonnos", "body": "Tervetuloa.", "channels": [ch]},
        )
        manual = scheduled(town, dt.datetime(2026, 3, 5, 10, 0, tzinfo=UTC), ch)
        actions.mark_published_manually(reviewer(town), manual, "https://example.test/p/2")
        # Published by hand without ever being scheduled: placed when it was marked.
        by_hand = actions.approve(
            reviewer(town),
            actions.submit_for_review(
                town.users[Role.CONTENT_PRODUCER],
                actions.create_post(
                    town.users[Role.CONTENT_PRODUCER],
                    town.unit,
                    {"title": "Käsin", "body": "Tervetuloa.", "channels": [ch]},
                ),
            ),
        )
        actions.mark_published_manually(reviewer(town), by_hand, "https://example.test/p/3")
    # The publishing engine moved this one on; it stays in the feed.
    published = scheduled(town, dt.datetime(2026, 3, 6, 10, 0, tzinfo=UTC), ch)
    Post.objects.filter(pk=published.pk).update(state=S.PUBLISHED)
    _, raw = feeds.create_feed(town.users[Role.CONTENT_PRODUCER], town.unit)
    cal = fetch(raw)
    found = events(cal)
    assert set(found) == {uid(in_unit), uid(in_subunit), uid(manual), uid(published), uid(by_hand)}
    assert found[uid(by_hand)].decoded("DTSTART") == BEFORE
    assert uid(elsewhere) not in found and uid(approved_only) not in found
    event = found[uid(in_unit)]
    start = event.decoded("DTSTART")
    assert start == AT and start.utcoffset() == dt.timedelta(0)
    assert event.to_ical().decode().count("DTSTART:20260304T080000Z") == 1
    assert event.decoded("DTEND") > start
    assert str(event["SUMMARY"]) == "Satutuokio keskiviikkona"
    assert str(event["URL"]).endswith(reverse("content:post_detail", args=[in_unit.pk]))
    assert "Kirjasto" in str(cal["X-WR-CALNAME"])


def test_personal_feed_has_the_owners_own_posts(town: Town) -> None:
    ch = chan(town)
    mine = scheduled(town, AT, ch)
    someone_elses = scheduled(town, AT, ch, author=town.users[Role.ORG_ADMIN])
    _, raw = feeds.create_feed(town.users[Role.CONTENT_PRODUCER])
    assert set(events(fetch(raw))) == {uid(mine)}
    assert uid(someone_elses) not in events(fetch(raw))


def test_uid_is_stable_and_time_follows_a_reschedule(town: Town) -> None:
    post = scheduled(town, AT)
    _, raw = feeds.create_feed(town.users[Role.CHANNEL_OWNER], town.unit)
    before = events(fetch(raw))[uid(post)]
    with clock.frozen(BEFORE):
        actions.schedule(town.users[Role.CHANNEL_OWNER], post, AT + dt.timedelta(days=1))
    after = events(fetch(raw))[uid(post)]
    assert after.decoded("DTSTART") == AT + dt.timedelta(days=1)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_other_organisations_posts_are_never_in_a_feed(town: Town, other_town: Town) -> None:
    mine = scheduled(town, AT)
    theirs = scheduled(other_town, AT, title="Muualla")
    _, raw = feeds.create_feed(town.users[Role.ORG_ADMIN], town.root)
    found = events(fetch(raw))
    assert uid(mine) in found and uid(theirs) not in found
    # Nor can a feed be made for another organisation's unit.
    with pytest.raises(PermissionDenied):
        feeds.create_feed(town.users[Role.ORG_ADMIN], other_town.root)
    response = web(town.users[Role.ORG_ADMIN]).post(
        reverse("content:calendar_feeds"), {"unit": other_town.root.pk}
    )
    assert response.status_code == 400
    assert FeedToken.objects.filter(unit=other_town.root).count() == 0


def test_a_feed_for_a_unit_outside_ones_reach_is_refused(town: Town) -> None:
    with pytest.raises(PermissionDenied):
        feeds.create_feed(town.users[Role.CONTENT_PRODUCER], town.other_sector)
    with pytest.raises(PermissionDenied):
        feeds.create_feed(town.users[Role.ELECTED_OFFICIAL])
    assert not FeedToken.objects.exists()


def test_revoked_unknown_and_deactivated_addresses_are_404(town: Town) -> None:
    scheduled(town, AT)
    owner = town.users[Role.CHANNEL_OWNER]
    feed, raw = feeds.create_feed(owner, town.unit)
    fetch(raw)
    client = web(owner)
    response = client.post(reverse("content:calendar_feed_revoke", args=[feed.pk]))
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert Client().get(feed_url(raw)).status_code == 404
    assert AuditEvent.objects.filter(verb="calendar_feed.revoked", target_id=str(feed.pk)).exists()
    with pytest.raises(Conflict):
        feeds.revoke_feed(owner, feed)
    assert Client().get(feed_url("x" * 43)).status_code == 404
    other, other_raw = feeds.create_feed(owner)
    owner.is_active = False
    owner.save()
    assert Client().get(feed_url(other_raw)).status_code == 404


def test_only_the_owner_revokes(town: Town, other_town: Town) -> None:
    feed, raw = feeds.create_feed(town.users[Role.CHANNEL_OWNER])
    for user in (town.users[Role.ORG_ADMIN], other_town.users[Role.ORG_ADMIN]):
        response = web(user).post(reverse("content:calendar_feed_revoke", args=[feed.pk]))
        assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        feeds.revoke_feed(town.users[Role.ORG_ADMIN], feed)
    feed.refresh_from_db()
    assert feed.revoked_at is None
    fetch(raw)


def test_losing_the_role_empties_a_unit_feed(town: Town) -> None:
    post = scheduled(town, AT)
    owner = town.users[Role.CHANNEL_OWNER]
    _, raw = feeds.create_feed(owner, town.unit)
    assert uid(post) in events(fetch(raw))
    owner.role_assignments.all().delete()
    assert events(fetch(raw)) == {}
