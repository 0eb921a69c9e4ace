import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.roles import Role
from somevahti.registry.actions.channels import record_activity, record_followers, update_channel
from somevahti.registry.models import AccessGrant, Channel, FollowerSnapshot
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("registry:channel_list")
EXPORT = reverse("registry:channel_export")
NOON = dt.datetime(2025, 3, 10, 10, 0, tzinfo=dt.UTC)


def names(response):
    return [c.name for c in response.context["page"].object_list]


@pytest.fixture
def channels(town):
    owner = town.users[Role.CHANNEL_OWNER]
    producer = town.users[Role.CONTENT_PRODUCER]
    youth = f.audience(town.org, "Nuoret")
    a = f.channel(
        town.subunit,
        owner,
        name="Satutunti",
        platform="instagram",
        handle="@satutunti",
        followers=900,
        last_activity_at=NOON,
    )
    a.audiences.set([youth])
    b = f.channel(
        town.unit,
        producer,
        name="Kirjasto",
        platform="facebook",
        url="https://fb.example/kirjasto",
        followers=2500,
        status="dormant",
    )
    c = f.channel(
        town.other_sector,
        owner,
        name="Katutyöt",
        platform="x",
        followers=50,
        last_activity_at=NOON - dt.timedelta(days=400),
    )
    return {"a": a, "b": b, "c": c, "youth": youth}


