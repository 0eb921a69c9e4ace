"""Guidelines: versions with approval records, the version in force, history and diff."""

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
from somevahti.core import clock
from somevahti.core.models import User
from somevahti.core.roles import Role
from somevahti.guidelines.actions import add_guideline_version, create_guideline
from somevahti.guidelines.models import Guideline, GuidelineVersion
from somevahti.guidelines.queries import current_version
from tests import factories as f

TODAY = dt.datetime(2027, 3, 1, 12, 0, tzinfo=clock.HELSINKI)
V1 = "# Yleistä\n\nVastaamme kysymyksiin arkisin.\n\nJulkaisemme vain tarkistettua tietoa.\n"
V2 = "# Yleistä\n\nVastaamme kysymyksiin arkipäivisin.\n\nJulkaisemme vain tarkistettua tietoa.\n\nKriisissä viestii kaupunginjohtaja.\n"  # noqa: E501


def _editor(town: Town) -> User:
    """Communications on the root unit: may edit the general guideline."""
    return f.user(town.org, (Role.COMMUNICATIONS, town.root), username=f"{town.org.slug}-viestinta")


def _version(actor: User, g: Guideline, body: str, approved: dt.date, **extra: Any) -> Any:
    fields = {
        "approved_by_body": "Kunnanhallitus",
        "approved_on": approved,
        "approval_section": "§ 384",
        "effective_from": approved,
        "change_summary": "",
    }
    fields.update(extra)
    return add_guideline_version(actor, g, body, **fields)


@pytest.fixture
def general(town: Town) -> Guideline:
    editor = _editor(town)
    g = create_guideline(editor, "Sosiaalisen median ohje", "some-ohje")
    with clock.frozen(TODAY):
        _version(editor, g, V1, dt.date(2017, 11, 8))
        _version(
            editor,
            g,
            V2,
            dt.date(2027, 2, 10),
            effective_from=dt.date(2027, 4, 1),
            approval_section="§ 12",
            change_summary="Kriisiviestintä lisätty.",
        )
    return g


def _login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_versions_are_numbered_with_approval_records(town: Town, general: Guideline) -> None:
    versions = list(general.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].approval_record == "Kunnanhallitus 8.11.2017 § 384"
    assert versions[1].approval_record == "Kunnanhallitus 10.2.2027 § 12"
    assert AuditEvent.objects.filter(verb="guideline.created", target_id=str(general.pk)).exists()
    approved = AuditEvent.objects.filter(verb="guideline.version_approved")
    assert [e.data["number"] for e in approved.order_by("id")] == [1, 2]
    assert approved.order_by("id").first().data["approval"] == "Kunnanhallitus 8.11.2017 § 384"


