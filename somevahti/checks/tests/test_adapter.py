"""The Django adapter: organisation allowlists, staff names, severities, translated messages."""

from __future__ import annotations

import pytest
from django.utils import translation

from somevahti.audit.models import AuditEvent
from somevahti.checks import adapter, check
from somevahti.checks.actions import update_check_settings
from somevahti.checks.models import CheckSettings
from somevahti.core.models import User
from somevahti.core.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

OWN_IBAN = "FI21 1234 5600 0007 85"
OTHER_IBAN = "FI49 5000 9420 0287 30"


def rules(findings) -> list[tuple[str, str]]:
    return [(x.rule, x.text) for x in findings]


def admin(town) -> User:
    return town.users[Role.ORG_ADMIN]


def test_own_phone_domain_and_iban_are_allowed_but_others_are_not(town):
    update_check_settings(
        admin(town),
        town.org,
        {"phones": "09 310 1234", "email_domains": "testila.fi", "ibans": [OWN_IBAN]},
    )
    user = town.users[Role.CONTENT_PRODUCER]
    text = (
        f"Soita 09 310 1234 tai 040 765 4321. Kirjoita palvelu@testila.fi tai "
        f"jaana@gmail.com. Maksut tilille {OWN_IBAN}, ei tilille {OTHER_IBAN}."
    )
    found = rules(adapter.check_for(user, text).findings)
    assert ("privacy.phone", "040 765 4321") in found
    assert ("privacy.email", "jaana@gmail.com") in found
    assert ("privacy.iban", OTHER_IBAN) in found
    assert not any(t in ("09 310 1234", "palvelu@testila.fi", OWN_IBAN) for _r, t in found)


def test_staff_names_come_from_users_and_the_extra_list(town):
    f.user(town.org, username="anna", first_name="Anna", last_name="Korhonen")
    update_check_settings(admin(town), town.org, {"staff_names": "Pekka Laaksonen"})
    text = "Kysy lisää Anna Korhoselta tai Pekka Laaksoselta. Matti Virtaselle tiedoksi."
    found = rules(adapter.check_for(town.users[Role.CONTENT_PRODUCER], text).findings)
    assert found == [("privacy.person_name", "Matti Virtaselle")]


def test_inactive_users_are_not_staff(town):
    f.user(town.org, username="old", first_name="Anna", last_name="Korhonen", is_active=False)
    found = rules(
        adapter.check_for(town.users[Role.CONTENT_PRODUCER], "Kiitos Anna Korhoselle.").findings
    )
    assert ("privacy.person_name", "Anna Korhoselle") in found


def test_severities_from_settings_are_applied(town):
    user = town.users[Role.CONTENT_PRODUCER]
    text = "Soita 040 765 4321."
    before = adapter.check_for(user, text)
    assert [x.severity for x in before.findings if x.rule == "privacy.phone"] == ["warn"]
    assert before.blocked is False

    update_check_settings(admin(town), town.org, {"severities": {"privacy.phone": "block"}})
    user = User.objects.get(pk=user.pk)  # a new request
    after = adapter.check_for(user, text)
    assert [x.severity for x in after.findings if x.rule == "privacy.phone"] == ["block"]
    assert after.blocked is True

    update_check_settings(admin(town), town.org, {"severities": {"privacy.phone": "off"}})
    user = User.objects.get(pk=user.pk)
    assert not [x for x in adapter.check_for(user, text).findings if x.rule == "privacy.phone"]


def test_other_organisations_settings_are_never_used(town, other_town):
    update_check_settings(
        admin(other_town),
        other_town.org,
        {"phones": "040 765 4321", "severities": {"privacy.hetu": "off"}},
    )
    found = rules(
        adapter.check_for(town.users[Role.CONTENT_PRODUCER], "040 765 4321 131052-308T").findings
    )
    assert ("privacy.phone", "040 765 4321") in found
    assert ("privacy.hetu", "131052-308T") in found


def test_context_is_built_with_two_queries_and_cached(town, django_assert_num_queries):
    org = town.org
    with django_assert_num_queries(2):
        ctx = adapter.context_for(org, channel="X", lang="sv")
    with django_assert_num_queries(0):
        again = adapter.context_for(org)
    assert ctx.channel == "x" and ctx.lang == "sv"
    assert again.channel == "" and again.staff_names == ctx.staff_names


def test_messages_follow_the_active_language(town):
    user = town.users[Role.CONTENT_PRODUCER]
    with translation.override("en"):
        english = adapter.check_for(user, "131052-308T").findings[0].message
    with translation.override("fi"):
        finnish = adapter.check_for(user, "131052-308T").findings[0].message
    assert "identity code" in english
    assert "henkilötunnu" in finnish
    # The engine itself is English again outside the adapter.
    assert "identity code" in check("131052-308T")[0].message


def test_settings_update_is_audited_and_validated(town):
    from django.core.exceptions import ValidationError

    update_check_settings(admin(town), town.org, {"email_domains": "@Testila.FI\n\ntestila.fi"})
    saved = CheckSettings.objects.get(organisation=town.org)
    assert saved.email_domains == ["testila.fi"]
    event = AuditEvent.objects.get(verb="checks.settings_updated")
    assert event.organisation_id == town.org.pk and event.actor == admin(town)

    with pytest.raises(ValidationError) as exc:
        update_check_settings(
            admin(town),
            town.org,
            {"phones": "12", "ibans": "FI00 1234", "severities": {"privacy.nope": "block"}},
        )
    assert set(exc.value.message_dict) == {"phones", "ibans", "severities"}
    assert AuditEvent.objects.filter(verb="checks.settings_updated").count() == 1


def test_data_protection_officer_of_the_organisation_may_edit(town, other_town):
    from django.core.exceptions import PermissionDenied

    dpo = f.user(town.org, (Role.DATA_PROTECTION, town.root))
    update_check_settings(dpo, town.org, {"words": "Testilä"})
    assert CheckSettings.objects.get(organisation=town.org).words == ["Testilä"]
    # A data protection officer of one sector only may not change organisation settings.
    with pytest.raises(PermissionDenied):
        update_check_settings(town.users[Role.DATA_PROTECTION], town.org, {"words": "x"})
    with pytest.raises(PermissionDenied):
        update_check_settings(admin(town), other_town.org, {"words": "x"})
    assert not CheckSettings.objects.filter(organisation=other_town.org).exists()
