"""The channel list and the API list run a fixed number of queries, whatever the size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from somevahti.core.models import Unit
from somevahti.core.roles import Role
from somevahti.registry.models import Channel
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("registry:channel_list")
API = "/api/v1/channels/"
# Page: session, user, roles, unit filter, count, root unit (import link), notifications,
# organisation (header), three filter choice lists, channels, responsibles.
MAX_PAGE_QUERIES = 14  # incl. the crisis banner on every page
MAX_API_QUERIES = 6
MAX_EXPORT_QUERIES = 8


def build_units(town, count):
    parent = town.sector
    units = [
        Unit(
            organisation=town.org,
            parent=parent,
            name=f"Yksikkö {i}",
            kind=Unit.Kind.UNIT,
            path=f"{parent.path}{i + 100:04d}.",
            depth=parent.depth + 1,
        )
        for i in range(count)
    ]
    return Unit.objects.bulk_create(units)


def build_channels(town, units, count, start=0):
    people = [town.users[Role.CHANNEL_OWNER], town.users[Role.CONTENT_PRODUCER]]
    audiences = [f.audience(town.org, f"Ryhmä {start}-{i}") for i in range(2)]
    platforms = ["facebook", "instagram", "x", "youtube", "bluesky"]
    channels = Channel.objects.bulk_create(
        [
            Channel(
                organisation=town.org,
                unit=units[i % len(units)],
                platform=platforms[i % len(platforms)],
                name=f"Kanava {start + i:05d}",
                followers=i,
            )
            for i in range(count)
        ]
    )
    Channel.responsibles.through.objects.bulk_create(
        [
            Channel.responsibles.through(channel_id=c.pk, user_id=p.pk)
            for c in channels
            for p in people
        ]
    )
    Channel.audiences.through.objects.bulk_create(
        [
            Channel.audiences.through(channel_id=c.pk, audience_id=a.pk)
            for c in channels
            for a in audiences
        ]
    )
    return channels


def queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "-followers"}, {"platform": "x", "q": "Kanava", "sort": "unit"}, {"page": 3}],
)
def test_channel_list_page_runs_a_fixed_number_of_queries(
    client, town, params, django_assert_max_num_queries
):
    client.force_login(town.users[Role.ORG_ADMIN])
    build_channels(town, [town.unit], 10)
    small = queries(client, LIST, {k: v for k, v in params.items() if k != "page"})

    units = build_units(town, 200)
    build_channels(town, units, 1990, start=10)
    assert Channel.objects.count() == 2000
    with django_assert_max_num_queries(MAX_PAGE_QUERIES):
        response = client.get(LIST, {**params, "unit": town.sector.pk})
    assert len(response.context["page"].object_list) == 50
    large = queries(client, LIST, {k: v for k, v in params.items() if k != "page"})
    assert large == small


def test_api_channel_list_runs_a_fixed_number_of_queries(town, django_assert_max_num_queries):
    client = APIClient()
    client.force_authenticate(town.users[Role.ORG_ADMIN])
    build_channels(town, [town.unit], 10)
    client.get(API)  # the authenticated user object caches its roles after the first request
    small = queries(client, API, {})

    build_channels(town, build_units(town, 200), 1990, start=10)
    with django_assert_max_num_queries(MAX_API_QUERIES):
        response = client.get(API, {"unit": town.sector.pk, "sort": "-last_activity"})
    assert response.json()["count"] == 2000
    assert len(response.json()["results"]) == 100
    assert queries(client, API, {}) == small


def test_export_of_two_thousand_channels_stays_bounded(client, town, django_assert_max_num_queries):
    client.force_login(town.users[Role.ORG_ADMIN])
    build_channels(town, build_units(town, 200), 2000)
    with django_assert_max_num_queries(MAX_EXPORT_QUERIES):
        response = client.get(reverse("registry:channel_export"))
    assert response.content.decode("utf-8").count("\r\n") == 2001
