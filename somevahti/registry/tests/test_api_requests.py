"""The API for channel requests, decisions, the access register and IT's tasks."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.registry.actions.requests import submit_channel_request
from somevahti.registry.models import AccessGrant, AccessTask, Channel, ChannelRequest
from somevahti.registry.tests.test_requests import answers, audience
from tests import factories as f

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/channel-requests/"
GRANTS = "/api/v1/access-grants/"
TASKS = "/api/v1/access-tasks/"
NOON = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(town, **overrides):
    data = {
        "unit": town.unit.pk,
        "platform": "tiktok",
        "name": "Nuorisotalo",
        "purpose": "Nuoret ovat siellä.",
        "content_plan": "Lyhyet videot tapahtumista.",
        "audiences": [audience(town.org, "Nuoret").pk],
        "promotion_plan": "Nuorisotalon seinät.",
        "evaluation_plan": "Katselukerrat kuukausittain.",
        "first_evaluation_on": (clock.today() + dt.timedelta(days=90)).isoformat(),
        "proposed_responsibles": [town.users[Role.CHANNEL_OWNER].pk],
    }
    data.update(overrides)
    return data


def decide(user, req, **body):
    return api(user).post(f"{REQUESTS}{req.pk}/decide/", body, format="json")


@pytest.fixture
def pending(town):
    return submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town))


def test_full_journey_through_the_api(town, django_capture_on_commit_callbacks):
    producer = town.users[Role.CONTENT_PRODUCER]
    director = town.users[Role.UNIT_DIRECTOR]
    it = town.users[Role.IT]
    response = api(producer).post(REQUESTS, payload(town), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["target_per_week"] == "2.0"
    req = ChannelRequest.objects.get(pk=body["id"])

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(director, req, approve=True, reason="Hyvä suunnitelma")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    channel_id = response.json()["channel"]
    assert Channel.objects.get(pk=channel_id).status == "opening"
    assert Notification.objects.filter(user=it).exists()

    tasks = api(it).get(TASKS, {"status": "open"}).json()["results"]
    assert [(t["kind"], t["channel"]) for t in tasks] == [("grant", channel_id)]
    task_id = tasks[0]["id"]

    # Without its own access IT cannot close the task.
    response = api(it).post(f"{TASKS}{task_id}/complete/")
    assert response.status_code == 400
    with clock.frozen(NOON):
        response = api(it).post(
            GRANTS,
            {"channel": channel_id, "holder": it.pk, "kind": "admin", "method": "Holvi"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["granted_on"] == "2026-03-10"
        response = api(it).post(f"{TASKS}{task_id}/complete/")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["channel_status"] == "active"
    assert api(it).post(f"{TASKS}{task_id}/complete/").status_code == 409
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        "channel_request.submitted",
        "channel.created",
        "access_task.opened",
        "channel_request.approved",
        "access.granted",
        "access_task.done",
        "channel.activated",
    ]


def test_bad_answers_give_400_field_errors_and_save_nothing(town):
    producer = town.users[Role.CONTENT_PRODUCER]
    response = api(producer).post(
        REQUESTS,
        payload(town, purpose="", audiences=[], platform="myspace", first_evaluation_on=None),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"purpose", "audiences", "platform", "first_evaluation_on"}
    response = api(producer).post(REQUESTS, payload(town, proposed_responsibles=[999999]))
    assert response.status_code == 400
    assert "proposed_responsibles" in response.json()
    assert not ChannelRequest.objects.exists()
    assert not AuditEvent.objects.exists()


def test_unit_out_of_reach_is_403_and_other_organisation_unit_is_400(town, other_town):
    producer = town.users[Role.CONTENT_PRODUCER]
    response = api(producer).post(REQUESTS, payload(town, unit=town.other_sector.pk), format="json")
    assert response.status_code == 403
    response = api(producer).post(REQUESTS, payload(town, unit=other_town.unit.pk), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"unit"}
    assert not ChannelRequest.objects.exists()


def test_decision_refusals(town, pending):
    sibling = f.user(town.org, (Role.UNIT_DIRECTOR, f.unit(town.sector, "Museo")))
    requester_director = f.user(town.org, (Role.UNIT_DIRECTOR, town.sector))
    own = submit_channel_request(requester_director, town.unit, answers(town, name="Oma"))
    assert (
        decide(town.users[Role.CHANNEL_OWNER], pending, approve=True, reason="x").status_code == 403
    )
    assert decide(sibling, pending, approve=True, reason="x").status_code == 403
    assert decide(requester_director, own, approve=True, reason="x").status_code == 403
    response = decide(town.users[Role.UNIT_DIRECTOR], pending, approve=True, reason=" ")
    assert response.status_code == 400
    assert set(response.json()) == {"reason"}
    response = decide(town.users[Role.UNIT_DIRECTOR], pending, reason="x")
    assert response.status_code == 400
    assert "approve" in response.json()
    assert set(ChannelRequest.objects.values_list("status", flat=True)) == {"pending"}
    assert not Channel.objects.exists()


def test_second_decision_is_409(town, pending):
    director = town.users[Role.UNIT_DIRECTOR]
    assert decide(director, pending, approve=False, reason="Ei nyt").status_code == 200
    other = f.user(town.org, (Role.UNIT_DIRECTOR, town.root))
    response = decide(other, pending, approve=True, reason="Kyllä sittenkin")
    assert response.status_code == 409
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("rejected", director)
    assert not Channel.objects.exists()


def test_other_organisation_is_404(town, other_town, pending):
    outsider = other_town.users[Role.ORG_ADMIN]
    assert api(outsider).get(f"{REQUESTS}{pending.pk}/").status_code == 404
    assert decide(outsider, pending, approve=True, reason="x").status_code == 404
    assert api(outsider).get(REQUESTS).json()["count"] == 0
    channel = f.channel(town.unit, name="Salainen")
    g = AccessGrant.objects.create(
        organisation=town.org,
        channel=channel,
        holder=town.users[Role.IT],
        kind="admin",
        method="Holvi",
        granted_on=dt.date(2026, 1, 1),
        recorded_by=town.users[Role.IT],
    )
    it = other_town.users[Role.IT]
    assert api(it).get(f"{GRANTS}{g.pk}/").status_code == 404
    assert api(it).post(f"{GRANTS}{g.pk}/revoke/", {"reason": "x"}).status_code == 404
    response = api(it).post(
        GRANTS, {"channel": channel.pk, "holder": it.pk, "kind": "admin", "method": "x"}
    )
    assert response.status_code == 400
    assert "channel" in response.json()
    task = AccessTask.objects.create(
        organisation=town.org, channel=channel, kind="grant", opened_at=NOON
    )
    assert api(it).post(f"{TASKS}{task.pk}/complete/").status_code == 404
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert AccessGrant.objects.get().revoked_on is None


def test_grants_revoke_and_filters(town):
    it = town.users[Role.IT]
    owner = town.users[Role.CHANNEL_OWNER]
    channel = f.channel(town.unit, owner, name="Kirjasto")
    with clock.frozen(NOON):
        first = (
            api(it)
            .post(
                GRANTS,
                {
                    "channel": channel.pk,
                    "holder": owner.pk,
                    "kind": "editor",
                    "method": "Rooli",
                    "granted_on": "2026-03-01",
                },
                format="json",
            )
            .json()
        )
        response = api(it).post(
            f"{GRANTS}{first['id']}/revoke/", {"reason": "Ei tarvita"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["revoked_on"] == "2026-03-10"
        assert response.json()["current"] is False
        again = api(it).post(f"{GRANTS}{first['id']}/revoke/", {"reason": "x"}, format="json")
        assert again.status_code == 409
        api(it).post(
            GRANTS,
            {"channel": channel.pk, "holder": it.pk, "kind": "admin", "method": "Holvi"},
            format="json",
        )
    assert api(it).get(GRANTS).json()["count"] == 2
    current = api(it).get(GRANTS, {"current": "true"}).json()["results"]
    assert [g["holder"]["username"] for g in current] == [it.username]
    assert api(it).get(GRANTS, {"holder": owner.pk}).json()["count"] == 1
    # Only IT records access; others get 403 and nothing is saved.
    response = api(owner).post(
        GRANTS,
        {"channel": channel.pk, "holder": owner.pk, "kind": "admin", "method": "Oma"},
        format="json",
    )
    assert response.status_code == 403
    assert AccessGrant.objects.count() == 2


def test_task_list_is_for_it_and_lists_have_bounded_queries(town, django_assert_max_num_queries):
    it = town.users[Role.IT]
    producer = town.users[Role.CONTENT_PRODUCER]
    youth = audience(town.org, "Nuoret")
    for i in range(25):
        channel = f.channel(town.unit, producer, name=f"K{i}", status="opening")
        AccessTask.objects.create(
            organisation=town.org, channel=channel, kind="grant", opened_at=NOON
        )
        AccessGrant.objects.create(
            organisation=town.org,
            channel=channel,
            holder=producer,
            kind="admin",
            method="Holvi",
            granted_on=dt.date(2026, 1, 1),
            recorded_by=it,
        )
        req = f.channel_request(town.unit, producer, name=f"P{i}")
        req.audiences.set([youth])
    assert api(producer).get(TASKS).status_code == 403
    for url, n in ((TASKS, 25), (GRANTS, 25), (REQUESTS, 25)):
        with django_assert_max_num_queries(10):
            response = api(it).get(url)
        assert response.json()["count"] == n
