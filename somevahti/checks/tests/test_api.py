"""POST /api/v1/checks/ and GET/PUT /api/v1/check-settings/."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from somevahti.audit.models import AuditEvent
from somevahti.checks.engine import RULES
from somevahti.checks.models import CheckSettings
from somevahti.core.models import User
from somevahti.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/checks/"
SETTINGS = "/api/v1/check-settings/"


def api_for(user: User | None, lang: str = "fi") -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        api.force_authenticate(user)
    return api


def test_findings_with_offsets_into_the_text(town):
    text = "Hei 😀 Matti!\nHetu 131052-308T, puh. +358 40 765 4321 #kunta"
    response = api_for(town.users[Role.CONTENT_PRODUCER]).post(
        CHECK, {"text": text, "channel": "x"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["blocked"] is True
    assert {x["rule"] for x in body["findings"]} >= {"privacy.hetu", "privacy.phone"}
    for finding in body["findings"]:
        assert text[finding["start"] : finding["end"]] == finding["text"]
    hetu = next(x for x in body["findings"] if x["rule"] == "privacy.hetu")
    assert hetu["severity"] == "block" and "henkilötunnu" in hetu["message"]


def test_leading_whitespace_is_kept_for_offsets(town):
    text = "  \n 131052-308T"
    body = (
        api_for(town.users[Role.CONTENT_PRODUCER]).post(CHECK, {"text": text}, format="json").json()
    )
    assert body["findings"][0]["start"] == text.index("131052")


def test_media_without_alt_text_or_captions(town):
    media = [
        {"type": "image", "alt": ""},
        {"type": "video", "captions": False},
        {"type": "image", "alt": "Kirjaston lukusali aamulla"},
    ]
    body = (
        api_for(town.users[Role.CONTENT_PRODUCER])
        .post(CHECK, {"text": "Tervetuloa!", "media": media}, format="json")
        .json()
    )
    assert sorted(x["rule"] for x in body["findings"]) == ["channel.alt_text", "channel.captions"]
    assert body["blocked"] is False


def test_missing_text_and_bad_media_give_field_errors(town):
    api = api_for(town.users[Role.CONTENT_PRODUCER])
    response = api.post(CHECK, {"channel": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"text"}

    response = api.post(
        CHECK, {"text": "Hei", "media": [{"type": "audio"}], "channel": "myspace"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"media", "channel"}
    assert "type" in errors["media"]["0"]  # errors per list item, keyed by index
    assert "kelvollinen" in errors["media"]["0"]["type"][0]

    response = api.post(CHECK, {"text": "Hei", "media": "kuva.jpg"}, format="json")
    assert response.status_code == 400 and "media" in response.json()


def test_anonymous_gets_401():
    assert APIClient().post(CHECK, {"text": "Hei"}, format="json").status_code == 401
    assert APIClient().get(SETTINGS).status_code == 401


def test_user_without_organisation_gets_403(db):
    lonely = User.objects.create_user(username="lonely", password="x-salasana-1")
    assert api_for(lonely).post(CHECK, {"text": "Hei"}, format="json").status_code == 403


def test_settings_read_and_replace(town):
    api = api_for(town.users[Role.ORG_ADMIN])
    body = api.get(SETTINGS).json()
    assert body["phones"] == [] and body["severities"] == RULES

    response = api.put(
        SETTINGS,
        {"phones": ["09 310 1234"], "severities": {"privacy.phone": "off"}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["phones"] == ["09 310 1234"]
    assert body["severities"]["privacy.phone"] == "off"
    assert body["severities"]["privacy.hetu"] == "block"
    assert AuditEvent.objects.filter(verb="checks.settings_updated").count() == 1

    # The new settings apply to the next check.
    check = api_for(town.users[Role.CONTENT_PRODUCER]).post(
        CHECK, {"text": "Soita 040 765 4321."}, format="json"
    )
    assert not [x for x in check.json()["findings"] if x["rule"] == "privacy.phone"]


def test_settings_field_errors(town):
    response = api_for(town.users[Role.ORG_ADMIN]).put(
        SETTINGS,
        {"ibans": ["FI00 0000"], "severities": {"privacy.hetu": "maybe"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"severities"}  # the serializer catches the choice first
    response = api_for(town.users[Role.ORG_ADMIN]).put(
        SETTINGS, {"ibans": ["FI00 0000"], "severities": {"no.rule": "warn"}}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"ibans", "severities"}
    assert not CheckSettings.objects.exists()


def test_content_producer_may_not_read_or_change_settings(town):
    api = api_for(town.users[Role.CONTENT_PRODUCER])
    assert api.get(SETTINGS).status_code == 403
    response = api.put(SETTINGS, {"severities": {"privacy.hetu": "off"}}, format="json")
    assert response.status_code == 403
    assert not CheckSettings.objects.exists()
    assert not AuditEvent.objects.filter(verb="checks.settings_updated").exists()


def test_communications_of_the_whole_organisation_may_change_settings(town):
    comms = f.user(town.org, (Role.COMMUNICATIONS, town.root))
    response = api_for(comms).put(SETTINGS, {"words": ["Testilä"]}, format="json")
    assert response.status_code == 200
    assert CheckSettings.objects.get(organisation=town.org).words == ["Testilä"]


def test_settings_are_per_organisation(town, other_town):
    api_for(other_town.users[Role.ORG_ADMIN]).put(
        SETTINGS, {"phones": ["040 765 4321"]}, format="json"
    )
    assert api_for(town.users[Role.ORG_ADMIN]).get(SETTINGS).json()["phones"] == []
    body = (
        api_for(town.users[Role.CONTENT_PRODUCER])
        .post(CHECK, {"text": "Soita 040 765 4321."}, format="json")
        .json()
    )
    assert [x["rule"] for x in body["findings"]] == ["privacy.phone"]


def test_schema_lists_the_endpoints(town):
    api = api_for(town.users[Role.CONTENT_PRODUCER])
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    assert "post" in schema["paths"]["/api/v1/checks/"]
    assert {"get", "put"} <= set(schema["paths"]["/api/v1/check-settings/"])
    assert "CheckResult" in schema["components"]["schemas"]
