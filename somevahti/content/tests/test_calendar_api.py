"""GET /api/v1/calendar/: placement, filters, isolation, validation, query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework.test import APIClient

from conftest import Town
from somevahti.content.tests.test_calendar import chan, scheduled
from somevahti.core.models import User
from somevahti.core.roles import Role

UTC = dt.UTC
URL = "/api/v1/calendar/"


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_lists_posts_with_utc_times_and_helsinki_days(town: Town) -> None:
    ch = chan(town, name="Kirjaston Facebook")
    # Sunday 29 March 2026 21:30 UTC is already Monday 00:30 in Helsinki (summer time).
    late = scheduled(town, dt.datetime(2026, 3, 29, 21, 30, tzinfo=UTC), ch)
    early = scheduled(town, dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC), ch)
    response = api(town.users[Role.CONTENT_PRODUCER]).get(
        URL, {"start": "2026-03-23", "end": "2026-03-30"}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [early.pk]
    row = response.json()[0]
    assert dt.datetime.fromisoformat(row["placed_at"]) == early.scheduled_at
    assert row["local_date"] == "2026-03-23"
    assert row["state"] == "scheduled"
    assert row["channels"] == [{"id": ch.pk, "name": "Kirjaston Facebook", "platform": "facebook"}]
    nxt = api(town.users[Role.CONTENT_PRODUCER]).get(
        URL, {"start": "2026-03-30", "end": "2026-03-31"}
    )
    assert [(r["id"], r["local_date"]) for r in nxt.json()] == [(late.pk, "2026-03-30")]


def test_filters_and_isolation(
    town: Town, other_town: Town, django_assert_max_num_queries: Any
) -> None:
    at = dt.datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    a = chan(town)
    in_unit = scheduled(town, at, a)
    other_sector = scheduled(town, at, chan(town, town.other_sector), unit=town.other_sector)
    theirs = scheduled(other_town, at)
    client = api(town.users[Role.ORG_ADMIN])
    span = {"start": "2026-03-02", "end": "2026-03-09"}

    def ids(**params: Any) -> set[int]:
        response = client.get(URL, {**span, **params})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()}

    with django_assert_max_num_queries(8):
        assert ids() == {in_unit.pk, other_sector.pk}
    assert ids(unit=town.unit.pk) == {in_unit.pk}
    assert ids(channel=a.pk) == {in_unit.pk}
    assert ids(state="published") == set()
    assert theirs.pk not in ids()
    for params in ({"unit": other_town.unit.pk}, {"person": other_town.users[Role.ORG_ADMIN].pk}):
        assert client.get(URL, {**span, **params}).status_code == 404


def test_bad_ranges_are_400_and_officials_403(town: Town) -> None:
    client = api(town.users[Role.CONTENT_PRODUCER])
    assert client.get(URL, {"start": "2026-03-09", "end": "2026-03-02"}).status_code == 400
    response = client.get(URL, {"start": "2026-01-01", "end": "2026-12-31"})
    assert response.status_code == 400 and "end" in response.json()
    assert client.get(URL, {"state": "nonsense"}).status_code == 400
    assert api(town.users[Role.ELECTED_OFFICIAL]).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)
