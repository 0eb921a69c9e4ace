import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.roles import Role
from somevahti.registry import importing
from somevahti.registry.actions.channels import import_channels
from somevahti.registry.models import Channel, FollowerSnapshot
from tests import factories as f

pytestmark = pytest.mark.django_db

IMPORT = reverse("registry:channel_import")
TODAY = dt.datetime(2025, 5, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def comms(town):
    """Communications for the whole organisation: the import right is on the root unit."""
    return f.user(town.org, (Role.COMMUNICATIONS, town.root), username="viestinta-keskus")


@pytest.fixture
def audiences(town):
    return [f.audience(town.org, "Nuoret"), f.audience(town.org, "Media")]


def csv_bytes(text, bom=True):
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


FINNISH_CSV = "\n".join(
    [
        "yksikkö;alusta;nimi;tunnus;osoite;vastuuhenkilöt;kohderyhmät;tarkoitus;"
        "tavoite_viikossa;tila;avattu;seuraajat;viimeisin_toiminta",
        "Kirjasto;Instagram;Kirjaston Instagram;@kirjasto;instagram.com/kirjasto;"
        "{owner}, {producer_email};Nuoret; Media;Vinkit ja tapahtumat;2,5;aktiivinen;"
        "1.2.2019;1 234;3.5.2025 14:30",
        "Sivistystoimi / Kirjasto / Lastenkirjasto;facebook;Satutunnit;;;{owner};;;1;"
        "hiljentynyt;2016-08-15;;1.1.2021",
        "Tekninen toimi;Twitter;Katutyöt;@katutyot;;{owner};Media;;;;;;",
        "",
    ]
)


def finnish_csv(town, bom=True):
    text = FINNISH_CSV.format(
        owner=town.users[Role.CHANNEL_OWNER].username,
        producer_email=town.users[Role.CONTENT_PRODUCER].email,
    )
    # "Nuoret; Media" must be quoted in a semicolon file, as Excel does.
    text = text.replace(";Nuoret; Media;", ';"Nuoret; Media";')
    return csv_bytes(text, bom)


def test_valid_semicolon_csv_with_finnish_headers_imports_everything(town, comms, audiences):
    with clock.frozen(TODAY):
        result = import_channels(comms, "kanavat.csv", finnish_csv(town))
    assert result.ok, result.errors
    assert result.created == 3
    insta = Channel.objects.get(name="Kirjaston Instagram")
    assert insta.unit == town.unit
    assert insta.platform == "instagram"
    assert insta.url == "https://instagram.com/kirjasto"
    assert set(insta.responsibles.all()) == {
        town.users[Role.CHANNEL_OWNER],
        town.users[Role.CONTENT_PRODUCER],
    }
    assert {a.name for a in insta.audiences.all()} == {"Nuoret", "Media"}
    assert str(insta.target_per_week) == "2.5"
    assert insta.opened_on == dt.date(2019, 2, 1)
    assert insta.followers == 1234
    assert insta.last_activity_at == dt.datetime(2025, 5, 3, 11, 30, tzinfo=dt.UTC)
    assert FollowerSnapshot.objects.get(channel=insta).date == dt.date(2025, 5, 20)
    satu = Channel.objects.get(name="Satutunnit")
    assert (satu.unit, satu.platform, satu.status) == (town.subunit, "facebook", "dormant")
    katu = Channel.objects.get(name="Katutyöt")
    assert (katu.unit, katu.platform, katu.status) == (town.other_sector, "x", "active")
    assert str(katu.target_per_week) == "2.0"
    summary = AuditEvent.objects.get(verb="channels.imported")
    assert summary.organisation == town.org
    assert summary.data["count"] == 3
    assert sorted(summary.data["channel_ids"]) == sorted(result.channel_ids)
    assert AuditEvent.objects.filter(verb="channel.imported").count() == 3


def test_csv_without_bom_with_commas_and_english_headers(town, comms):
    owner = town.users[Role.CHANNEL_OWNER]
    text = (
        "Unit,Platform,Name,Handle,Responsibles,Status,Opened_on,Followers\n"
        f"Kirjasto,LinkedIn,Kirjasto LinkedIn,kirjasto-li,{owner.email},Active,2020-01-31,10\n"
    )
    result = import_channels(comms, "channels.csv", csv_bytes(text, bom=False))
    assert result.ok, result.errors
    channel = Channel.objects.get(name="Kirjasto LinkedIn")
    assert (channel.platform, channel.followers) == ("linkedin", 10)


def test_valid_xlsx_imports_everything(town, comms, audiences):
    owner = town.users[Role.CHANNEL_OWNER]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Yksikkö",
            "Alusta",
            "Nimi",
            "Vastuuhenkilöt",
            "Kohderyhmät",
            "Avattu",
            "Seuraajat",
            "Viimeisin toiminta",
            "Tavoite viikossa",
        ]
    )
    sheet.append(
        [
            "Kirjasto",
            "YouTube",
            "Kirjasto-TV",
            owner.username,
            "Nuoret",
            dt.datetime(2018, 3, 4),
            321,
            dt.datetime(2025, 1, 2, 8, 15),
            0.5,
        ]
    )
    sheet.append([None] * 9)  # blank rows in a sheet are skipped
    sheet.append(
        [
            "Tekninen toimi",
            "Mastodon",
            "Tekninen Mastodon",
            owner.username,
            None,
            "4.3.2023",
            "12",
            None,
            None,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    with clock.frozen(TODAY):
        result = import_channels(comms, "kanavat.xlsx", buffer.getvalue())
    assert result.ok, result.errors
    assert result.created == 2
    tv = Channel.objects.get(name="Kirjasto-TV")
    assert tv.platform == "youtube"
    assert tv.opened_on == dt.date(2018, 3, 4)
    assert tv.followers == 321
    assert str(tv.target_per_week) == "0.5"
    assert tv.last_activity_at == dt.datetime(2025, 1, 2, 6, 15, tzinfo=dt.UTC)
    assert Channel.objects.get(name="Tekninen Mastodon").opened_on == dt.date(2023, 3, 4)
    assert AuditEvent.objects.filter(verb="channels.imported").count() == 1


def test_errors_in_several_rows_are_all_reported_and_nothing_is_imported(town, comms, audiences):
    owner = town.users[Role.CHANNEL_OWNER].username
    f.channel(town.unit, name="Olemassa", platform="facebook")
    text = (
        "yksikkö;alusta;nimi;vastuuhenkilöt;kohderyhmät;avattu;seuraajat;tila\n"
        f"Kirjasto;Instagram;Hyvä rivi;{owner};;;;\n"  # row 2 is fine
        f"Ei ole;Myspace;Huono;{owner};;;;\n"  # row 3: unit and platform
        "Kirjasto;Facebook;Ilman vastuuta;;;32.13.2020;-5;\n"  # row 4: people, date, followers
        f"Kirjasto;Facebook;Olemassa;{owner};Tuntemattomat;;;pyydetty\n"  # row 5
        f"Kirjasto;Instagram;Hyvä rivi;{owner};;;;\n"  # row 6: duplicate of row 2
    )
    with clock.frozen(TODAY):
        result = import_channels(comms, "kanavat.csv", csv_bytes(text))
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "yksikkö"),
        (3, "alusta"),
        (4, "vastuuhenkilöt"),
        (4, "avattu"),
        (4, "seuraajat"),
        (5, "kohderyhmät"),
        (5, "tila"),
        (5, "nimi"),
        (6, "nimi"),
    }
    assert all(e.message for e in result.errors)
    assert result.created == 0
    assert not Channel.objects.exclude(name="Olemassa").exists()
    assert not AuditEvent.objects.filter(
        verb__in=["channels.imported", "channel.imported"]
    ).exists()


