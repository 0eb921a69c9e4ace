"""Calendar pages: week and month, filters, scoping, DST weeks, query counts, reschedule form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Town
from somevahti.content import actions
from somevahti.content.models import ContentTag, Post
from somevahti.content.models.programme import WeeklySlot
from somevahti.core import clock
from somevahti.core.models import Unit, User
from somevahti.core.roles import Role
from somevahti.registry.models import Channel
from tests import factories as f

S = Post.State
UTC = dt.UTC
BEFORE = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # Sunday 1 March 2026


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reviewer(town: Town) -> User:
    """Communications on the root: reviews and schedules anywhere in the town."""
    found = User.objects.filter(username=f"{town.org.slug}-root-comms").first()
    return found or f.user(
        town.org, (Role.COMMUNICATIONS, town.root), username=f"{town.org.slug}-root-comms"
    )


def chan(town: Town, unit: Unit | None = None, name: str = "") -> Channel:
    return f.channel(
        unit or town.unit, town.users[Role.CHANNEL_OWNER], **({"name": name} if name else {})
    )


def scheduled(
    town: Town,
    at: dt.datetime,
    *channels: Channel,
    unit: Unit | None = None,
    author: User | None = None,
    title: str = "Satutuokio",
    tags: list[ContentTag] | None = None,
) -> Post:
    """A post written, approved and scheduled at ``at`` through the actions."""
    unit = unit or town.unit
    author = author or (
        town.users[Role.CONTENT_PRODUCER]
        if unit.is_within(town.sector)
        else town.users[Role.ORG_ADMIN]
    )
    chs = list(channels) or [chan(town, unit)]
    data: dict[str, Any] = {"title": title, "body": "Tervetuloa kirjastoon.", "channels": chs}
    if tags:
        data["tags"] = tags
    with clock.frozen(min(BEFORE, at - dt.timedelta(days=1))):
        post = actions.create_post(author, unit, data)
        post = actions.submit_for_review(author, post)
        post = actions.approve(reviewer(town), post)
        return actions.schedule(reviewer(town), post, at)


def week_url(day: str, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"date": day, **params}.items())
    return f"{reverse('content:calendar')}?{query}"


def placed(response: Any) -> dict[str, list[int]]:
    """Post ids per ISO date as the view placed them."""
    return {
        d.date.isoformat(): [e.post.pk for e in d.entries]
        for d in response.context["days"]
        if d.entries
    }


def section(html: str, day: str) -> str:
    """The HTML of one day's section (week view)."""
    match = re.search(rf'<section[^>]*id="day-{day}".*?</section>', html, re.S)
    assert match, day
    return match.group(0)


# --- Week view --------------------------------------------------------------------------


def test_week_shows_posts_on_their_day_with_state_and_today(town: Town) -> None:
    post = scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC), title="Keskiviikon vinkki")
    client = web(town.users[Role.CONTENT_PRODUCER])
    with clock.frozen(dt.datetime(2026, 3, 3, 12, 0, tzinfo=UTC)):
        response = client.get(reverse("content:calendar"))
    assert response.status_code == 200
    html = response.content.decode()
    assert placed(response) == {"2026-03-04": [post.pk]}
    day = section(html, "2026-03-04")
    assert "Keskiviikon vinkki" in day
    assert "10:00" in day  # 08:00 UTC is 10:00 in Helsinki in winter
    assert f'status-{S.SCHEDULED}">{S.SCHEDULED.label}' in day  # state in words
    today = section(html, "2026-03-03")
    assert 'aria-current="date"' in today and "today-mark" in today
    assert 'aria-current="date"' not in day
    # Previous and next week links keep the filters and move by seven days.
    assert 'href="?date=2026-02-23"' in html
    assert 'href="?date=2026-03-09"' in html


def test_prev_and_next_keep_the_filters(town: Town) -> None:
    client = web(town.users[Role.CONTENT_PRODUCER])
    response = client.get(week_url("2026-03-04", state="scheduled", unit=town.unit.pk))
    html = response.content.decode()
    for link, day in (("calendar-prev", "2026-02-23"), ("calendar-next", "2026-03-09")):
        match = re.search(rf'href="\?([^"]*)" rel="\w+" id="{link}"', html)
        assert match
        query = parse_qs(match.group(1).replace("&amp;", "&"))
        assert query == {"date": [day], "state": ["scheduled"], "unit": [str(town.unit.pk)]}


