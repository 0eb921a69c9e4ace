"""The organisation admin manages units, roles and settings; nobody else can."""

import pytest

from somevahti.audit.models import AuditEvent
from somevahti.core.models import RoleAssignment, Unit
from somevahti.core.roles import Role

pytestmark = pytest.mark.django_db


def _url(unit):
    return f"/fi/units/{unit.pk}/"


def test_admin_adds_a_sub_unit_and_it_is_audited(client, town):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.post(
        _url(town.unit), {"op": "add", "add-name": "Musiikkiosasto", "add-kind": "subunit"}
    )
    assert response.status_code == 302
    new = Unit.objects.get(name="Musiikkiosasto")
    assert new.parent == town.unit and new.path.startswith(town.unit.path)
    assert AuditEvent.objects.filter(verb="unit.created", target_id=str(new.pk)).exists()


def test_a_duplicate_name_is_a_field_error_and_nothing_is_created(client, town):
    client.force_login(town.users[Role.ORG_ADMIN])
    before = Unit.objects.count()
    response = client.post(
        _url(town.unit), {"op": "add", "add-name": "lastenkirjasto", "add-kind": "subunit"}
    )
    assert response.status_code == 200
    assert response.context["forms"]["add"].errors["name"]
    assert Unit.objects.count() == before


def test_admin_gives_and_removes_a_role(client, town):
    admin = town.users[Role.ORG_ADMIN]
    producer = town.users[Role.CONTENT_PRODUCER]
    client.force_login(admin)
    client.post(
        _url(town.other_sector),
        {"op": "grant", "grant-user": producer.pk, "grant-role": Role.CHANNEL_OWNER},
    )
    ra = RoleAssignment.objects.get(user=producer, unit=town.other_sector)
    assert ra.role == Role.CHANNEL_OWNER
    client.post(_url(town.other_sector), {"op": "revoke", "assignment": ra.pk})
    assert not RoleAssignment.objects.filter(pk=ra.pk).exists()
    verbs = list(
        AuditEvent.objects.filter(target_id=str(town.other_sector.pk)).values_list(
            "verb", flat=True
        )
    )
    assert set(verbs) == {"role.granted", "role.revoked"}


def test_the_last_admin_cannot_remove_their_own_admin_role(client, town):
    admin = town.users[Role.ORG_ADMIN]
    ra = RoleAssignment.objects.get(user=admin, role=Role.ORG_ADMIN)
    client.force_login(admin)
    client.post(_url(town.root), {"op": "revoke", "assignment": ra.pk})
    assert RoleAssignment.objects.filter(pk=ra.pk).exists()


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ORG_ADMIN])
def test_only_the_admin_may_change_units_and_roles(client, town, role):
    client.force_login(town.users[role])
    response = client.post(
        _url(town.unit), {"op": "add", "add-name": "Luvaton", "add-kind": "unit"}
    )
    assert response.status_code in (403, 404)
    assert not Unit.objects.filter(name="Luvaton").exists()
    response = client.post(
        "/fi/settings/",
        {"under_maintained_ratio": "0.9", "activity_window_weeks": 4, "dormant_after_days": 30},
    )
    assert response.status_code == 403
    town.org.refresh_from_db()
    assert town.org.dormant_after_days == 90


def test_another_organisations_unit_is_not_found(client, town, other_town):
    client.force_login(town.users[Role.ORG_ADMIN])
    assert client.get(_url(other_town.unit)).status_code == 404
    response = client.post(
        _url(other_town.unit), {"op": "add", "add-name": "Vieras", "add-kind": "unit"}
    )
    assert response.status_code == 404
    assert not Unit.objects.filter(name="Vieras").exists()


def test_admin_changes_dormancy_thresholds(client, town):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.post(
        "/fi/settings/",
        {"under_maintained_ratio": "0.3", "activity_window_weeks": 6, "dormant_after_days": 60},
    )
    assert response.status_code == 302
    town.org.refresh_from_db()
    assert (
        float(town.org.under_maintained_ratio),
        town.org.activity_window_weeks,
        town.org.dormant_after_days,
    ) == (0.3, 6, 60)
    event = AuditEvent.objects.get(verb="organisation.settings_updated")
    assert event.data["dormant_after_days"] == [90, 60]


def test_out_of_range_thresholds_are_refused_with_field_errors(client, town):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.post(
        "/fi/settings/",
        {"under_maintained_ratio": "0", "activity_window_weeks": 0, "dormant_after_days": 5000},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"under_maintained_ratio", "dormant_after_days"}
    town.org.refresh_from_db()
    assert town.org.dormant_after_days == 90


def test_unit_page_shows_roles_inherited_from_above(client, town):
    client.force_login(town.users[Role.COMMUNICATIONS])
    response = client.get(_url(town.subunit))
    assert response.status_code == 200
    inherited = {(a.user.username, a.role) for a in response.context["inherited"]}
    assert (town.users[Role.UNIT_DIRECTOR].username, Role.UNIT_DIRECTOR) in inherited
    assert not response.context["can_manage"]
