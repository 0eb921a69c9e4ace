"""The unit's four-eyes rule: who may change it, what it does, and what the page shows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import actions
from somevahti.content.models import UnitPublishingSettings
from somevahti.content.publishing_settings import set_four_eyes
from somevahti.content.states import S
from somevahti.content.tests.builders import channel, draft, fresh, in_review
from somevahti.core.models import User
from somevahti.core.roles import Role

pytestmark = pytest.mark.django_db


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(pk: int) -> str:
    return reverse("content:unit_publishing", args=[pk])


def test_director_turns_it_off_and_the_author_may_approve_own_post(town: Town) -> None:
    owner = town.users[Role.CHANNEL_OWNER]
    post = draft(town, channel(town), author=owner)
    with pytest.raises(PermissionDenied):
        actions.approve(owner, post)

    response = web(town.users[Role.UNIT_DIRECTOR]).post(url(town.sector.pk), {"four_eyes": "off"})

    assert response.status_code == 302
    assert UnitPublishingSettings.objects.get(unit=town.sector).four_eyes is False
    event = AuditEvent.objects.get(verb="unit.four_eyes_set")
    assert event.target_id == str(town.sector.pk) and event.data == {"four_eyes": False}
    assert event.organisation_id == town.org.pk
    actions.approve(owner, fresh(post))  # the unit below follows the sector now
    assert fresh(post).state == S.APPROVED


def test_org_admin_may_set_it(town: Town) -> None:
    set_four_eyes(town.users[Role.ORG_ADMIN], town.unit, False)
    assert UnitPublishingSettings.objects.get(unit=town.unit).four_eyes is False


@pytest.mark.parametrize("role", [Role.CONTENT_PRODUCER, Role.CHANNEL_OWNER, Role.COMMUNICATIONS])
def test_others_get_403_and_nothing_changes(town: Town, role: str) -> None:
    client = web(town.users[role])
    page = client.get(url(town.unit.pk))
    assert page.status_code == 200
    assert b'name="four_eyes"' not in page.content  # no form for them

    assert client.post(url(town.unit.pk), {"four_eyes": "off"}).status_code == 403
    with pytest.raises(PermissionDenied):
        set_four_eyes(town.users[role], town.unit, False)
    assert not UnitPublishingSettings.objects.exists()
    assert not AuditEvent.objects.filter(verb="unit.four_eyes_set").exists()


def test_another_organisation_gets_404(town: Town, other_town: Town) -> None:
    stranger = web(other_town.users[Role.ORG_ADMIN])
    assert stranger.get(url(town.unit.pk)).status_code == 404
    assert stranger.post(url(town.unit.pk), {"four_eyes": "off"}).status_code == 404
    assert not UnitPublishingSettings.objects.exists()


def test_bad_value_shows_a_field_error(town: Town) -> None:
    response = web(town.users[Role.UNIT_DIRECTOR]).post(url(town.unit.pk), {"four_eyes": "x"})
    assert response.status_code == 400
    assert b'id="id_four_eyes_errors"' in response.content
    assert not UnitPublishingSettings.objects.exists()


def test_page_shows_the_effective_value_and_where_it_comes_from(town: Town) -> None:
    client = web(town.users[Role.UNIT_DIRECTOR])
    # Nothing set anywhere: on by default, no source unit.
    page = client.get(url(town.subunit.pk)).content.decode()
    assert 'data-value="on"' in page and "data-unit=" not in page

    set_four_eyes(town.users[Role.UNIT_DIRECTOR], town.sector, False)
    page = client.get(url(town.subunit.pk)).content.decode()
    assert 'data-value="off"' in page
    assert f'data-unit="{town.sector.pk}"' in page  # inherited from the sector

    set_four_eyes(town.users[Role.UNIT_DIRECTOR], town.unit, True)
    page = client.get(url(town.subunit.pk)).content.decode()
    assert 'data-value="on"' in page and f'data-unit="{town.unit.pk}"' in page
    own = client.get(url(town.unit.pk)).content.decode()
    assert 'data-unit="' not in own and 'id="id_four_eyes_0"' in own  # set on the unit itself


def test_unit_page_links_to_the_setting(town: Town) -> None:
    page = web(town.users[Role.CONTENT_PRODUCER]).get(
        reverse("core:unit_detail", args=[town.unit.pk])
    )
    assert url(town.unit.pk).encode() in page.content


def test_rule_is_still_in_force_on_an_existing_review(town: Town) -> None:
    # Turning it back on stops the author approving their own post again.
    director = town.users[Role.UNIT_DIRECTOR]
    set_four_eyes(director, town.sector, False)
    set_four_eyes(director, town.sector, True)
    owner = town.users[Role.CHANNEL_OWNER]
    post = in_review(town, channel(town), author=owner)
    with pytest.raises(PermissionDenied):
        actions.approve(owner, post)
    assert AuditEvent.objects.filter(verb="unit.four_eyes_set").count() == 2
