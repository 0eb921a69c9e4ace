"""Role × action: who may request, decide, record access, complete IT tasks and see them.

Every role sits on the sector (organisation admin, city manager and elected official on
the root), the request and channel are in a unit below it. A denied action answers 403
and leaves the database as it was.
"""

import datetime as dt

import pytest
from django.urls import reverse

from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.roles import Role
from somevahti.registry.actions.requests import submit_channel_request
from somevahti.registry.models import AccessGrant, AccessTask, Channel, ChannelRequest
from somevahti.registry.tests.test_requests import answers, form_data
from tests import factories as f

pytestmark = pytest.mark.django_db

NOBODY = "no_role"
ROLES = [r.value for r in Role] + [NOBODY]
ALLOWED = {
    "submit": set(Role),  # anyone with a role in the unit may propose a channel
    "decide": {Role.UNIT_DIRECTOR, Role.ORG_ADMIN},
    "grant": {Role.IT, Role.ORG_ADMIN},
    "complete": {Role.IT, Role.ORG_ADMIN},
    "tasks": {Role.IT, Role.ORG_ADMIN},
}
NOON = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def actor(town, role):
    return f.user(town.org) if role == NOBODY else town.users[role]


def snapshot():
    return {
        "requests": list(ChannelRequest.objects.values_list("pk", "status", "channel_id")),
        "channels": list(Channel.objects.values_list("pk", "status", "opened_on")),
        "tasks": list(AccessTask.objects.values_list("pk", "status", "done_by_id")),
        "grants": list(AccessGrant.objects.values_list("pk", "revoked_on")),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def opening(town):
    channel = f.channel(town.unit, town.users[Role.CHANNEL_OWNER], status="opening")
    task = AccessTask.objects.create(
        organisation=town.org, channel=channel, kind="grant", opened_at=clock.now()
    )
    return channel, task


@pytest.mark.parametrize("role", ROLES)
def test_submit_request(client, town, role):
    client.force_login(actor(town, role))
    before = snapshot()
    response = client.post(reverse("registry:request_new"), form_data(town))
    if role in ALLOWED["submit"]:
        assert response.status_code == 302
        assert ChannelRequest.objects.count() == 1
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_decide_request(client, town, role):
    requester = f.user(town.org, (Role.CONTENT_PRODUCER, town.sector))
    req = submit_channel_request(requester, town.unit, answers(town))
    client.force_login(actor(town, role))
    before = snapshot()
    response = client.post(
        reverse("registry:request_decide", args=[req.pk]),
        {"decision": "approve", "reason": "Perusteltu tarve"},
    )
    req.refresh_from_db()
    if role in ALLOWED["decide"]:
        assert response.status_code == 302
        assert req.status == "approved"
        assert req.channel.status == "opening"
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_record_access_grant(client, town, opening, role):
    channel, task = opening
    user = actor(town, role)
    client.force_login(user)
    before = snapshot()
    with clock.frozen(NOON):
        response = client.post(
            reverse("registry:access_grant_new", args=[channel.pk]),
            {
                "task": task.pk,
                "grant-holder": user.pk,
                "grant-kind": "admin",
                "grant-method": "Holvi",
                "grant-granted_on": "2026-03-10",
            },
        )
    if role in ALLOWED["grant"]:
        assert response.status_code == 302
        assert AccessGrant.objects.get().holder == user
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_complete_task(client, town, opening, role):
    channel, task = opening
    user = actor(town, role)
    # Everyone holds access, so only the right to manage access decides.
    AccessGrant.objects.create(
        organisation=town.org,
        channel=channel,
        holder=user,
        kind="admin",
        method="Holvi",
        granted_on=dt.date(2026, 3, 1),
        recorded_by=town.users[Role.IT],
    )
    client.force_login(user)
    before = snapshot()
    with clock.frozen(NOON):
        response = client.post(reverse("registry:access_task_complete", args=[task.pk]))
    task.refresh_from_db()
    channel.refresh_from_db()
    if role in ALLOWED["complete"]:
        assert response.status_code == 302
        assert (task.status, channel.status) == ("done", "active")
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_view_it_task_list(client, town, opening, role):
    _channel, task = opening
    client.force_login(actor(town, role))
    response = client.get(reverse("registry:access_tasks"))
    detail = client.get(reverse("registry:access_task", args=[task.pk]))
    if role in ALLOWED["tasks"]:
        assert response.status_code == 200
        assert [t.pk for t in response.context["page"]] == [task.pk]
        assert detail.status_code == 200
    else:
        assert response.status_code == 403
        assert detail.status_code == 403
