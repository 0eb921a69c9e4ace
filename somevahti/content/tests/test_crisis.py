"""Crisis mode: pause in scope only, banner, 403 for others, delegates, approval, resume."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import actions, crisis
from somevahti.content.models import CrisisDelegate, CrisisMode, CrisisPause, Post
from somevahti.content.tests.builders import FUTURE, approved, channel, draft, fresh, in_review
from somevahti.core import clock
from somevahti.core.models import Notification, User
from somevahti.core.roles import Role
from tests import factories as f

S = Post.State
NOW = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)
LATER = FUTURE + dt.timedelta(days=2)


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def scheduled(town: Town, at: dt.datetime = FUTURE, **kw: Any) -> Post:
    post = approved(town, channel(town), **kw)
    with clock.frozen(NOW):
        return actions.schedule(town.users[Role.CHANNEL_OWNER], post, at)


def scheduled_elsewhere(town: Town) -> Post:
    """A scheduled post in the other sector, outside the sector's crisis."""
    owner = f.user(town.org, (Role.CHANNEL_OWNER, town.other_sector))
    producer = f.user(town.org, (Role.CONTENT_PRODUCER, town.other_sector))
    ch = f.channel(town.other_sector, owner)
    post = actions.create_post(
        producer,
        town.other_sector,
        {"title": "Katutyöt", "body": "Katu on kiinni.", "channels": [ch]},
    )
    actions.submit_for_review(producer, post)
    actions.approve(owner, post)
    with clock.frozen(NOW):
        return actions.schedule(owner, post, FUTURE)


def start(town: Town, unit: Any = None, who: User | None = None) -> CrisisMode:
    with clock.frozen(NOW):
        return crisis.start(who or town.users[Role.CITY_MANAGER], unit or town.sector, "Vesikatko")


def test_city_manager_pauses_scheduled_posts_in_scope_only(town: Town) -> None:
    inside = scheduled(town)
    outside = scheduled_elsewhere(town)
    Notification.objects.all().delete()
    manager = town.users[Role.CITY_MANAGER]
    with clock.frozen(NOW):
        response = web(manager).post(
            reverse("content:crisis_start"), {"unit": town.sector.pk, "reason": "Vesikatko"}
        )
    item = CrisisMode.objects.get()
    assert response.status_code == 302
    assert (item.unit, item.started_by, item.ended_at) == (town.sector, manager, None)
    inside, outside = fresh(inside), fresh(outside)
    assert (inside.state, inside.scheduled_at) == (S.APPROVED, None)
    assert (outside.state, outside.scheduled_at) == (S.SCHEDULED, FUTURE)
    pause = CrisisPause.objects.get()
    assert (pause.post, pause.previous_scheduled_at) == (inside, FUTURE)
    assert crisis.is_paused(inside) and not crisis.is_paused(outside)
    told = set(Notification.objects.values_list("user", flat=True))
    expected = {town.users[Role.COMMUNICATIONS].pk, town.users[Role.UNIT_DIRECTOR].pk}
    assert expected | {inside.author_id} == told
    assert AuditEvent.objects.filter(verb="crisis.started", reason="Vesikatko").count() == 1
    assert AuditEvent.objects.filter(verb="post.crisis_paused", target_id=str(inside.pk)).exists()


def test_banner_shows_on_every_page_while_on(town: Town) -> None:
    producer = web(town.users[Role.CONTENT_PRODUCER])
    assert 'id="crisis-banner"' not in producer.get(reverse("core:dashboard")).content.decode()
    item = start(town)
    for url in (
        reverse("core:dashboard"),
        reverse("content:post_list"),
        reverse("content:tip_mine"),
    ):
        page = producer.get(url).content.decode()
        assert 'id="crisis-banner"' in page and f'data-crisis="{item.pk}"' in page
    with clock.frozen(NOW):
        crisis.end(town.users[Role.CITY_MANAGER], item)
    assert 'id="crisis-banner"' not in producer.get(reverse("core:dashboard")).content.decode()


@pytest.mark.parametrize(
    "role", [Role.COMMUNICATIONS, Role.UNIT_DIRECTOR, Role.ORG_ADMIN, Role.CHANNEL_OWNER]
)
def test_anyone_but_the_crisis_owner_gets_403(town: Town, role: str) -> None:
    post = scheduled(town)
    user = town.users[role]
    response = web(user).post(
        reverse("content:crisis_start"), {"unit": town.sector.pk, "reason": "Ei"}
    )
    assert response.status_code == 403
    assert (
        api(user).post("/api/v1/crisis/", {"unit": town.sector.pk, "reason": "Ei"}).status_code
        == 403
    )
    assert not CrisisMode.objects.exists() and fresh(post).state == S.SCHEDULED
    item = start(town)
    assert web(user).post(reverse("content:crisis_end", args=[item.pk])).status_code == 403
    assert api(user).post(f"/api/v1/crisis/{item.pk}/end/").status_code == 403
    assert fresh_crisis(item).ended_at is None