def test_missing_required_columns_are_reported_against_the_header(town, comms):
    result = import_channels(comms, "x.csv", csv_bytes("nimi;alusta\nA;Facebook\n"))
    assert {(e.row, e.column) for e in result.errors} == {(1, "yksikkö"), (1, "vastuuhenkilöt")}


def test_ambiguous_unit_name_asks_for_the_path(town, comms):
    f.unit(town.other_sector, "Kirjasto")  # a second "Kirjasto"
    owner = town.users[Role.CHANNEL_OWNER].username
    text = (
        "yksikkö;alusta;nimi;vastuuhenkilöt\n"
        f"Kirjasto;X;A;{owner}\nTekninen toimi > Kirjasto;X;B;{owner}\n"
    )
    result = import_channels(comms, "x.csv", csv_bytes(text))
    assert [(e.row, e.column) for e in result.errors] == [(2, "yksikkö")]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("kanavat.csv", b""),
        ("kanavat.pdf", b"%PDF-1.4 something"),
        ("kanavat.xls", b"\xd0\xcf\x11\xe0old excel"),
        ("kanavat.xlsx", b"this is not a zip"),
        ("kanavat.csv", "\ufeffyksikkö;alusta;nimi;vastuuhenkilöt\n".encode()),
    ],
)
def test_bad_or_empty_file_gives_a_clear_file_error(town, comms, name, data):
    with pytest.raises(ValidationError) as excinfo:
        import_channels(comms, name, data)
    assert excinfo.value.message_dict["file"]
    assert not Channel.objects.exists()