def test_unit_filter_includes_the_whole_subtree(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    assert names(client.get(LIST, {"unit": town.sector.pk})) == ["Kirjasto", "Satutunti"]
    assert names(client.get(LIST, {"unit": town.subunit.pk})) == ["Satutunti"]
    assert names(client.get(LIST, {"unit": town.other_sector.pk})) == ["Katutyöt"]
    assert names(client.get(LIST)) == ["Katutyöt", "Kirjasto", "Satutunti"]


def test_filters_by_platform_status_audience_and_responsible(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    assert names(client.get(LIST, {"platform": "x"})) == ["Katutyöt"]
    assert names(client.get(LIST, {"status": "dormant"})) == ["Kirjasto"]
    assert names(client.get(LIST, {"audience": channels["youth"].pk})) == ["Satutunti"]
    owner = town.users[Role.CHANNEL_OWNER]
    assert names(client.get(LIST, {"responsible": owner.pk})) == ["Katutyöt", "Satutunti"]
    assert names(client.get(LIST, {"platform": "instagram", "status": "dormant"})) == []


def test_search_matches_name_handle_and_address(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    assert names(client.get(LIST, {"q": "katu"})) == ["Katutyöt"]
    assert names(client.get(LIST, {"q": "@satu"})) == ["Satutunti"]
    assert names(client.get(LIST, {"q": "fb.example"})) == ["Kirjasto"]


def test_sorting_by_columns_with_aria_sort(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.get(LIST, {"sort": "-followers"})
    assert names(response) == ["Kirjasto", "Satutunti", "Katutyöt"]
    assert 'aria-sort="descending"' in response.content.decode()
    assert names(client.get(LIST, {"sort": "followers"})) == ["Katutyöt", "Satutunti", "Kirjasto"]
    # Channels with no recorded activity sort last in both directions.
    assert names(client.get(LIST, {"sort": "-last_activity"})) == [
        "Satutunti",
        "Katutyöt",
        "Kirjasto",
    ]
    assert names(client.get(LIST, {"sort": "last_activity"})) == [
        "Katutyöt",
        "Satutunti",
        "Kirjasto",
    ]
    assert names(client.get(LIST, {"sort": "platform"})) == ["Kirjasto", "Satutunti", "Katutyöt"]
    html = client.get(LIST, {"sort": "name", "platform": "x"}).content.decode()
    assert 'aria-sort="ascending"' in html
    # The header link reverses the order and keeps the filters.
    assert "?sort=-name&amp;platform=x" in html


def test_status_is_shown_as_text(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    html = client.get(LIST, {"status": "dormant"}).content.decode()
    assert 'class="status status-dormant">Dormant<' in html or "status-dormant" in html
    assert str(Channel(status="dormant").get_status_display()) in html


def test_pagination_fifty_per_page(client, town):
    owner = town.users[Role.CHANNEL_OWNER]
    for i in range(55):
        f.channel(town.unit, owner, name=f"Kanava {i:02d}")
    client.force_login(owner)
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 50
    second = client.get(LIST, {"page": 2})
    assert names(second) == [f"Kanava {i:02d}" for i in range(50, 55)]


def test_htmx_request_gets_only_the_results(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.get(LIST, {"q": "katu"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert "Katutyöt" in html
    assert "<html" not in html


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_csv_export_has_exactly_the_filtered_sorted_rows(client, town, channels):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.get(EXPORT, {"unit": town.sector.pk, "sort": "-followers"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:4] == ["yksikkö", "alusta", "nimi", "tunnus"]
    assert "vastuuhenkilöt" in rows[0] and "seuraajat" in rows[0]
    assert [r[2] for r in rows[1:]] == ["Kirjasto", "Satutunti"]
    header = rows[0]
    satu = dict(zip(header, rows[2], strict=True))
    assert satu["yksikkö"] == "Sivistystoimi / Kirjasto / Lastenkirjasto"
    assert satu["alusta"] == "Instagram"
    assert satu["tunnus"] == "'@satutunti"  # a leading @ would run as a formula in Excel
    assert satu["vastuuhenkilöt"] == town.users[Role.CHANNEL_OWNER].username
    assert satu["kohderyhmät"] == "Nuoret"
    assert satu["seuraajat"] == "900"
    assert satu["tila"] == "aktiivinen"
    assert satu["viimeisin_toiminta"] == "10.3.2025 12:00"  # Helsinki time
    assert satu["tavoite_viikossa"] == "2,0"


def test_other_organisations_channels_are_never_listed_or_shown(client, town, other_town, channels):
    foreign = f.channel(other_town.unit, other_town.users[Role.CHANNEL_OWNER], name="Vieras")
    client.force_login(town.users[Role.ORG_ADMIN])
    assert "Vieras" not in names(client.get(LIST))
    assert "Vieras" not in client.get(EXPORT).content.decode()
    assert client.get(reverse("registry:channel_detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("registry:channel_edit", args=[foreign.pk])).status_code == 404
    # A unit id of the other organisation is not a valid filter either.
    response = client.get(LIST, {"unit": other_town.unit.pk})
    assert response.context["form"].errors["unit"]


def test_users_see_only_their_units(client, town, channels):
    client.force_login(town.users[Role.CONTENT_PRODUCER])  # role on the sector only
    assert names(client.get(LIST)) == ["Kirjasto", "Satutunti"]
    other = reverse("registry:channel_detail", args=[channels["c"].pk])
    assert client.get(other).status_code == 404
    client.force_login(town.users[Role.ELECTED_OFFICIAL])
    assert client.get(LIST).status_code == 403


def test_detail_shows_facts_history_access_and_followers(client, town, channels):
    channel = channels["a"]
    it = town.users[Role.IT]
    AccessGrant.objects.create(
        organisation=town.org,
        channel=channel,
        holder=it,
        kind="admin",
        method="Page admin role",
        granted_on=dt.date(2024, 1, 2),
        recorded_by=it,
    )
    AccessGrant.objects.create(
        organisation=town.org,
        channel=channel,
        holder=town.users[Role.CHANNEL_OWNER],
        kind="editor",
        method="Editor",
        granted_on=dt.date(2023, 1, 2),
        revoked_on=dt.date(2024, 5, 1),
        recorded_by=it,
    )
    owner = town.users[Role.CHANNEL_OWNER]
    record_followers(owner, channel, dt.date(2024, 6, 1), 1200)
    request = f.channel_request(town.unit, owner, name="Satutunti")
    request.channel = channel
    request.save()
    client.force_login(owner)
    html = client.get(reverse("registry:channel_detail", args=[channel.pk])).content.decode()
    assert "@satutunti" in html and "Nuoret" in html
    assert "Page admin role" in html and "Editor" in html
    assert "1200" in html
    assert "channel.followers_recorded" in html
    assert reverse("registry:request_detail", args=[request.pk]) in html
    assert reverse("registry:channel_edit", args=[channel.pk]) in html


def test_detail_hides_edit_from_those_without_the_right(client, town, channels):
    client.force_login(town.users[Role.IT])
    html = client.get(reverse("registry:channel_detail", args=[channels["a"].pk])).content.decode()
    assert reverse("registry:channel_edit", args=[channels["a"].pk]) not in html
    assert reverse("registry:channel_followers", args=[channels["a"].pk]) not in html


def edit_data(channel, **changes):
    data = {
        "name": channel.name,
        "platform": channel.platform,
        "handle": channel.handle,
        "url": channel.url,
        "unit": channel.unit_id,
        "responsibles": [u.pk for u in channel.responsibles.all()],
        "audiences": [a.pk for a in channel.audiences.all()],
        "purpose": channel.purpose,
        "target_per_week": str(channel.target_per_week),
        "status": channel.status,
        "opened_on": "",
        "closed_on": "",
    }
    data.update(changes)
    return data


def test_edit_saves_through_the_action_with_an_audit_entry(client, town, channels):
    channel = channels["a"]
    producer = town.users[Role.CONTENT_PRODUCER]
    client.force_login(town.users[Role.CHANNEL_OWNER])
    url = reverse("registry:channel_edit", args=[channel.pk])
    assert client.get(url).status_code == 200
    data = edit_data(
        channel,
        name="Satutunnit",
        target_per_week="3.5",
        responsibles=[producer.pk],
        status="under_maintained",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Satutunnit"
    assert str(channel.target_per_week) == "3.5"
    assert channel.status == "under_maintained"
    assert list(channel.responsibles.all()) == [producer]
    event = AuditEvent.objects.get(verb="channel.updated", target_id=str(channel.pk))
    assert event.data["changes"]["name"] == {"from": "Satutunti", "to": "Satutunnit"}
    assert event.data["changes"]["responsibles"]["to"] == [producer.username]
    assert set(event.data["changes"]) == {"name", "target_per_week", "responsibles", "status"}


def test_edit_without_the_right_is_403_and_changes_nothing(client, town, channels):
    channel = channels["a"]
    url = reverse("registry:channel_edit", args=[channel.pk])
    for role in (Role.CONTENT_PRODUCER, Role.IT, Role.DATA_PROTECTION):
        client.force_login(town.users[role])
        assert client.get(url).status_code == 403
        assert client.post(url, edit_data(channel, name="Muutettu")).status_code == 403
    channel.refresh_from_db()
    assert channel.name == "Satutunti"
    assert not AuditEvent.objects.filter(verb="channel.updated").exists()


def test_edit_requires_a_responsible_person(client, town, channels):
    channel = channels["a"]
    client.force_login(town.users[Role.CHANNEL_OWNER])
    url = reverse("registry:channel_edit", args=[channel.pk])
    response = client.post(url, edit_data(channel, responsibles=[]))
    assert response.status_code == 200
    assert response.context["form"].errors["responsibles"]
    assert channel.responsibles.count() == 1
    with pytest.raises(Exception) as excinfo:
        update_channel(town.users[Role.CHANNEL_OWNER], channel, {"responsibles": []})
    assert "responsibles" in excinfo.value.message_dict


def test_status_changes_only_between_manual_transitions(town, channels):
    from django.core.exceptions import ValidationError

    owner = town.users[Role.CHANNEL_OWNER]
    dormant = channels["b"]
    with pytest.raises(ValidationError) as excinfo:
        update_channel(owner, dormant, {"status": "active"})
    assert "status" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        update_channel(owner, channels["a"], {"status": "closed"})
    update_channel(owner, channels["a"], {"status": "under_maintained"})
    update_channel(owner, channels["a"], {"status": "active"})
    assert Channel.objects.get(pk=channels["a"].pk).status == "active"


def test_moving_a_channel_needs_the_right_on_the_new_unit(town, channels):
    from django.core.exceptions import ValidationError

    owner = town.users[Role.CHANNEL_OWNER]  # on the sector only
    with pytest.raises(ValidationError) as excinfo:
        update_channel(owner, channels["a"], {"unit": town.other_sector})
    assert "unit" in excinfo.value.message_dict
    update_channel(owner, channels["a"], {"unit": town.unit})
    assert Channel.objects.get(pk=channels["a"].pk).unit == town.unit


def test_followers_form_records_a_snapshot_and_updates_the_count(client, town, channels):
    channel = channels["a"]
    client.force_login(town.users[Role.CHANNEL_OWNER])
    url = reverse("registry:channel_followers", args=[channel.pk])
    with clock.frozen(NOON):
        response = client.post(url, {"followers-date": "2025-03-01", "followers-count": "950"})
        assert response.status_code == 302
        client.post(url, {"followers-date": "2025-02-01", "followers-count": "800"})
        future = client.post(url, {"followers-date": "2025-04-01", "followers-count": "5"})
    assert future.context["follower_form"].errors["date"]
    channel.refresh_from_db()
    assert channel.followers == 950  # the older snapshot does not overwrite the newest count
    assert list(
        FollowerSnapshot.objects.filter(channel=channel).values_list("count", flat=True)
    ) == [
        950,
        800,
    ]
    assert AuditEvent.objects.filter(verb="channel.followers_recorded").count() == 2


def test_activity_updates_last_activity_only_when_newer(town, channels):
    channel = channels["a"]
    owner = town.users[Role.CHANNEL_OWNER]
    with clock.frozen(NOON + dt.timedelta(days=5)):
        record_activity(owner, channel, NOON - dt.timedelta(days=3), "Vanha julkaisu")
        channel.refresh_from_db()
        assert channel.last_activity_at == NOON
        record_activity(owner, channel, NOON + dt.timedelta(days=1), "Uusi julkaisu")
    channel.refresh_from_db()
    assert channel.last_activity_at == NOON + dt.timedelta(days=1)
    assert channel.activity.count() == 2
    assert AuditEvent.objects.filter(verb="channel.activity_recorded").count() == 2


def test_a_responsible_content_producer_may_record_but_not_edit(client, town, channels):
    channel = channels["b"]  # the producer is responsible for it
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    url = reverse("registry:channel_activity", args=[channel.pk])
    response = client.post(url, {"activity-occurred_at": "2025-03-01T09:30", "activity-note": "x"})
    assert response.status_code == 302
    assert channel.activity.count() == 1
    other = reverse("registry:channel_activity", args=[channels["a"].pk])
    assert client.post(other, {"activity-occurred_at": "2025-03-01T09:30"}).status_code == 403
    assert channels["a"].activity.count() == 0