def test_current_version_follows_the_effective_date(town: Town, general: Guideline) -> None:
    with clock.frozen(TODAY):
        assert current_version(general).number == 1
    with clock.frozen(dt.datetime(2027, 4, 1, 0, 30, tzinfo=clock.HELSINKI)):
        assert current_version(general).number == 2
    # Before any version is in force, the newest one is shown.
    draft = create_guideline(_editor_of(town), "Nuorisotoimen ohje", "nuoriso")
    with clock.frozen(TODAY):
        _version(
            _editor_of(town),
            draft,
            "Teksti",
            dt.date(2027, 2, 1),
            effective_from=dt.date(2027, 6, 1),
        )
        assert current_version(draft).number == 1  # fmt: skip

    reader = _login(town.users[Role.ELECTED_OFFICIAL])
    with clock.frozen(TODAY):
        page = reader.get(reverse("guidelines:detail", args=["some-ohje"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "arkisin" in html and "Kunnanhallitus 8.11.2017 § 384" in html
    assert reverse("guidelines:version", args=["some-ohje", 2]) in html  # the coming version


def _editor_of(town: Town) -> User:
    return User.objects.get(username=f"{town.org.slug}-viestinta")


def test_diff_shows_added_and_removed_text(town: Town, general: Guideline) -> None:
    reader = _login(town.users[Role.ELECTED_OFFICIAL])
    url = reverse("guidelines:diff", args=["some-ohje"])
    response = reader.get(url, {"a": 1, "b": 2})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="diff"' in html
    assert "<del>" in html and "arkisin" in html.split("<del>", 1)[1]
    assert "<ins>" in html and "Kriisissä viestii kaupunginjohtaja." in html
    assert 'class="visually-hidden"' in html
    assert reader.get(url, {"a": 1, "b": 9}).status_code == 404
    assert reader.get(url, {"a": "x"}).status_code == 400


def test_markdown_is_rendered_without_raw_html(town: Town) -> None:
    editor = _editor(town)
    g = create_guideline(editor, "Testi", "testi")
    body = "## Otsikko\n\n<script>alert(1)</script>\n\n[linkki](javascript:alert(1)) **tärkeä**"
    with clock.frozen(TODAY):
        _version(editor, g, body, dt.date(2027, 1, 1))
        html = _login(editor).get(reverse("guidelines:detail", args=["testi"])).content.decode()
    article = html.split('id="guideline-body"', 1)[1].split("</article>", 1)[0]
    assert "<script>" not in article and "&lt;script&gt;" in article
    assert "javascript:" not in article
    assert "<strong>tärkeä</strong>" in article
    assert "<h1" not in article  # the page title is the only h1


def test_only_communications_add_versions(town: Town, general: Guideline) -> None:
    url = reverse("guidelines:new_version", args=["some-ohje"])
    data = {
        "body": V2 + "\nUusi kappale.\n",
        "approved_by_body": "Kunnanhallitus",
        "approved_on": "2027-03-01",
        "approval_section": "§ 40",
        "effective_from": "2027-03-15",
        "change_summary": "Uusi kappale.",
    }
    # Communications on a sector does not edit the organisation's general guideline.
    for role in (Role.ELECTED_OFFICIAL, Role.UNIT_DIRECTOR, Role.COMMUNICATIONS, Role.IT):
        assert _login(town.users[role]).post(url, data).status_code == 403
        with pytest.raises(PermissionDenied):
            _version(town.users[role], general, "x", dt.date(2027, 3, 1))
    assert general.versions.count() == 2

    editor = _login(_editor_of(town))
    assert editor.get(url).status_code == 200
    with clock.frozen(TODAY):
        response = editor.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("guidelines:version", args=["some-ohje", 3])
    v3 = general.versions.get(number=3)
    assert v3.approval_record == "Kunnanhallitus 1.3.2027 § 40"
    assert v3.created_by == _editor_of(town)

    # Bad input: field errors, nothing saved.
    bad = editor.post(url, {**data, "approved_by_body": "", "effective_from": "2027-01-01"})
    assert bad.status_code == 200 and b"error-summary" in bad.content
    assert general.versions.count() == 3

    # A unit's own guideline is edited by communications of that unit.
    sector_comms = town.users[Role.COMMUNICATIONS]
    own = create_guideline(sector_comms, "Sivistystoimen ohje", "sivistys", unit=town.sector)
    with clock.frozen(TODAY):
        assert _version(sector_comms, own, "Teksti", dt.date(2027, 1, 1)).number == 1


def test_guideline_validation(town: Town, general: Guideline) -> None:
    editor = _editor_of(town)
    with pytest.raises(ValidationError) as exc:
        create_guideline(editor, "Toinen", "some-ohje")
    assert "slug" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create_guideline(editor, "", "new")
    assert {"title", "slug"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        _version(editor, general, "", dt.date(2027, 3, 1), effective_from=dt.date(2027, 2, 1))
    assert {"body", "effective_from"} <= set(exc.value.message_dict)

    client = _login(editor)
    response = client.post(
        reverse("guidelines:new"), {"title": "Nuorten ohje", "slug": "nuoret", "unit": ""}
    )
    assert response["Location"] == reverse("guidelines:new_version", args=["nuoret"])
    assert Guideline.objects.get(slug="nuoret").unit is None
    assert (
        _login(town.users[Role.ELECTED_OFFICIAL]).get(reverse("guidelines:new")).status_code == 403
    )


def test_everyone_in_the_organisation_reads_and_others_get_404(
    town: Town, other_town: Town, general: Guideline, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        g = create_guideline(_editor_of(town), f"Ohje {i}", f"ohje-{i}")
        with clock.frozen(TODAY):
            _version(_editor_of(town), g, "Teksti", dt.date(2027, 1, 1))
    reader = _login(town.users[Role.ELECTED_OFFICIAL])
    with django_assert_max_num_queries(8):
        listing = reader.get(reverse("guidelines:list"))
    assert listing.status_code == 200 and "Sosiaalisen median ohje" in listing.content.decode()
    for name in ("history", "detail"):
        assert reader.get(reverse(f"guidelines:{name}", args=["some-ohje"])).status_code == 200
    assert reader.get(reverse("guidelines:version", args=["some-ohje", 1])).status_code == 200

    stranger = _login(other_town.users[Role.ORG_ADMIN])
    for name in ("detail", "history", "new_version"):
        assert stranger.get(reverse(f"guidelines:{name}", args=["some-ohje"])).status_code == 404
    assert stranger.get(reverse("guidelines:version", args=["some-ohje", 1])).status_code == 404
    assert "Sosiaalisen" not in stranger.get(reverse("guidelines:list")).content.decode()


def test_api_lists_versions_and_only_editors_post(
    town: Town, other_town: Town, general: Guideline, django_assert_max_num_queries: Any
) -> None:
    api = APIClient()
    api.force_authenticate(town.users[Role.ELECTED_OFFICIAL])
    with clock.frozen(TODAY), django_assert_max_num_queries(6):
        response = api.get("/api/v1/guidelines/")
    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["slug"] == "some-ohje" and item["current_version"] == 1
    records = {v["number"]: v["approval_record"] for v in item["versions"]}
    assert records == {1: "Kunnanhallitus 8.11.2017 § 384", 2: "Kunnanhallitus 10.2.2027 § 12"}

    url = f"/api/v1/guidelines/{general.pk}/versions/"
    data = {
        "body": "Uusi teksti",
        "approved_by_body": "Kunnanhallitus",
        "approved_on": "2027-03-01",
        "approval_section": "§ 41",
        "effective_from": "2027-03-01",
    }
    assert api.post(url, data, format="json").status_code == 403
    api.force_authenticate(_editor_of(town))
    assert api.post(url, {**data, "approved_by_body": ""}, format="json").status_code == 400
    created = api.post(url, data, format="json")
    assert created.status_code == 201 and created.json()["number"] == 3
    assert GuidelineVersion.objects.filter(guideline=general).count() == 3

    api.force_authenticate(other_town.users[Role.ORG_ADMIN])
    assert api.get(f"/api/v1/guidelines/{general.pk}/").status_code == 404
    assert api.post(url, data, format="json").status_code == 404