def test_march_dst_week_places_posts_on_helsinki_days(town: Town) -> None:
    # Clocks go forward on Sunday 29 March 2026 at 03:00 → 04:00 (UTC+2 → UTC+3).
    ch = chan(town)
    monday_early = scheduled(town, dt.datetime(2026, 3, 22, 22, 30, tzinfo=UTC), ch)
    sunday_after = scheduled(town, dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), ch)
    next_monday = scheduled(town, dt.datetime(2026, 3, 29, 21, 30, tzinfo=UTC), ch)
    previous_sunday = scheduled(town, dt.datetime(2026, 3, 22, 21, 30, tzinfo=UTC), ch)
    client = web(town.users[Role.CONTENT_PRODUCER])
    response = client.get(week_url("2026-03-26"))
    assert placed(response) == {
        "2026-03-23": [monday_early.pk],
        "2026-03-29": [sunday_after.pk],
    }
    html = response.content.decode()
    assert "00:30" in section(html, "2026-03-23")
    assert "04:30" in section(html, "2026-03-29")  # summer time already
    assert placed(client.get(week_url("2026-03-30")))["2026-03-30"] == [next_monday.pk]
    assert placed(client.get(week_url("2026-03-16")))["2026-03-22"] == [previous_sunday.pk]


def test_october_dst_week_places_posts_on_helsinki_days(town: Town) -> None:
    # Clocks go back on Sunday 25 October 2026 at 04:00 → 03:00 (UTC+3 → UTC+2).
    ch = chan(town)
    monday_early = scheduled(town, dt.datetime(2026, 10, 18, 21, 30, tzinfo=UTC), ch)
    sunday_late = scheduled(town, dt.datetime(2026, 10, 25, 21, 30, tzinfo=UTC), ch)
    first_0330 = scheduled(town, dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), ch)
    second_0330 = scheduled(town, dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), ch)
    next_monday = scheduled(town, dt.datetime(2026, 10, 25, 22, 30, tzinfo=UTC), ch)
    client = web(town.users[Role.CONTENT_PRODUCER])
    response = client.get(week_url("2026-10-21"))
    assert placed(response) == {
        "2026-10-19": [monday_early.pk],
        "2026-10-25": [first_0330.pk, second_0330.pk, sunday_late.pk],
    }
    sunday = section(response.content.decode(), "2026-10-25")
    assert sunday.count(">03:30</time>") == 2 and ">23:30</time>" in sunday
    # The repeated hour is told apart by its UTC offset in the machine-readable time.
    assert "2026-10-25T03:30:00+03:00" in sunday and "2026-10-25T03:30:00+02:00" in sunday
    assert placed(client.get(week_url("2026-10-26")))["2026-10-26"] == [next_monday.pk]


# --- Month view -------------------------------------------------------------------------


def test_month_view_is_a_table_of_whole_weeks(town: Town) -> None:
    inside = scheduled(town, dt.datetime(2026, 3, 31, 20, 0, tzinfo=UTC), title="Maaliskuun loppu")
    april = scheduled(town, dt.datetime(2026, 4, 1, 6, 0, tzinfo=UTC), title="Huhtikuu")
    client = web(town.users[Role.CONTENT_PRODUCER])
    with clock.frozen(dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)):
        response = client.get(f"{reverse('content:calendar_month')}?date=2026-03-15")
    assert response.status_code == 200
    days = response.context["days"]
    assert days[0].date == dt.date(2026, 2, 23) and days[-1].date == dt.date(2026, 4, 5)
    assert len(days) % 7 == 0
    assert placed(response) == {"2026-03-31": [inside.pk], "2026-04-01": [april.pk]}
    assert response.context["count"] == 1  # April's post is in the grid but not the month
    html = response.content.decode()
    assert '<th scope="col">' in html and "<caption>" in html
    cell = re.search(r'<td id="day-2026-03-10".*?</td>', html, re.S)
    assert cell and 'aria-current="date"' in cell.group(0)
    assert 'href="?date=2026-02-01"' in html and 'href="?date=2026-04-01"' in html


# --- Filters and scope ------------------------------------------------------------------


