import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from somevahti.audit.models import AuditEvent
from somevahti.core.roles import Role
from somevahti.registry.actions.matrix import create_audience, set_matrix_cell
from somevahti.registry.models import Audience, MatrixCell
from tests import factories as f

pytestmark = pytest.mark.django_db

MATRIX = reverse("registry:matrix")
SUGGEST = reverse("registry:matrix_suggest")


@pytest.fixture
def comms(town):
    return f.user(town.org, (Role.COMMUNICATIONS, town.root), username="viestinta-keskus")


@pytest.fixture
def matrix(town):
    youth = f.audience(town.org, "Nuoret")
    families = f.audience(town.org, "Perheet")
    media = f.audience(town.org, "Media")
    cells = [
        (youth, "instagram", "Tapahtumat kuvina"),
        (youth, "tiktok", "Lyhyet videot"),
        (families, "facebook", "Arjen tiedotteet"),
        (families, "instagram", "Perhetapahtumat"),
        (media, "x", "Päätöstiedotteet"),
        (media, "facebook", "Tiedotteet"),
    ]
    for audience, platform, purpose in cells:
        MatrixCell.objects.create(
            organisation=town.org, audience=audience, platform=platform, purpose=purpose
        )
    return {"youth": youth, "families": families, "media": media}


def cell_url(audience, platform):
    return reverse("registry:matrix_edit", args=[audience.pk, platform])


def test_matrix_page_shows_audiences_platforms_and_purposes(client, town, matrix):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    response = client.get(MATRIX)
    html = response.content.decode()
    assert response.status_code == 200
    for label in (
        "Facebook",
        "Instagram",
        "X",
        "LinkedIn",
        "YouTube",
        "Mastodon",
        "Bluesky",
        "Threads",
        "TikTok",
    ):
        assert f'<th scope="col">{label}</th>' in html
    assert '<th scope="row">Nuoret' in html
    assert "Lyhyet videot" in html
    assert cell_url(matrix["youth"], "tiktok") not in html  # no edit links for a producer


def test_communications_edits_a_cell_with_an_audit_entry(client, town, comms, matrix):
    client.force_login(comms)
    url = cell_url(matrix["youth"], "youtube")
    assert client.get(url).status_code == 200
    key = f"cell-{matrix['youth'].pk}-youtube-purpose"
    assert client.post(url, {key: "Kirjavinkit videoina"}).status_code == 302
    cell = MatrixCell.objects.get(audience=matrix["youth"], platform="youtube")
    assert cell.purpose == "Kirjavinkit videoina"
    event = AuditEvent.objects.get(verb="matrix.cell_updated")
    assert event.data == {"platform": "youtube", "from": "", "to": "Kirjavinkit videoina"}
    assert url in client.get(MATRIX).content.decode()


def test_empty_purpose_removes_the_cell(town, comms, matrix):
    assert set_matrix_cell(comms, matrix["youth"], "tiktok", "  ") is None
    assert not MatrixCell.objects.filter(audience=matrix["youth"], platform="tiktok").exists()
    assert AuditEvent.objects.get(verb="matrix.cell_updated").data["to"] == ""


def test_htmx_inline_edit_returns_the_cell(client, town, comms, matrix):
    client.force_login(comms)
    url = cell_url(matrix["media"], "linkedin")
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in form.content.decode() and 'hx-post="' in form.content.decode()
    key = f"cell-{matrix['media'].pk}-linkedin-purpose"
    response = client.post(url, {key: "Asiantuntijat"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Asiantuntijat" in response.content.decode()


def test_matrix_editing_needs_the_right_on_the_whole_organisation(client, town, comms, matrix):
    url = cell_url(matrix["youth"], "tiktok")
    key = f"cell-{matrix['youth'].pk}-tiktok-purpose"
    # Producers, directors and communications of one sector cannot rewrite the shared matrix.
    for role in (Role.CONTENT_PRODUCER, Role.UNIT_DIRECTOR, Role.COMMUNICATIONS):
        user = town.users[role]
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {key: "Muutettu"}).status_code == 403
        assert client.post(reverse("registry:audience_new"), {"name": "Uusi"}).status_code == 403
        with pytest.raises(PermissionDenied):
            set_matrix_cell(user, matrix["youth"], "tiktok", "Muutettu")
    assert MatrixCell.objects.get(audience=matrix["youth"], platform="tiktok").purpose == (
        "Lyhyet videot"
    )
    assert not Audience.objects.filter(name="Uusi").exists()
    assert not AuditEvent.objects.exists()
    client.force_login(town.users[Role.ORG_ADMIN])
    assert client.get(url).status_code == 200


def test_other_organisations_audience_is_404(client, town, other_town, comms):
    foreign = f.audience(other_town.org, "Vieraat")
    client.force_login(comms)
    assert client.get(cell_url(foreign, "x")).status_code == 404
    with pytest.raises(PermissionDenied):
        set_matrix_cell(comms, foreign, "x", "Ei käy")
    assert (
        client.get(reverse("registry:matrix_edit", args=[foreign.pk, "myspace"])).status_code == 404
    )


def test_adding_an_audience(client, town, comms, matrix):
    client.force_login(comms)
    url = reverse("registry:audience_new")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Työnhakijat", "description": "Rekrytointi"})
    assert response.status_code == 302
    audience = Audience.objects.get(organisation=town.org, name="Työnhakijat")
    assert audience.order > matrix["media"].order
    assert AuditEvent.objects.filter(verb="audience.created", target_id=str(audience.pk)).exists()
    duplicate = client.post(url, {"name": "nuoret"})
    assert duplicate.status_code == 200
    assert duplicate.context["form"].errors["name"]
    with pytest.raises(ValidationError):
        create_audience(comms, "  ", "")


def test_suggestions_rank_platforms_by_coverage_with_reasons(client, town, matrix):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    response = client.get(SUGGEST, {"audiences": [matrix["youth"].pk, matrix["families"].pk]})
    suggestions = response.context["suggestions"]
    assert [s["code"] for s in suggestions] == ["instagram", "facebook", "tiktok"]
    assert suggestions[0]["covers"] == 2
    reasons = [(a.name, purpose) for a, purpose in suggestions[0]["reasons"]]
    assert reasons == [("Nuoret", "Tapahtumat kuvina"), ("Perheet", "Perhetapahtumat")]
    html = response.content.decode()
    assert "Tapahtumat kuvina" in html and 'data-platform="instagram"' in html
    assert html.index('data-platform="instagram"') < html.index('data-platform="tiktok"')


def test_suggest_page_without_a_choice_shows_the_form(client, town, matrix):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    response = client.get(SUGGEST)
    assert response.status_code == 200
    assert response.context["suggestions"] is None
    assert f'value="{matrix["media"].pk}"' in response.content.decode()