def fresh_crisis(item: CrisisMode) -> CrisisMode:
    return CrisisMode.objects.get(pk=item.pk)


def test_a_delegate_can_switch_within_their_scope(town: Town) -> None:
    manager = town.users[Role.CITY_MANAGER]
    comms = town.users[Role.COMMUNICATIONS]
    r = web(manager).post(
        reverse("content:crisis_delegate_add"), {"user": comms.pk, "unit": town.sector.pk}
    )
    assert r.status_code == 302
    delegation = CrisisDelegate.objects.get()
    assert (delegation.user, delegation.delegated_by) == (comms, manager)
    # Delegates cannot delegate further.
    with pytest.raises(PermissionDenied):
        crisis.add_delegate(comms, town.users[Role.IT], town.unit)
    with pytest.raises(PermissionDenied):
        start(town, town.other_sector, who=comms)
    item = start(town, town.unit, who=comms)
    assert item.started_by == comms
    with clock.frozen(NOW):
        crisis.end(comms, item)
        crisis.revoke_delegate(manager, delegation)
    with pytest.raises(PermissionDenied):
        start(town, town.unit, who=comms)
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"crisis.delegate_added", "crisis.delegate_revoked", "crisis.ended"} <= verbs


def test_new_posts_in_scope_need_the_crisis_owners_approval(town: Town) -> None:
    ch = channel(town)
    waiting = in_review(town, ch)
    before = approved(town, ch)
    start(town)
    comms = town.users[Role.COMMUNICATIONS]
    manager = town.users[Role.CITY_MANAGER]
    with pytest.raises(PermissionDenied):
        actions.approve(comms, waiting)
    page = web(manager).get(reverse("content:crisis_list")).content.decode()
    assert f'data-post="{waiting.pk}"' in page and f'data-post="{before.pk}"' in page
    r = web(manager).post(reverse("content:crisis_approve", args=[waiting.pk]))
    assert r.status_code == 302 and fresh(waiting).state == S.APPROVED
    owner = town.users[Role.CHANNEL_OWNER]
    with clock.frozen(NOW):
        actions.schedule(owner, fresh(waiting), FUTURE)
        # Approved before the crisis: scheduling waits for the crisis owner.
        with pytest.raises(ValidationError) as exc:
            actions.schedule(owner, fresh(before), FUTURE)
        assert "scheduled_at" in exc.value.message_dict
        crisis.crisis_approve(manager, fresh(before))
        actions.schedule(owner, fresh(before), FUTURE)
    assert fresh(before).state == S.SCHEDULED
    assert AuditEvent.objects.filter(verb="post.crisis_approved").count() == 2
    assert crisis.needs_crisis_approval(draft(town, ch))
    # Outside the crisis scope the normal reviewers approve.
    assert crisis.crisis_for(town.other_sector) is None


def test_off_lists_paused_posts_and_resume_and_cancel_work(town: Town) -> None:
    keep = scheduled(town, FUTURE)
    drop = scheduled(town, LATER)
    late = scheduled(town, NOW + dt.timedelta(hours=2))
    item = start(town)
    manager = town.users[Role.CITY_MANAGER]
    pause = {p.post_id: p for p in CrisisPause.objects.all()}
    with clock.frozen(NOW):
        early = web(manager).post(
            reverse("content:crisis_pause", args=[item.pk, pause[keep.pk].pk, "resume"])
        )
    assert early.status_code == 409 and fresh(keep).state == S.APPROVED
    with clock.frozen(NOW):
        assert web(manager).post(reverse("content:crisis_end", args=[item.pk])).status_code == 302
    page = web(manager).get(reverse("content:crisis_detail", args=[item.pk])).content.decode()
    for post in (keep, drop, late):
        assert f'data-post="{post.pk}"' in page
    with clock.frozen(NOW + dt.timedelta(hours=3)):
        client = web(manager)
        r = client.post(
            reverse("content:crisis_pause", args=[item.pk, pause[keep.pk].pk, "resume"])
        )
        assert r.status_code == 302
        r = client.post(
            reverse("content:crisis_pause", args=[item.pk, pause[drop.pk].pk, "cancel"])
        )
        assert r.status_code == 302
        # Its time has passed: resume asks for a new one, nothing changes.
        r = client.post(
            reverse("content:crisis_pause", args=[item.pk, pause[late.pk].pk, "resume"])
        )
        assert r.status_code == 400 and fresh(late).state == S.APPROVED
        r = client.post(
            reverse("content:crisis_pause", args=[item.pk, pause[late.pk].pk, "reschedule"]),
            {"scheduled_at": "2030-03-10T12:00"},
        )
        assert r.status_code == 302
    assert (fresh(keep).state, fresh(keep).scheduled_at) == (S.SCHEDULED, FUTURE)
    assert fresh(drop).state == S.CANCELLED
    late_at = fresh(late).scheduled_at
    assert fresh(late).state == S.SCHEDULED and late_at is not None
    assert late_at.astimezone(clock.HELSINKI).hour == 12
    resolutions = dict(CrisisPause.objects.values_list("post_id", "resolution"))
    assert resolutions == {keep.pk: "resumed", drop.pk: "cancelled", late.pk: "rescheduled"}
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    for verb in (
        "crisis.ended",
        "post.crisis_resumed",
        "post.crisis_cancelled",
        "post.crisis_rescheduled",
    ):
        assert verb in verbs
    again = web(manager).post(
        reverse("content:crisis_pause", args=[item.pk, pause[keep.pk].pk, "cancel"])
    )
    assert again.status_code == 409


