"""Dormant channels: the daily check, revive-or-close, and the closing checklist."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.models import Notification, User
from somevahti.core.roles import Role
from somevahti.registry.actions.dormancy import (
    close_channel_step,
    decide_dormancy,
    sweep_dormancy,
)
from somevahti.registry.models import (
    AccessGrant,
    AccessTask,
    ActivityRecord,
    Channel,
    DormancyReview,
    FollowerSnapshot,
)
from somevahti.registry.tasks import daily_dormancy_sweep
from tests import factories as f

NOW = dt.datetime(2027, 3, 1, 10, 0, tzinfo=clock.HELSINKI)
OPENED = dt.date(2020, 1, 1)


def _channel(town: Town, name: str, **fields: Any) -> Channel:
    fields.setdefault("opened_on", OPENED)
    fields.setdefault("target_per_week", Decimal("2"))
    return f.channel(town.unit, town.users[Role.CHANNEL_OWNER], name=name, **fields)


def _posts(channel: Channel, count: int, days: int = 56, end: dt.datetime = NOW) -> None:
    """``count`` posts spread evenly over the ``days`` before ``end``."""
    step = dt.timedelta(days=days) / count
    ActivityRecord.objects.bulk_create(
        ActivityRecord(channel=channel, occurred_at=end - step * i - dt.timedelta(hours=1))
        for i in range(count)
    )


def _status(channel: Channel) -> str:
    channel.refresh_from_db()
    return channel.status


def _dormant_review(town: Town, name: str = "Hiljainen X") -> DormancyReview:
    channel = _channel(town, name, platform="x", last_activity_at=NOW - dt.timedelta(days=400))
    with clock.frozen(NOW):
        sweep_dormancy()
    return DormancyReview.objects.get(channel=channel)


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the daily check ------------------------------------------------------------


def test_sweep_compares_activity_with_the_target_rhythm(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    at_target = _channel(town, "Tahdissa")
    _posts(at_target, 16)
    exactly_half = _channel(town, "Puolet")
    _posts(exactly_half, 8)
    behind = _channel(town, "Jäljessä")
    _posts(behind, 7)
    idle = _channel(town, "Unohdettu", platform="x", last_activity_at=NOW - dt.timedelta(days=91))
    never = _channel(town, "Ei koskaan", opened_on=dt.date(2026, 11, 1))

    with clock.frozen(NOW), django_capture_on_commit_callbacks(execute=True):
        result = sweep_dormancy()

    assert _status(at_target) == "active"
    assert _status(exactly_half) == "active"
    assert _status(behind) == "under_maintained"
    assert _status(idle) == "dormant"
    assert _status(never) == "dormant"  # counted from opened_on: 120 days
    assert (result.to_under_maintained, result.to_dormant, result.reviews_opened) == (1, 2, 2)

    change = AuditEvent.objects.get(
        verb="channel.status_changed", target_id=str(behind.pk), target_type="registry.channel"
    )
    assert change.actor is None
    assert change.data["from"] == "active" and change.data["to"] == "under_maintained"
    assert change.data["posts"] == 7 and change.data["expected"] == "16.0"
    assert change.reason
    idle_change = AuditEvent.objects.get(verb="channel.status_changed", target_id=str(idle.pk))
    assert idle_change.data["idle_days"] == 91

    # Exactly one decision for the dormant channel; the unit director is told.
    review = DormancyReview.objects.get(channel=idle)
    assert review.status == "open" and review.opened_at == NOW
    director = town.users[Role.UNIT_DIRECTOR]
    note = Notification.objects.get(user=director, url__contains=f"/dormant/{review.pk}/")
    assert "Unohdettu" in note.text
    assert any(director.email in m.to and "Unohdettu" in m.body for m in mail.outbox)
    assert not Notification.objects.filter(user=town.users[Role.CONTENT_PRODUCER]).exists()
    assert AuditEvent.objects.filter(verb="dormancy.opened", target_id=str(review.pk)).exists()


def test_second_sweep_changes_nothing(town: Town) -> None:
    _posts(_channel(town, "Jäljessä"), 3)
    _channel(town, "Unohdettu", last_activity_at=NOW - dt.timedelta(days=200))
    with clock.frozen(NOW):
        sweep_dormancy()
        counts = (
            AuditEvent.objects.count(),
            Notification.objects.count(),
            DormancyReview.objects.count(),
        )
        again = sweep_dormancy()
    assert again.changed == 0 and again.reviews_opened == 0 and again.checked == 2
    after = (
        AuditEvent.objects.count(),
        Notification.objects.count(),
        DormancyReview.objects.count(),
    )
    assert after == counts


def test_thresholds_are_per_organisation(town: Town, other_town: Town) -> None:
    other_town.org.dormant_after_days = 30
    other_town.org.under_maintained_ratio = Decimal("0.25")
    other_town.org.save()
    here_idle = _channel(town, "Täällä", last_activity_at=NOW - dt.timedelta(days=40))
    there_idle = _channel(other_town, "Muualla", last_activity_at=NOW - dt.timedelta(days=40))
    here_few = _channel(town, "Harvoin täällä")
    _posts(here_few, 5)
    there_few = _channel(other_town, "Harvoin muualla")
    _posts(there_few, 5)

    with clock.frozen(NOW):
        sweep_dormancy()

    # 40 idle days: dormant where the limit is 30, not where it is the default 90.
    assert _status(there_idle) == "dormant"
    assert _status(here_idle) == "under_maintained"
    # 5 posts of the 16 expected: enough for a quarter, not for a half.
    assert _status(there_few) == "active"
    assert _status(here_few) == "under_maintained"


def test_revived_channel_gets_a_grace_period(town: Town) -> None:
    review = _dormant_review(town)
    channel = review.channel
    director = town.users[Role.UNIT_DIRECTOR]
    with clock.frozen(NOW + dt.timedelta(days=1)):
        decide_dormancy(
            director,
            review,
            "revive",
            "Kirjaston uusi tiimi ottaa tilin hoitoon.",
            responsibles=[town.users[Role.CONTENT_PRODUCER]],
            plan="Kaksi julkaisua viikossa: tiistaina vinkki, perjantaina kuva.",
        )
    # Three weeks at the planned rhythm: only the time since the revive counts,
    # so the empty weeks before it do not flag the channel.
    later = NOW + dt.timedelta(days=22)
    _posts(channel, 6, days=21, end=later)
    with clock.frozen(later):
        result = sweep_dormancy()
    assert _status(channel) == "active"
    assert result.changed == 0

    # Sixty quiet days after the revive: behind its rhythm, but not dormant again.
    quiet = NOW + dt.timedelta(days=82)
    with clock.frozen(quiet):
        sweep_dormancy()
    assert _status(channel) == "under_maintained"
    assert DormancyReview.objects.filter(channel=channel).count() == 1

    # Once the idle limit passes since the last post, it is dormant and a new decision opens.
    with clock.frozen(later + dt.timedelta(days=91)):
        sweep_dormancy()
    assert _status(channel) == "dormant"
    assert DormancyReview.objects.filter(channel=channel, status="open").count() == 1


def test_periodic_task_runs_the_sweep(town: Town) -> None:
    idle = _channel(town, "Unohdettu", last_activity_at=NOW - dt.timedelta(days=120))
    # Tests run tasks inline: calling the task enqueues it and runs it at once.
    with clock.frozen(NOW):
        daily_dormancy_sweep()
    assert _status(idle) == "dormant"
    assert DormancyReview.objects.filter(channel=idle, status="open").count() == 1
    # Scheduled daily at 02:15 UTC (04:15 in Helsinki in winter).
    task = daily_dormancy_sweep.task_class()
    assert task.validate_datetime(dt.datetime(2027, 1, 5, 2, 15))
    assert not task.validate_datetime(dt.datetime(2027, 1, 5, 3, 15))


def test_sweep_command_prints_counts(town: Town) -> None:
    from io import StringIO

    _channel(town, "Unohdettu", last_activity_at=NOW - dt.timedelta(days=120))
    out = StringIO()
    with clock.frozen(NOW):
        call_command("sweepdormancy", stdout=out)
    assert "1" in out.getvalue()
    assert Channel.objects.get(name="Unohdettu").status == "dormant"


# --- revive or close --------------------------------------------------------------


def test_only_the_unit_director_decides(town: Town, other_town: Town) -> None:
    review = _dormant_review(town)
    url = reverse("registry:dormancy_decide", args=[review.pk])
    data = {"decision": "close", "reason": "Ei tekijöitä."}
    for role in (Role.COMMUNICATIONS, Role.CHANNEL_OWNER, Role.IT, Role.CONTENT_PRODUCER):
        assert _login(town.users[role]).post(url, data).status_code == 403
    assert _login(other_town.users[Role.UNIT_DIRECTOR]).post(url, data).status_code == 404
    page = reverse("registry:dormancy_review", args=[review.pk])
    assert _login(other_town.users[Role.UNIT_DIRECTOR]).get(page).status_code == 404
    review.refresh_from_db()
    assert review.status == "open" and _status(review.channel) == "dormant"
    with pytest.raises(PermissionDenied):
        decide_dormancy(town.users[Role.COMMUNICATIONS], review, "close", "Ei tekijöitä.")


def test_revive_replaces_responsibles_and_a_second_decision_conflicts(town: Town) -> None:
    review = _dormant_review(town)
    director = town.users[Role.UNIT_DIRECTOR]
    client = _login(director)
    url = reverse("registry:dormancy_decide", args=[review.pk])
    page = client.get(reverse("registry:dormancy_review", args=[review.pk]))
    assert page.status_code == 200 and b'id="figures"' in page.content

    # Reviving needs people and a plan: nothing changes without them.
    response = client.post(url, {"decision": "revive", "reason": "Tarvitaan."})
    assert response.status_code == 200 and b"error-summary" in response.content
    review.refresh_from_db()
    assert review.status == "open"
    with pytest.raises(ValidationError) as exc:
        decide_dormancy(director, review, "revive", "", responsibles=[])
    assert {"reason", "responsibles", "plan"} <= set(exc.value.message_dict)

    producer = town.users[Role.CONTENT_PRODUCER]
    with clock.frozen(NOW + dt.timedelta(days=1)):
        response = client.post(
            url,
            {
                "decision": "revive",
                "reason": "Nuorisotyö tarvitsee kanavan.",
                "responsibles": [producer.pk],
                "plan": "Viikoittain kaksi julkaisua.",
            },
        )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "revived" and review.decided_by == director
    assert review.revive_plan == "Viikoittain kaksi julkaisua."
    assert _status(review.channel) == "active"
    assert list(review.channel.responsibles.all()) == [producer]
    assert AuditEvent.objects.filter(verb="dormancy.revived", target_id=str(review.pk)).exists()

    again = client.post(url, {"decision": "close", "reason": "Sittenkin kiinni."})
    assert again.status_code == 409
    review.refresh_from_db()
    assert review.status == "revived"


def _grant(channel: Channel, holder: User, it: User) -> AccessGrant:
    return AccessGrant.objects.create(
        organisation_id=channel.organisation_id,
        channel=channel,
        holder=holder,
        kind="admin",
        method="Sivun ylläpitäjän rooli",
        granted_on=dt.date(2020, 1, 2),
        recorded_by=it,
    )


def test_closing_checklist_in_order_ends_closed(
    town: Town, other_town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    review = _dormant_review(town)
    channel = review.channel
    it, owner = town.users[Role.IT], town.users[Role.CHANNEL_OWNER]
    _grant(channel, owner, it)
    _grant(channel, it, it)
    FollowerSnapshot.objects.create(channel=channel, date=dt.date(2024, 1, 1), count=321)
    successor = _channel(town, "Kaupungin pääkanava")
    foreign = _channel(other_town, "Vieras kanava")
    director = _login(town.users[Role.UNIT_DIRECTOR])

    def step(client: Client, name: str, **data: Any) -> Any:
        return client.post(reverse("registry:dormancy_step", args=[review.pk, name]), data)

    # Steps wait for the decision to close.
    with pytest.raises(ValidationError):
        close_channel_step(town.users[Role.UNIT_DIRECTOR], review, "farewell")
    response = director.post(
        reverse("registry:dormancy_decide", args=[review.pk]),
        {"decision": "close", "reason": "Tiliä ei ole päivitetty vuosiin."},
    )
    assert response.status_code == 302
    assert _status(channel) == "closing"

    # Out of order: the archive before the farewell post, closing before anything.
    assert b"step-errors" in step(director, "archive").content
    assert b"step-errors" in step(director, "close").content
    review.refresh_from_db()
    assert review.archive_done_at is None

    # The successor must be a channel of the same organisation.
    bad = step(director, "farewell", farewell_url="https://x.example/hei", successor=foreign.pk)
    assert bad.status_code == 200
    review.refresh_from_db()
    assert review.farewell_done_at is None
    with pytest.raises(ValidationError) as exc:
        close_channel_step(
            town.users[Role.UNIT_DIRECTOR], review, "farewell", farewell_url="https://x.example/hei",
            successor=foreign,
        )  # fmt: skip
    assert "successor" in exc.value.message_dict

    # The channel owner may do the farewell and the archive, not revoke or close.
    owner_client = _login(owner)
    ok = step(
        owner_client, "farewell", farewell_url="https://x.example/hei", successor=successor.pk
    )
    assert ok.status_code == 302
    archive = owner_client.get(reverse("registry:dormancy_archive", args=[review.pk]))
    assert archive.status_code == 200 and archive["Content-Disposition"].startswith("attachment")
    body = json.loads(archive.content)
    assert body["channel"]["name"] == "Hiljainen X"
    assert body["followers"] == [{"date": "2024-01-01", "count": 321}]
    assert {a["holder"] for a in body["access"]} == {str(owner), str(it)}
    assert any(e["verb"] == "dormancy.closing" for e in body["history"])
    assert step(owner_client, "archive").status_code == 302
    assert step(owner_client, "revoke").status_code == 403
    assert step(owner_client, "close").status_code == 403

    # Revoking opens one IT task per holder and tells IT; closing waits for IT.
    with django_capture_on_commit_callbacks(execute=True):
        assert step(director, "revoke").status_code == 302
    tasks = AccessTask.objects.filter(channel=channel, kind="revoke", status="open")
    assert {t.subject_id for t in tasks} == {owner.pk, it.pk}
    assert Notification.objects.filter(user=it, text__contains="Hiljainen X").exists()
    step(director, "revoke")  # asking again opens no duplicates
    assert tasks.count() == 2
    assert b"step-errors" in step(director, "close").content
    assert _status(channel) == "closing"

    # IT revokes the access (through its own pages); then the channel can close.
    AccessGrant.objects.filter(channel=channel).update(revoked_on=dt.date(2027, 3, 2))
    with clock.frozen(NOW + dt.timedelta(days=2)):
        assert step(director, "close").status_code == 302
    channel.refresh_from_db()
    review.refresh_from_db()
    assert channel.status == "closed" and channel.closed_on == dt.date(2027, 3, 3)
    assert review.status == "closed" and review.successor == successor
    steps_done = [
        e.data["step"]
        for e in AuditEvent.objects.filter(verb="dormancy.step_done", target_id=str(review.pk))
    ]
    assert sorted(steps_done) == ["archive", "close", "farewell", "revoke", "revoke"]
    assert AuditEvent.objects.filter(verb="channel.closed", target_id=str(channel.pk)).exists()

    # A closed channel's checklist is over.
    assert step(director, "close").status_code == 409
    page = director.get(reverse("registry:dormancy_review", args=[review.pk]))
    assert page.content.count(b'data-state="done"') == 4


def test_dormancy_list_shows_figures_in_fixed_queries(
    town: Town, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        c = _channel(town, f"Hiljainen {i}", last_activity_at=NOW - dt.timedelta(days=100 + i))
        c.responsibles.add(town.users[Role.CONTENT_PRODUCER])
        _channel(town, f"Hyvä {i}", last_activity_at=NOW, target_per_week=Decimal("0"))
    behind = _channel(town, "Jäljessä")
    _posts(behind, 2)
    with clock.frozen(NOW):
        sweep_dormancy()
        client = _login(town.users[Role.COMMUNICATIONS])
        with django_assert_max_num_queries(13):
            response = client.get(reverse("registry:dormancy_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hiljainen 14" in html and "Jäljessä" in html
    assert html.count('class="status status-dormant"') == 15
    assert (
        _login(town.users[Role.ELECTED_OFFICIAL]).get(reverse("registry:dormancy_list")).status_code
        == 403
    )
