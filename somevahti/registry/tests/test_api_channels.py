import pytest
from rest_framework.test import APIClient

from somevahti.audit.models import AuditEvent
from somevahti.core.roles import Role
from somevahti.registry.models import Channel, MatrixCell
from tests import factories as f

pytestmark = pytest.mark.django_db

CHANNELS = "/api/v1/channels/"
AUDIENCES = "/api/v1/audiences/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def channels(town):
    owner = town.users[Role.CHANNEL_OWNER]
    youth = f.audience(town.org, "Nuoret")
    a = f.channel(town.subunit, owner, name="Satutunti", platform="instagram", followers=10)
    a.audiences.set([youth])
    b = f.channel(town.unit, owner, name="Kirjasto", platform="facebook", followers=99)
    c = f.channel(town.other_sector, owner, name="Katutyöt", platform="x", status="dormant")
    return {"a": a, "b": b, "c": c, "youth": youth}


def names(response):
    assert response.status_code == 200, response.content
    return [c["name"] for c in response.json()["results"]]


def test_channel_list_has_the_same_filters_as_the_page(town, channels):
    client = api(town.users[Role.ORG_ADMIN])
    assert names(client.get(CHANNELS)) == ["Katutyöt", "Kirjasto", "Satutunti"]
    assert names(client.get(CHANNELS, {"unit": town.sector.pk})) == ["Kirjasto", "Satutunti"]
    assert names(client.get(CHANNELS, {"status": "dormant"})) == ["Katutyöt"]
    assert names(client.get(CHANNELS, {"audience": channels["youth"].pk})) == ["Satutunti"]
    assert names(client.get(CHANNELS, {"q": "satu"})) == ["Satutunti"]
    assert names(client.get(CHANNELS, {"sort": "-followers"})) == [
        "Kirjasto",
        "Satutunti",
        "Katutyöt",
    ]
    assert client.get(CHANNELS, {"platform": "myspace"}).status_code == 400


def test_channel_detail_shape(town, channels):
    client = api(town.users[Role.CHANNEL_OWNER])
    data = client.get(f"{CHANNELS}{channels['a'].pk}/").json()
    assert data["unit"] == town.subunit.pk
    assert data["unit_name"] == "Lastenkirjasto"
    assert data["responsibles"][0]["username"] == town.users[Role.CHANNEL_OWNER].username
    assert data["audiences"] == [{"id": channels["youth"].pk, "name": "Nuoret"}]
    assert data["status"] == "active"


def test_patch_goes_through_update_channel(town, channels):
    client = api(town.users[Role.CHANNEL_OWNER])
    producer = town.users[Role.CONTENT_PRODUCER]
    url = f"{CHANNELS}{channels['a'].pk}/"
    response = client.patch(
        url,
        {"name": "Satutunnit", "responsibles": [producer.pk], "target_per_week": "4"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Satutunnit"
    channel = Channel.objects.get(pk=channels["a"].pk)
    assert list(channel.responsibles.all()) == [producer]
    assert AuditEvent.objects.filter(verb="channel.updated").count() == 1


def test_patch_bad_input_is_400_with_field_errors(town, channels, other_town):
    client = api(town.users[Role.CHANNEL_OWNER])
    url = f"{CHANNELS}{channels['a'].pk}/"
    assert "responsibles" in client.patch(url, {"responsibles": []}, format="json").json()
    assert "status" in client.patch(url, {"status": "closed"}, format="json").json()
    foreign_person = other_town.users[Role.CHANNEL_OWNER]
    response = client.patch(url, {"responsibles": [foreign_person.pk]}, format="json")
    assert response.status_code == 400
    assert "responsibles" in response.json()
    assert Channel.objects.get(pk=channels["a"].pk).name == "Satutunti"


def test_patch_without_the_right_is_403_and_changes_nothing(town, channels):
    client = api(town.users[Role.CONTENT_PRODUCER])
    url = f"{CHANNELS}{channels['a'].pk}/"
    assert client.patch(url, {"name": "Muutettu"}, format="json").status_code == 403
    assert Channel.objects.get(pk=channels["a"].pk).name == "Satutunti"
    assert client.put(url, {"name": "Muutettu"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405


def test_other_organisation_is_404_and_never_listed(town, other_town, channels):
    foreign = f.channel(other_town.unit, other_town.users[Role.CHANNEL_OWNER], name="Vieras")
    client = api(town.users[Role.ORG_ADMIN])
    assert "Vieras" not in names(client.get(CHANNELS))
    assert client.get(f"{CHANNELS}{foreign.pk}/").status_code == 404
    assert client.patch(f"{CHANNELS}{foreign.pk}/", {"name": "x"}, format="json").status_code == 404
    assert Channel.objects.get(pk=foreign.pk).name == "Vieras"
    # A filter by the other organisation's unit is an invalid choice, not a leak.
    assert client.get(CHANNELS, {"unit": other_town.unit.pk}).status_code == 400


def test_anonymous_is_refused():
    assert APIClient().get(CHANNELS).status_code in (401, 403)


def test_audiences_with_cells_and_suggestions(town, other_town):
    youth = f.audience(town.org, "Nuoret")
    families = f.audience(town.org, "Perheet")
    foreign = f.audience(other_town.org, "Vieraat")
    for audience, platform, purpose in [
        (youth, "tiktok", "Videot"),
        (youth, "instagram", "Kuvat"),
        (families, "instagram", "Tapahtumat"),
    ]:
        MatrixCell.objects.create(
            organisation=town.org, audience=audience, platform=platform, purpose=purpose
        )
    client = api(town.users[Role.CONTENT_PRODUCER])
    listed = client.get(AUDIENCES).json()["results"]
    assert [a["name"] for a in listed] == ["Nuoret", "Perheet"]
    assert {c["platform"] for c in listed[0]["cells"]} == {"tiktok", "instagram"}
    assert client.get(f"{AUDIENCES}{foreign.pk}/").status_code == 404

    response = client.get(f"{AUDIENCES}suggest/", {"audiences": f"{youth.pk},{families.pk}"})
    assert response.status_code == 200
    data = response.json()
    assert [s["platform"] for s in data] == ["instagram", "tiktok"]
    assert data[0]["covers"] == 2
    assert [r["purpose"] for r in data[0]["reasons"]] == ["Kuvat", "Tapahtumat"]
    repeated = client.get(f"{AUDIENCES}suggest/", {"audiences": [youth.pk, families.pk]})
    assert repeated.json() == data
    bad = client.get(f"{AUDIENCES}suggest/", {"audiences": foreign.pk})
    assert bad.status_code == 400 and "audiences" in bad.json()
    assert client.get(f"{AUDIENCES}suggest/").status_code == 400


def test_units_are_scoped_with_parent_and_path(town, other_town):
    client = api(town.users[Role.CONTENT_PRODUCER])  # role on the sector
    units = client.get("/api/v1/units/").json()["results"]
    assert [u["name"] for u in units] == ["Sivistystoimi", "Kirjasto", "Lastenkirjasto"]
    kirjasto = units[1]
    assert kirjasto["parent"] == town.sector.pk
    assert kirjasto["path"] == town.unit.path
    assert client.get(f"/api/v1/units/{town.other_sector.pk}/").status_code == 404
    assert client.get(f"/api/v1/units/{other_town.unit.pk}/").status_code == 404
    admin = api(town.users[Role.ORG_ADMIN])
    assert len(admin.get("/api/v1/units/").json()["results"]) == 5


def test_schema_generates(town):
    client = api(town.users[Role.ORG_ADMIN])
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/channels/" in body and "/api/v1/audiences/suggest/" in body