def test_all_together_through_the_api(town: Town) -> None:
    first = scheduled(town, FUTURE)
    gone = scheduled(town, NOW + dt.timedelta(hours=1))
    manager = api(town.users[Role.CITY_MANAGER])
    with clock.frozen(NOW):
        r = manager.post(
            "/api/v1/crisis/", {"unit": town.root.pk, "reason": "Myrsky"}, format="json"
        )
        assert r.status_code == 201
        crisis_id = r.json()["id"]
        assert manager.post(f"/api/v1/crisis/{crisis_id}/end/").status_code == 200
    paused = manager.get(f"/api/v1/crisis/{crisis_id}/paused/").json()
    assert {p["post"] for p in paused} == {first.pk, gone.pk}
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        r = manager.post(
            f"/api/v1/crisis/{crisis_id}/resolve/", {"action": "resume"}, format="json"
        )
    assert r.status_code == 200 and r.json() == {"done": [first.pk], "left": [gone.pk]}
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        r = manager.post(
            f"/api/v1/crisis/{crisis_id}/resolve/", {"action": "cancel"}, format="json"
        )
    assert r.json() == {"done": [gone.pk], "left": []}
    assert (fresh(first).state, fresh(gone).state) == (S.SCHEDULED, S.CANCELLED)
    comms = api(town.users[Role.COMMUNICATIONS])
    assert comms.get(f"/api/v1/crisis/{crisis_id}/paused/").status_code == 403


def test_other_organisation_gets_404(town: Town, other_town: Town) -> None:
    scheduled(town)
    item = start(town)
    stranger = other_town.users[Role.CITY_MANAGER]
    assert web(stranger).get(reverse("content:crisis_detail", args=[item.pk])).status_code == 404
    assert web(stranger).post(reverse("content:crisis_end", args=[item.pk])).status_code == 404
    assert api(stranger).get(f"/api/v1/crisis/{item.pk}/").status_code == 404
    assert api(stranger).get("/api/v1/crisis/").json()["results"] == []
    # Their pages show no banner for another town's crisis.
    assert 'id="crisis-banner"' not in web(stranger).get(reverse("core:dashboard")).content.decode()
    with pytest.raises(PermissionDenied):
        crisis.start(stranger, town.unit, "Ei")
    assert fresh_crisis(item).ended_at is None


def test_second_crisis_over_the_same_scope_is_a_conflict(town: Town) -> None:
    start(town, town.root)
    r = web(town.users[Role.CITY_MANAGER]).post(
        reverse("content:crisis_start"), {"unit": town.unit.pk, "reason": "Toinen"}
    )
    assert r.status_code == 409 and CrisisMode.objects.count() == 1


def test_crisis_pages_have_a_fixed_number_of_queries(
    town: Town, django_assert_max_num_queries: Any
) -> None:
    ch = channel(town)
    for _ in range(6):
        in_review(town, ch)
        scheduled(town)
    item = start(town)
    client = web(town.users[Role.CITY_MANAGER])
    with django_assert_max_num_queries(22):
        listing = client.get(reverse("content:crisis_list"))
    assert listing.content.decode().count("data-post=") == 12
    with clock.frozen(NOW):
        crisis.end(town.users[Role.CITY_MANAGER], item)
    with django_assert_max_num_queries(16):
        detail = client.get(reverse("content:crisis_detail", args=[item.pk]))
    assert detail.content.decode().count("data-pause=") == 6
