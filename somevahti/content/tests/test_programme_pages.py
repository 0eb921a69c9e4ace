"""Programme, rota and empty-slots pages and the weekly-slots and rota API: permissions (403),
isolation between organisations (404), what is shown, and query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import Town
from somevahti.content.models.programme import Absence, RotaEntry, RotaMember, WeeklySlot
from somevahti.content.programme_actions import generate_rota
from somevahti.content.tests.builders import channel, draft
from somevahti.content.tests.programme_builders import NOV_29, editor, people, slot
from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.roles import Role

D = dt.date


@pytest.fixture(autouse=True)
def frozen_clock() -> Any:
    with clock.frozen(NOV_29) as now:
        yield now


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def slot_post(ch_pk: int, **extra: Any) -> dict[str, Any]:
    return {
        "form": "slot",
        "theme": "Keskiviikon kasvo",
        "weekday": "2",
        "time": "12:30",
        "channels": [ch_pk],
        "holiday_policy": "move_to_next_working_day",
        "active": "on",
        **extra,
    }


def test_channel_owner_adds_a_slot_on_the_programme_page(town: Town) -> None:
    ch = channel(town)
    owner = town.users[Role.CHANNEL_OWNER]
    url = reverse("content:programme_unit", args=[town.unit.pk])
    page = web(owner).get(url)
    assert page.status_code == 200 and 'id="slot-form"' in page.content.decode()
    response = web(owner).post(url, slot_post(ch.pk))
    assert response.status_code == 302
    s = WeeklySlot.objects.get()
    assert (s.unit, s.weekday, s.time, s.holiday_policy) == (
        town.unit,
        2,
        dt.time(12, 30),
        WeeklySlot.HolidayPolicy.MOVE,
    )
    assert list(s.channels.all()) == [ch]
    assert "Keskiviikon kasvo" in web(owner).get(url).content.decode()


def test_bad_slot_input_shows_field_errors_and_saves_nothing(town: Town) -> None:
    url = reverse("content:programme_unit", args=[town.unit.pk])
    response = web(editor(town)).post(url, slot_post(0, theme="", time="25:99", channels=[]))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in html and 'href="#id_theme"' in html
    assert 'href="#id_time"' in html and not WeeklySlot.objects.exists()


def test_content_producer_sees_the_programme_but_cannot_edit_slots(town: Town) -> None:
    s = slot(town)
    producer = town.users[Role.CONTENT_PRODUCER]
    page = web(producer).get(reverse("content:programme_unit", args=[town.unit.pk]))
    assert page.status_code == 200
    assert 'id="slot-form"' not in page.content.decode() and s.theme in page.content.decode()
    post = web(producer).post(
        reverse("content:programme_unit", args=[town.unit.pk]), slot_post(s.channels.get().pk)
    )
    assert post.status_code == 403
    edit = web(producer).post(
        reverse("content:slot_edit", args=[s.pk]), slot_post(s.channels.get().pk, theme="Uusi")
    )
    assert edit.status_code == 403
    patch = api(producer).patch(f"/api/v1/weekly-slots/{s.pk}/", {"theme": "Uusi"}, format="json")
    assert patch.status_code == 403
    assert WeeklySlot.objects.get().theme == s.theme and WeeklySlot.objects.count() == 1


def test_another_organisations_programme_is_not_found(town: Town, other_town: Town) -> None:
    s = slot(town)
    people(town, "aino")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 12))
    entry = RotaEntry.objects.first()
    assert entry is not None
    stranger = other_town.users[Role.ORG_ADMIN]
    client = web(stranger)
    for url in (
        reverse("content:programme_unit", args=[town.unit.pk]),
        reverse("content:slot_edit", args=[s.pk]),
        reverse("content:rota", args=[town.unit.pk]),
        reverse("content:empty_slots") + f"?unit={town.unit.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("content:rota_act", args=[town.unit.pk, "generate"])).status_code == 404
    )
    rest = api(stranger)
    assert rest.get(f"/api/v1/weekly-slots/{s.pk}/").status_code == 404
    assert rest.get(f"/api/v1/rota/{entry.pk}/").status_code == 404
    assert rest.get("/api/v1/weekly-slots/").json()["results"] == []
    assert rest.get("/api/v1/rota/").json()["results"] == []
    assert (
        rest.patch(f"/api/v1/weekly-slots/{s.pk}/", {"theme": "x"}, format="json").status_code
        == 404
    )


def test_rota_page_shows_whose_turn_and_the_holiday(town: Town) -> None:
    slot(town, 0)
    slot(town, 4, theme="Perjantaivideo")
    people(town, "aino", "bertta")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 12))
    page = web(town.users[Role.CONTENT_PRODUCER]).get(reverse("content:rota", args=[town.unit.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-responsible="{town.org.slug}-aino"' in html
    assert f'data-responsible="{town.org.slug}-bertta"' in html
    assert "status-skipped" in html  # Independence Day
    assert 'id="swap-form"' in html and 'id="generate-form"' not in html


def test_rota_forms_generate_members_swap_and_absence(
    town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    fri = slot(town, 4)
    aino = people(town, "aino")[0]
    bertta = people(town, "bertta", "cecilia")[0]  # replaces the rotation with two people
    client = web(editor(town))
    act = lambda verb: reverse("content:rota_act", args=[town.unit.pk, verb])  # noqa: E731
    response = client.post(act("members"), {f"turn_{aino.pk}": "1", f"turn_{bertta.pk}": "2"})
    assert response.status_code == 302
    assert list(RotaMember.objects.filter(unit=town.unit).values_list("user", flat=True)) == [
        aino.pk,
        bertta.pk,
    ]
    response = client.post(
        act("generate"), {"generate-start": "2027-11-29", "generate-end": "2027-12-12"}
    )
    assert response.status_code == 302
    first, second = RotaEntry.objects.filter(slot=fri).order_by("date")
    assert (first.responsible, second.responsible) == (aino, bertta)
    with django_capture_on_commit_callbacks(execute=True):
        response = web(aino).post(act("swap"), {"swap-entry": first.pk, "swap-other": second.pk})
    assert response.status_code == 302
    assert RotaEntry.objects.get(pk=first.pk).responsible == bertta
    response = web(aino).post(
        act("absence"),
        {"absence-user": aino.pk, "absence-start": "2027-12-06", "absence-end": "2027-12-12"},
    )
    assert response.status_code == 302 and Absence.objects.get().user == aino
    # A past start is a field error, not a rota.
    bad = client.post(
        act("generate"), {"generate-start": "2027-11-01", "generate-end": "2027-11-05"}
    )
    assert bad.status_code == 400 and 'href="#id_generate-start"' in bad.content.decode()
    # A producer cannot make the rota.
    denied = web(town.users[Role.CONTENT_PRODUCER]).post(
        act("generate"), {"generate-start": "2027-12-13", "generate-end": "2027-12-20"}
    )
    assert denied.status_code == 403


def test_empty_slots_lists_only_slots_without_a_post(
    town: Town, django_assert_max_num_queries: Any
) -> None:
    mon = slot(town, 0, theme="Maanantain kirjavinkki")
    fri = slot(town, 4, theme="Perjantaivideo")
    people(town, "aino")
    generate_rota(editor(town), town.unit, D(2027, 11, 29), D(2027, 12, 5))
    post = draft(town, mon.channels.get())
    type(post).objects.filter(pk=post.pk).update(
        scheduled_at=dt.datetime(2027, 11, 29, 9, 0, tzinfo=dt.UTC)
    )
    for n in range(10):
        slot(town, n % 5, theme=f"Lisä {n}")
    client = web(town.users[Role.CONTENT_PRODUCER])
    url = reverse("content:empty_slots") + f"?unit={town.sector.pk}"
    with django_assert_max_num_queries(14):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-slot="{fri.pk}" data-date="2027-12-03"' in html
    assert f'data-slot="{mon.pk}"' not in html
    other = client.get(reverse("content:empty_slots") + f"?unit={town.other_sector.pk}")
    assert f'data-slot="{fri.pk}"' not in other.content.decode()


def test_api_creates_lists_and_generates(town: Town, django_assert_max_num_queries: Any) -> None:
    ch = channel(town)
    owner = api(town.users[Role.CHANNEL_OWNER])
    data = {
        "unit": town.unit.pk,
        "weekday": 4,
        "time": "14:00",
        "theme": "Video",
        "channels": [ch.pk],
    }
    created = owner.post("/api/v1/weekly-slots/", data, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["time"] == "14:00" and created.json()["holiday_policy"] == "skip"
    bad = owner.post("/api/v1/weekly-slots/", {**data, "theme": "", "weekday": 9}, format="json")
    assert bad.status_code == 400 and {"theme", "weekday"} <= set(bad.json())
    for n in range(5):
        slot(town, n, theme=f"Lisä {n}", channels=[ch])
    with django_assert_max_num_queries(8):
        assert len(owner.get("/api/v1/weekly-slots/").json()["results"]) == 6
    users = people(town, "aino", "bertta")
    members = owner.post(
        "/api/v1/rota/members/",
        {"unit": town.unit.pk, "users": [users[1].pk, users[0].pk]},
        format="json",
    )
    assert members.json() == {"users": [users[1].pk, users[0].pk]}
    made = owner.post(
        "/api/v1/rota/generate/",
        {"unit": town.unit.pk, "start": "2027-11-29", "end": "2027-12-12"},
        format="json",
    )
    assert made.status_code == 200 and made.json()["entries"] == RotaEntry.objects.count()
    with django_assert_max_num_queries(8):
        listing = owner.get("/api/v1/rota/", {"unit": town.sector.pk, "to": "2027-12-05"})
    rows = listing.json()["results"]
    assert {r["responsible"]["username"] for r in rows} == {users[1].username}
    friday = next(r for r in rows if r["date"] == "2027-12-03" and r["theme"] == "Video")
    assert friday["at"] == "2027-12-03T12:00:00Z"
    later = RotaEntry.objects.filter(date__gte=D(2027, 12, 6)).exclude(responsible=None).first()
    assert later is not None
    swapped = owner.post(f"/api/v1/rota/{friday['id']}/swap/", {"other": later.pk}, format="json")
    assert swapped.status_code == 200
    assert RotaEntry.objects.get(pk=friday["id"]).responsible == later.responsible
    assigned = owner.patch(
        f"/api/v1/rota/{friday['id']}/", {"responsible": users[1].pk}, format="json"
    )
    assert assigned.status_code == 200 and assigned.json()["source"] == "manual"
    away = owner.post(
        "/api/v1/rota/absences/",
        {"user": users[0].pk, "start": "2027-12-06", "end": "2027-12-12"},
        format="json",
    )
    assert away.status_code == 201
    producer = api(town.users[Role.CONTENT_PRODUCER])
    denied = producer.post(
        "/api/v1/rota/generate/",
        {"unit": town.unit.pk, "start": "2027-11-29", "end": "2027-12-12"},
        format="json",
    )
    assert denied.status_code == 403