def test_filters_by_state_tag_channel_unit_and_person(town: Town) -> None:
    at = dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    actions.ensure_default_tags(town.org)
    video = ContentTag.objects.get(organisation=town.org, name="Video")
    a, b = chan(town), chan(town)
    tagged = scheduled(town, at, a, tags=[video])
    plain = scheduled(town, at, b)
    sub = scheduled(town, at, chan(town, town.subunit), unit=town.subunit)
    other = scheduled(town, at, chan(town, town.other_sector), unit=town.other_sector)
    by_admin = scheduled(town, at, a, author=town.users[Role.ORG_ADMIN])
    with clock.frozen(BEFORE):
        actions.mark_published_manually(reviewer(town), plain, "https://example.test/p/1")
    client = web(town.users[Role.ORG_ADMIN])

    def ids(**params: Any) -> set[int]:
        response = client.get(week_url("2026-03-04", **params))
        assert response.status_code == 200
        return {pk for pks in placed(response).values() for pk in pks}

    assert ids() == {tagged.pk, plain.pk, sub.pk, other.pk, by_admin.pk}
    assert ids(state="published_manually") == {plain.pk}
    assert ids(tag=video.pk) == {tagged.pk}
    assert ids(channel=a.pk) == {tagged.pk, by_admin.pk}
    assert ids(unit=town.unit.pk) == {tagged.pk, plain.pk, sub.pk, by_admin.pk}
    assert ids(unit=town.other_sector.pk) == {other.pk}
    assert ids(person=town.users[Role.ORG_ADMIN].pk) == {other.pk, by_admin.pk}


def test_a_producer_sees_only_their_units(town: Town) -> None:
    at = dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    mine = scheduled(town, at)
    scheduled(town, at, chan(town, town.other_sector), unit=town.other_sector)
    response = web(town.users[Role.CONTENT_PRODUCER]).get(week_url("2026-03-04"))
    assert placed(response) == {"2026-03-04": [mine.pk]}


def test_other_organisation_is_never_shown_and_its_ids_are_404(
    town: Town, other_town: Town
) -> None:
    at = dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    theirs = scheduled(other_town, at, title="Toisen kunnan postaus")
    client = web(town.users[Role.ORG_ADMIN])
    response = client.get(week_url("2026-03-04"))
    assert placed(response) == {}
    assert "Toisen kunnan postaus" not in response.content.decode()
    their_channel = theirs.variants.get().channel
    for params in (
        {"unit": other_town.unit.pk},
        {"channel": their_channel.pk},
        {"person": other_town.users[Role.CONTENT_PRODUCER].pk},
    ):
        assert client.get(week_url("2026-03-04", **params)).status_code == 404
    # A unit of one's own organisation outside one's reach is not found either.
    producer = web(town.users[Role.CONTENT_PRODUCER])
    assert producer.get(week_url("2026-03-04", unit=town.other_sector.pk)).status_code == 404


def test_elected_official_has_no_calendar(town: Town) -> None:
    response = web(town.users[Role.ELECTED_OFFICIAL]).get(reverse("content:calendar"))
    assert response.status_code == 403


def test_calendar_needs_login(town: Town) -> None:
    response = Client().get(reverse("content:calendar"))
    assert response.status_code == 302


@pytest.mark.parametrize("name", ["content:calendar", "content:calendar_month"])
def test_query_count_does_not_grow_with_posts(
    town: Town, name: str, django_assert_max_num_queries: Any
) -> None:
    ch = chan(town)
    for n in range(12):
        scheduled(town, dt.datetime(2026, 3, 2 + n % 6, 8, n, tzinfo=UTC), ch)
    client = web(town.users[Role.CHANNEL_OWNER])
    url = f"{reverse(name)}?date=2026-03-04"
    client.get(url)  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert sum(len(v) for v in placed(response).values()) == 12


# --- Empty programme slots ----------------------------------------------------------------


def test_empty_programme_slots_are_shown_until_a_post_fills_them(town: Town) -> None:
    ch = chan(town)
    slot = WeeklySlot.objects.create(
        organisation=town.org,
        unit=town.unit,
        weekday=WeeklySlot.Weekday.WEDNESDAY,
        time=dt.time(10, 0),
        theme="Keskiviikon kasvo",
        created_at=BEFORE,
        updated_at=BEFORE,
    )
    slot.channels.set([ch])
    client = web(town.users[Role.CONTENT_PRODUCER])
    html = client.get(week_url("2026-03-04")).content.decode()
    wednesday = section(html, "2026-03-04")
    assert f'data-slot="{slot.pk}"' in wednesday and "Keskiviikon kasvo" in wednesday
    assert client.get(week_url("2026-03-04", state="scheduled")).context["days"][2].slots == []
    scheduled(town, dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC), ch)
    html = client.get(week_url("2026-03-04")).content.decode()
    assert f'data-slot="{slot.pk}"' not in html