def test_too_many_rows_is_refused(town, comms, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    owner = town.users[Role.CHANNEL_OWNER].username
    rows = "".join(f"Kirjasto;X;K{i};{owner}\n" for i in range(4))
    with pytest.raises(ValidationError) as excinfo:
        import_channels(comms, "x.csv", csv_bytes("yksikkö;alusta;nimi;vastuuhenkilöt\n" + rows))
    assert "file" in excinfo.value.message_dict


def test_import_needs_the_right_on_the_organisation_root(client, town, comms):
    sector_comms = town.users[Role.COMMUNICATIONS]  # only on one sector
    with pytest.raises(PermissionDenied):
        import_channels(sector_comms, "kanavat.csv", finnish_csv(town))
    client.force_login(sector_comms)
    assert client.get(IMPORT).status_code == 403
    upload = SimpleUploadedFile("kanavat.csv", finnish_csv(town))
    assert client.post(IMPORT, {"file": upload}).status_code == 403
    assert not Channel.objects.exists()


def test_import_page_imports_a_file_and_lists_errors(client, town, comms, audiences):
    client.force_login(comms)
    assert client.get(IMPORT).status_code == 200
    bad = SimpleUploadedFile(
        "kanavat.csv", csv_bytes("yksikkö;alusta;nimi;vastuuhenkilöt\nEi;X;A;\n")
    )
    response = client.post(IMPORT, {"file": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html and "vastuuhenkilöt" in html
    assert not Channel.objects.exists()
    empty = SimpleUploadedFile("kanavat.csv", b"")
    assert client.post(IMPORT, {"file": empty}).context["form"].errors["file"]
    pdf = SimpleUploadedFile("kanavat.pdf", b"%PDF")
    assert client.post(IMPORT, {"file": pdf}).context["form"].errors["file"]
    with clock.frozen(TODAY):
        good = SimpleUploadedFile("kanavat.csv", finnish_csv(town))
        response = client.post(IMPORT, {"file": good})
    assert response.status_code == 302
    assert Channel.objects.count() == 3


def test_exported_file_reads_back_cleanly(client, town, comms, audiences):
    """The export's format is one the importer understands: re-importing it finds
    only that the channels already exist."""
    with clock.frozen(TODAY):
        import_channels(comms, "kanavat.csv", finnish_csv(town))
        client.force_login(comms)
        exported = client.get(reverse("registry:channel_export")).content
        result = import_channels(comms, "vienti.csv", exported)
    assert {e.row for e in result.errors} == {2, 3, 4}
    assert {e.column for e in result.errors} <= {"nimi", "tunnus"}
    assert len(result.errors) == 3
