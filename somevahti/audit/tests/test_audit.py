"""The audit log: filters, who may read it, and that nobody can change it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import Town
from somevahti.audit.actions import record
from somevahti.audit.admin import AuditEventAdmin
from somevahti.audit.labels import verb_label
from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.roles import Role
from tests import factories as f

T0 = dt.datetime(2027, 1, 10, 9, 0, tzinfo=clock.HELSINKI)


@pytest.fixture
def events(town: Town, other_town: Town) -> dict[str, Any]:
    director = town.users[Role.UNIT_DIRECTOR]
    it = town.users[Role.IT]
    old = f.channel(town.unit, director, name="Vanha X-tili", platform="x")
    new = f.channel(town.unit, director, name="Nuorten Instagram", platform="instagram")
    foreign = f.channel(other_town.unit, other_town.users[Role.UNIT_DIRECTOR], name="Vieras tili")
    with clock.frozen(T0):
        record(director, "channel.status_changed", old, reason="Ei julkaisuja neljään vuoteen")
    with clock.frozen(T0 + dt.timedelta(days=5)):
        record(it, "access.granted", new, reason="IT otti pääsyn")
    with clock.frozen(T0 + dt.timedelta(days=10)):
        record(None, "custom.unknown_verb", new)
        record(other_town.users[Role.UNIT_DIRECTOR], "channel.closed", foreign, reason="Vieras")
    return {"old": old, "new": new, "foreign": foreign}


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_log_shows_own_organisation_with_filters(
    town: Town, events: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = _login(town.users[Role.COMMUNICATIONS])
    url = reverse("audit:log")
    with django_assert_max_num_queries(11):
        html = client.get(url).content.decode()
    assert "Vanha X-tili" in html and "Nuorten Instagram" in html
    assert "Vieras" not in html  # another organisation's events never show
    assert "Ei julkaisuja neljään vuoteen" in html
    assert "custom.unknown_verb" in html  # unknown verbs fall back to the code
    assert str(verb_label("access.granted")) in html
    # Times in Helsinki: 09:00 local, stored as 07:00 UTC.
    assert "9.00" in html or "09:00" in html or "9:00" in html

    def shown(**params: Any) -> set[str]:
        page = client.get(url, params)
        assert page.status_code == 200
        body = page.content.decode()
        return {name for name in ("Vanha X-tili", "Nuorten Instagram") if name in body}

    assert shown(verb="access.granted") == {"Nuorten Instagram"}
    assert shown(actor=town.users[Role.UNIT_DIRECTOR].pk) == {"Vanha X-tili"}
    assert shown(target_type="registry.channel", target_id=events["old"].pk) == {"Vanha X-tili"}
    assert shown(since="2027-01-14") == {"Nuorten Instagram"}
    assert shown(until="2027-01-10") == {"Vanha X-tili"}
    assert shown(q="neljään") == {"Vanha X-tili"}
    assert shown(q="instagram") == {"Nuorten Instagram"}
    assert client.get(url, {"since": "eilen"}).status_code == 400


def test_log_needs_view_audit(town: Town, events: dict[str, Any]) -> None:
    for role in (Role.CONTENT_PRODUCER, Role.CHANNEL_OWNER, Role.ELECTED_OFFICIAL):
        assert _login(town.users[role]).get(reverse("audit:log")).status_code == 403
    for role in (Role.UNIT_DIRECTOR, Role.IT, Role.DATA_PROTECTION, Role.ORG_ADMIN):
        assert _login(town.users[role]).get(reverse("audit:log")).status_code == 200


def test_log_paginates(town: Town) -> None:
    channel = f.channel(town.unit, town.users[Role.UNIT_DIRECTOR], name="Paljon tapahtumia")
    for i in range(60):
        with clock.frozen(T0 + dt.timedelta(minutes=i)):
            record(None, "channel.updated", channel, reason=f"muutos {i}")
    client = _login(town.users[Role.COMMUNICATIONS])
    first = client.get(reverse("audit:log")).content.decode()
    assert "muutos 59" in first and "muutos 5<" not in first and 'rel="next"' in first
    second = client.get(reverse("audit:log"), {"page": 2}).content.decode()
    assert "muutos 5<" in second


def test_api_reads_with_filters_and_has_no_write_methods(
    town: Town, events: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    api = APIClient()
    api.force_authenticate(town.users[Role.IT])
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/audit-events/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["target_repr"].split(" (")[0] for r in rows} == {"Vanha X-tili", "Nuorten Instagram"}
    assert api.get("/api/v1/audit-events/", {"verb": "access.granted"}).json()["count"] == 1
    assert api.get("/api/v1/audit-events/", {"since": "2027-01-14"}).json()["count"] == 2
    assert (
        api.get("/api/v1/audit-events/", {"until": "2027-01-10T12:00:00+02:00"}).json()["count"]
        == 1
    )
    assert api.get("/api/v1/audit-events/", {"verb": "nothing.yet"}).json()["count"] == 0
    assert api.get("/api/v1/audit-events/", {"since": "x"}).status_code == 400

    one = rows[0]["id"]
    for method in ("post", "put", "patch", "delete"):
        target = "/api/v1/audit-events/" if method == "post" else f"/api/v1/audit-events/{one}/"
        status = getattr(api, method)(target, {"verb": "x"}, format="json").status_code
        assert status in (403, 405)
    assert AuditEvent.objects.filter(verb="x").count() == 0
    assert AuditEvent.objects.count() == 4

    foreign = AuditEvent.objects.get(verb="channel.closed").pk
    assert api.get(f"/api/v1/audit-events/{foreign}/").status_code == 404
    api.force_authenticate(town.users[Role.CONTENT_PRODUCER])
    assert api.get("/api/v1/audit-events/").status_code == 403


def test_events_cannot_be_changed_or_deleted(town: Town, events: dict[str, Any]) -> None:
    event = AuditEvent.objects.filter(organisation=town.org).first()
    assert event is not None
    event.reason = "muutettu"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="muutettu")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.reason != "muutettu"

    admin = site._registry[AuditEvent]
    assert isinstance(admin, AuditEventAdmin)
    superuser = User.objects.create_superuser("root", "root@example.test", "salasana-testi-1")
    request = RequestFactory().get("/")
    request.user = superuser
    assert admin.has_view_permission(request, event)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, event)
    assert not admin.has_delete_permission(request, event)
    request.user = town.users[Role.ORG_ADMIN]
    assert not admin.has_module_permission(request)


def test_history_include_on_dormancy_page_uses_labels(town: Town, events: dict[str, Any]) -> None:
    from django.template.loader import render_to_string

    html = render_to_string(
        "audit/_history.html",
        {"events": AuditEvent.objects.filter(organisation=town.org).order_by("-created_at")},
    )
    assert str(verb_label("channel.status_changed")) in html
    assert reverse("registry:channel_detail", args=[events["old"].pk]) in html
    assert "<caption>" in html and 'scope="col"' in html
