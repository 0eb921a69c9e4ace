"""IT's tasks, the access register, and deactivating a person."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.actions import deactivate_user
from somevahti.core.errors import Conflict
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.registry.actions.access import (
    complete_access_task,
    open_revocation_tasks,
    record_access_grant,
    revoke_access_grant,
)
from somevahti.registry.models import AccessGrant, AccessTask
from tests import factories as f

pytestmark = pytest.mark.django_db

TASKS = reverse("registry:access_tasks")
REGISTER = reverse("registry:access_register")
DEACTIVATE = reverse("registry:deactivate_user")
DAY = dt.date(2026, 3, 10)
NOON = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def grant_task(channel):
    return AccessTask.objects.create(
        organisation_id=channel.organisation_id,
        channel=channel,
        kind="grant",
        opened_at=clock.now(),
    )


def grant(it, channel, holder, kind="admin", on=DAY):
    with clock.frozen(NOON):
        return record_access_grant(it, channel, holder, kind, "Salasanaholvi", on)


@pytest.fixture
def opening(town):
    channel = f.channel(town.unit, town.users[Role.CHANNEL_OWNER], status="opening")
    return channel, grant_task(channel)


def test_grant_task_needs_its_own_access_first(town, opening):
    channel, task = opening
    it = town.users[Role.IT]
    grant(it, channel, town.users[Role.CHANNEL_OWNER], kind="editor")
    with pytest.raises(ValidationError):
        complete_access_task(it, task)
    task.refresh_from_db()
    channel.refresh_from_db()
    assert (task.status, channel.status) == ("open", "opening")
    grant(it, channel, it)
    with clock.frozen(NOON):
        complete_access_task(it, task)
    channel.refresh_from_db()
    assert (channel.status, channel.opened_on) == ("active", DAY)
    with pytest.raises(Conflict):
        complete_access_task(it, task)
    assert AuditEvent.objects.filter(verb="access_task.done").count() == 1
    # The responsible person hears that the channel is open.
    assert Notification.objects.filter(user=town.users[Role.CHANNEL_OWNER]).exists()


def test_completing_a_task_page_without_own_access_shows_why(client, town, opening):
    channel, task = opening
    client.force_login(town.users[Role.IT])
    response = client.post(reverse("registry:access_task_complete", args=[task.pk]))
    assert response.status_code == 200
    assert 'id="task-error"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open"


def test_completing_twice_through_the_page_is_409(client, town, opening):
    channel, task = opening
    it = town.users[Role.IT]
    grant(it, channel, it)
    client.force_login(it)
    url = reverse("registry:access_task_complete", args=[task.pk])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()


def test_grant_validation(town, other_town, opening):
    channel, _task = opening
    it = town.users[Role.IT]
    with clock.frozen(NOON), pytest.raises(ValidationError) as exc:
        record_access_grant(
            it, channel, other_town.users[Role.IT], "root", "  ", DAY + dt.timedelta(days=1)
        )
    assert set(exc.value.message_dict) == {"holder", "kind", "method", "granted_on"}
    grant(it, channel, it)
    with clock.frozen(NOON), pytest.raises(ValidationError) as exc:
        record_access_grant(it, channel, it, "admin", "Toinen tapa", DAY)
    assert set(exc.value.message_dict) == {"holder"}  # already holds this access
    assert AccessGrant.objects.count() == 1


def test_only_it_records_access(town, opening):
    channel, _task = opening
    for role in (Role.UNIT_DIRECTOR, Role.COMMUNICATIONS, Role.CHANNEL_OWNER):
        with pytest.raises(PermissionDenied):
            grant(town.users[role], channel, town.users[role])
    assert not AccessGrant.objects.exists()


def test_it_of_another_sector_cannot_touch_the_channel(client, town, opening):
    channel, task = opening
    elsewhere = f.user(town.org, (Role.IT, town.other_sector))
    with pytest.raises(PermissionDenied):
        grant(elsewhere, channel, elsewhere)
    client.force_login(elsewhere)
    assert client.get(reverse("registry:access_task", args=[task.pk])).status_code == 404
    assert task.pk not in [t.pk for t in client.get(TASKS).context["page"]]


def test_revoke_once_then_conflict(client, town, opening):
    channel, _task = opening
    it = town.users[Role.IT]
    g = grant(it, channel, town.users[Role.CHANNEL_OWNER])
    with clock.frozen(NOON), pytest.raises(ValidationError) as exc:
        revoke_access_grant(it, g, DAY, "")
    assert set(exc.value.message_dict) == {"reason"}
    with clock.frozen(NOON):
        revoke_access_grant(it, g, DAY, "Vaihtoi tehtävää")
    g.refresh_from_db()
    assert g.revoked_on == DAY
    event = AuditEvent.objects.get(verb="access.revoked")
    assert (event.actor, event.reason) == (it, "Vaihtoi tehtävää")
    with clock.frozen(NOON), pytest.raises(Conflict):
        revoke_access_grant(it, g, DAY, "Uudestaan")
    client.force_login(it)
    response = client.post(
        reverse("registry:access_grant_revoke", args=[g.pk]),
        {"revoked_on": DAY.isoformat(), "reason": "Uudestaan"},
    )
    assert response.status_code == 409
    assert AuditEvent.objects.filter(verb="access.revoked").count() == 1


def test_deactivation_opens_revoke_tasks_and_they_are_worked_off(
    client, town, django_capture_on_commit_callbacks
):
    it = town.users[Role.IT]
    leaver = town.users[Role.CHANNEL_OWNER]
    a = f.channel(town.unit, leaver, name="Kirjasto")
    b = f.channel(town.subunit, leaver, name="Satutunti")
    untouched = f.channel(town.unit, leaver, name="Ei pääsyä")
    grant(it, a, leaver)
    grant(it, b, leaver, kind="editor")
    grant(it, a, it)
    old = grant(it, untouched, leaver)
    with clock.frozen(NOON):
        revoke_access_grant(it, old, DAY, "Vanha")

    with django_capture_on_commit_callbacks(execute=True):
        deactivate_user(town.users[Role.ORG_ADMIN], leaver, "Lähti")
    tasks = AccessTask.objects.filter(kind="revoke", subject=leaver).order_by("channel__name")
    assert [t.channel.name for t in tasks] == ["Kirjasto", "Satutunti"]
    assert all(t.status == "open" for t in tasks)
    assert Notification.objects.filter(user=it).count() == 2
    # Opening them again adds nothing.
    assert open_revocation_tasks(None, leaver) == []
    assert AccessTask.objects.filter(kind="revoke").count() == 2

    # The register lists what must be revoked.
    client.force_login(it)
    page = client.get(REGISTER)
    assert {t.pk for t in page.context["to_revoke"]} == {t.pk for t in tasks}

    # A revoke task cannot be closed while the access is still held.
    task = tasks[0]
    with pytest.raises(ValidationError):
        complete_access_task(it, task)
    html = client.get(reverse("registry:access_task", args=[task.pk])).content.decode()
    revoke_url = reverse(
        "registry:access_grant_revoke", args=[AccessGrant.objects.get(channel=a, holder=leaver).pk]
    )
    assert revoke_url in html
    with clock.frozen(NOON):
        response = client.post(
            revoke_url + f"?task={task.pk}",
            {"revoked_on": DAY.isoformat(), "reason": "Lähti", "task": task.pk},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("registry:access_task", args=[task.pk])
        complete_access_task(it, task)
    task.refresh_from_db()
    assert task.status == "done"
    assert [t.channel.name for t in client.get(REGISTER).context["to_revoke"]] == ["Satutunti"]


def test_register_filters(client, town):
    it = town.users[Role.IT]
    owner = town.users[Role.CHANNEL_OWNER]
    a = f.channel(town.unit, owner, name="Aamu")
    b = f.channel(town.unit, owner, name="Bussi")
    grant(it, a, owner)
    grant(it, b, it)
    gone = grant(it, b, owner, kind="editor")
    with clock.frozen(NOON):
        revoke_access_grant(it, gone, DAY, "Ei tarvita")
    client.force_login(it)

    def rows(**params):
        return [
            (g.channel.name, g.holder.username, g.revoked_on is None)
            for g in client.get(REGISTER, params).context["page"]
        ]

    assert len(rows()) == 3
    assert rows(channel=a.pk) == [("Aamu", owner.username, True)]
    assert {r[0] for r in rows(holder=owner.pk)} == {"Aamu", "Bussi"}
    assert all(r[2] for r in rows(current="on"))
    assert len(rows(current="on")) == 2


def test_register_and_tasks_are_for_it_only(client, town):
    for role in (Role.CONTENT_PRODUCER, Role.UNIT_DIRECTOR, Role.ELECTED_OFFICIAL):
        client.force_login(town.users[role])
        assert client.get(REGISTER).status_code == 403
        assert client.get(TASKS).status_code == 403


def test_task_list_puts_open_tasks_first_with_bounded_queries(
    client, town, django_assert_max_num_queries
):
    it = town.users[Role.IT]
    for i in range(40):
        channel = f.channel(town.unit, name=f"Kanava {i:02d}", status="opening")
        task = grant_task(channel)
        if i % 2:
            AccessTask.objects.filter(pk=task.pk).update(status="done", done_by=it)
    leaver = f.user(town.org)
    AccessTask.objects.create(
        organisation=town.org, channel=channel, kind="revoke", subject=leaver, opened_at=NOON
    )
    client.force_login(it)
    with django_assert_max_num_queries(10):
        response = client.get(TASKS)
    statuses = [t.status for t in response.context["page"]]
    assert statuses == sorted(statuses, key=lambda s: s != "open")
    assert statuses.count("open") == 21
    with django_assert_max_num_queries(10):
        assert len(client.get(TASKS, {"status": "done"}).context["page"]) == 20


def test_register_query_count_is_bounded(client, town, django_assert_max_num_queries):
    it = town.users[Role.IT]
    for i in range(30):
        channel = f.channel(town.unit, name=f"Kanava {i:02d}")
        person = f.user(town.org)
        AccessGrant.objects.create(
            organisation=town.org,
            channel=channel,
            holder=person,
            kind="admin",
            method="Holvi",
            granted_on=DAY,
            recorded_by=it,
        )
        if i % 3 == 0:
            person.is_active = False
            person.save()
            AccessTask.objects.create(
                organisation=town.org,
                channel=channel,
                kind="revoke",
                subject=person,
                opened_at=NOON,
            )
    client.force_login(it)
    with django_assert_max_num_queries(12):
        response = client.get(REGISTER)
    assert len(response.context["page"]) == 30
    assert len(response.context["to_revoke"]) == 10


def test_deactivate_page_for_the_org_admin(client, town):
    admin = town.users[Role.ORG_ADMIN]
    it = town.users[Role.IT]
    leaver = town.users[Role.COMMUNICATIONS]
    channel = f.channel(town.unit, leaver, name="Tiedotteet")
    grant(it, channel, leaver)
    client.force_login(admin)
    preview = client.get(DEACTIVATE, {"user": leaver.pk})
    assert preview.status_code == 200
    assert [g.channel.name for g in preview.context["grants"]] == ["Tiedotteet"]
    assert 'id="channels-to-revoke"' in preview.content.decode()

    response = client.post(DEACTIVATE, {"user": leaver.pk, "reason": ""})
    assert "reason" in response.context["form"].errors
    leaver.refresh_from_db()
    assert leaver.is_active

    response = client.post(DEACTIVATE, {"user": leaver.pk, "reason": "Siirtyi muualle"})
    assert response.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active
    after = client.get(response["Location"])
    assert [t.channel.name for t in after.context["tasks"]] == ["Tiedotteet"]
    event = AuditEvent.objects.get(verb="user.deactivated")
    assert (event.actor, event.reason) == (admin, "Siirtyi muualle")

    response = client.post(DEACTIVATE, {"user": leaver.pk, "reason": "Uudestaan"})
    assert response.status_code == 409
    assert AuditEvent.objects.filter(verb="user.deactivated").count() == 1


def test_deactivate_page_is_for_org_admins_only(client, town, other_town):
    target = town.users[Role.CONTENT_PRODUCER]
    for role in (Role.IT, Role.UNIT_DIRECTOR, Role.CITY_MANAGER):
        client.force_login(town.users[role])
        assert client.get(DEACTIVATE).status_code == 403
        assert client.post(DEACTIVATE, {"user": target.pk, "reason": "x"}).status_code == 403
    # Another organisation's admin cannot pick this town's people.
    client.force_login(other_town.users[Role.ORG_ADMIN])
    response = client.post(DEACTIVATE, {"user": target.pk, "reason": "x"})
    assert "user" in response.context["form"].errors
    target.refresh_from_db()
    assert target.is_active


def test_deactivateuser_command(town):
    it = town.users[Role.IT]
    leaver = town.users[Role.CHANNEL_OWNER]
    channel = f.channel(town.unit, leaver, name="Nuorten Insta")
    grant(it, channel, leaver)
    admin = town.users[Role.ORG_ADMIN].username
    out = StringIO()
    call_command("deactivateuser", leaver.username, by=admin, reason="Lähti", stdout=out)
    assert "Nuorten Insta" in out.getvalue()
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert AccessTask.objects.filter(kind="revoke", subject=leaver, channel=channel).exists()

    for args, kwargs in (
        (["nobody"], {"by": admin, "reason": "x"}),
        ([leaver.username], {"by": admin, "reason": "x"}),  # already deactivated
        ([town.users[Role.IT].username], {"by": it.username, "reason": "x"}),  # not an admin
        ([town.users[Role.IT].username], {"by": "ghost", "reason": "x"}),
    ):
        with pytest.raises(CommandError) as exc:
            call_command("deactivateuser", *args, **kwargs, stdout=StringIO())
        assert exc.value.returncode == 2
    assert town.users[Role.IT].__class__.objects.get(pk=it.pk).is_active
