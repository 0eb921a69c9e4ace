"""Routing by hand and over time: manual assignment sticks, re-routing, explanations."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.core.models import Notification, User
from somevahti.core.roles import Role
from somevahti.inbox import routing
from somevahti.inbox.models import Conversation
from somevahti.inbox.models.items import Klass
from somevahti.inbox.tests.test_routing import add_item, routed, steps, talk
from somevahti.registry.models import Channel
from tests import factories as f


@pytest.fixture
def eero(town: Town) -> User:
    return f.user(
        town.org, (Role.CHANNEL_OWNER, town.unit), first_name="Eero", last_name="Salminen"
    )


@pytest.fixture
def library(town: Town, eero: User) -> Channel:
    routing.ensure_default_routing(town.org)
    return f.channel(town.unit, eero, name="Kirjaston Facebook")


@pytest.fixture
def pekka(town: Town) -> User:
    return f.user(
        town.org, (Role.CONTENT_PRODUCER, town.unit), first_name="Pekka", last_name="Virta"
    )


def test_manual_assignment_sticks_through_new_messages_and_a_new_class(
    town: Town, eero: User, library: Channel, pekka: User
) -> None:
    comms = town.users[Role.COMMUNICATIONS]
    conv = routed(talk(library, Klass.QUESTION))
    assert conv.assignee == eero
    routing.assign(comms, conv, pekka)
    assert (conv.assignee, conv.state) == (pekka, Conversation.State.ASSIGNED)
    assert Notification.objects.filter(user=pekka).count() == 1

    conv = routed(add_item(conv, "Olen muuten toimittaja.", klass=Klass.MEDIA))
    assert conv.assignee == pekka
    assert Notification.objects.filter(user=pekka).count() == 1
    assert AuditEvent.objects.filter(verb="inbox.routed").count() == 1
    event = AuditEvent.objects.get(verb="inbox.assigned")
    assert (event.actor, event.data) == (comms, {"from": eero.pk, "to": pekka.pk})


def test_only_editors_of_the_unit_may_assign(
    town: Town, other_town: Town, library: Channel, pekka: User
) -> None:
    conv = routed(talk(library, Klass.QUESTION))
    with pytest.raises(PermissionDenied):
        routing.assign(pekka, conv, pekka)  # a content producer
    with pytest.raises(PermissionDenied):
        routing.assign(other_town.users[Role.COMMUNICATIONS], conv, pekka)
    assert Conversation.objects.get(pk=conv.pk).assignee != pekka


@pytest.mark.parametrize("who", ["stranger", "inactive", "elected", "elsewhere"])
def test_the_assignee_must_be_active_and_able_to_see_the_unit(
    town: Town, other_town: Town, library: Channel, who: str
) -> None:
    people = {
        "stranger": other_town.users[Role.COMMUNICATIONS],
        "inactive": f.user(town.org, (Role.CONTENT_PRODUCER, town.unit), is_active=False),
        "elected": town.users[Role.ELECTED_OFFICIAL],
        "elsewhere": f.user(town.org, (Role.CONTENT_PRODUCER, town.other_sector)),
    }
    conv = routed(talk(library, Klass.QUESTION))
    with pytest.raises(ValidationError) as err:
        routing.assign(town.users[Role.COMMUNICATIONS], conv, people[who])
    assert "assignee" in err.value.message_dict
    assert Conversation.objects.get(pk=conv.pk).assignee != people[who]


def test_reroute_returns_a_manual_assignment_to_the_rules(
    town: Town, eero: User, library: Channel, pekka: User
) -> None:
    director = town.users[Role.UNIT_DIRECTOR]
    conv = routed(talk(library, Klass.QUESTION))
    routing.assign(director, conv, pekka)
    routing.reroute(director, conv)
    assert conv.assignee == eero
    assert conv.route_reasons[0] == {"kind": "reroute", "by": director.pk}
    assert not any(r["kind"] == "manual" for r in conv.route_reasons)
    assert AuditEvent.objects.filter(verb="inbox.routed", actor=director).count() == 1
    with pytest.raises(PermissionDenied):
        routing.reroute(pekka, conv)


def test_a_reclassified_conversation_is_routed_again_but_the_same_class_is_not(
    town: Town, eero: User, library: Channel
) -> None:
    conv = routed(talk(library, Klass.QUESTION))
    conv = routed(add_item(conv, "Ja toinen kysymys."))
    assert AuditEvent.objects.filter(verb="inbox.routed").count() == 1
    assert Notification.objects.filter(user=eero).count() == 1

    conv = routed(add_item(conv, "Tämä on virallinen oikaisuvaatimus.", klass=Klass.NEGATIVE))
    assert conv.assignee == town.users[Role.UNIT_DIRECTOR]
    assert conv.route_reasons[0] == {
        "kind": "reclassified",
        "from": Klass.QUESTION,
        "klass": Klass.NEGATIVE,
    }
    with translation.override("en"):
        assert routing.describe_route(conv)[0] == (
            "The class changed from Question to Negative feedback, so it was routed again."
        )


def test_a_deactivated_assignee_loses_the_conversation_on_the_next_message(
    town: Town, eero: User, library: Channel
) -> None:
    conv = routed(talk(library, Klass.MEDIA))
    routing.assign(town.users[Role.COMMUNICATIONS], conv, eero)  # by hand, still
    eero.is_active = False
    eero.save()
    conv = routed(add_item(conv, "Onko kukaan paikalla?"))
    assert conv.assignee == town.users[Role.UNIT_DIRECTOR]
    assert conv.route_reasons[0] == {"kind": "assignee_inactive", "user": eero.pk}


def test_a_reopened_conversation_goes_back_to_its_assignee(
    town: Town, eero: User, library: Channel
) -> None:
    conv = routed(talk(library, Klass.QUESTION))
    Conversation.objects.filter(pk=conv.pk).update(state=Conversation.State.NEW)  # reopened
    conv.refresh_from_db()
    conv = routed(add_item(conv, "Vielä yksi asia."))
    assert (conv.assignee, conv.state) == (eero, Conversation.State.ASSIGNED)


def test_the_route_is_explained_in_the_readers_language(
    town: Town, eero: User, library: Channel
) -> None:
    director = town.users[Role.UNIT_DIRECTOR]
    director.first_name, director.last_name = "Maija", "Virtanen"
    director.save()
    library.responsibles.clear()
    conv = routed(talk(library, Klass.MEDIA))
    with translation.override("en"):
        assert routing.describe_route(conv) == [
            "Media inquiries go first to the channel's responsible person.",
            "The channel has no responsible person, so it went to the unit director: "
            "Maija Virtanen.",
        ]
    with translation.override("fi"):
        assert routing.describe_route(conv) == [
            "Mediakyselyt ohjataan ensin kanavan vastuuhenkilölle.",
            "Kanavalla ei ole vastuuhenkilöä, joten viesti ohjattiin yksikön johtajalle: "
            "Maija Virtanen.",
        ]
    library.responsibles.set([eero])
    routing.assign(director, conv, eero)
    with translation.override("fi"):
        assert routing.describe_route(conv)[-1] == (
            "Maija Virtanen antoi viestin käsin henkilölle Eero Salminen."
        )


def test_a_direct_hit_and_the_crisis_suggestion_are_explained(
    town: Town, eero: User, library: Channel
) -> None:
    manager = town.users[Role.CITY_MANAGER]
    manager.first_name, manager.last_name = "Kalle", "Kaupunginjohtaja"
    manager.save()
    media = routed(talk(library, Klass.MEDIA))
    alarm = routed(talk(library, Klass.CRISIS))
    spam = routed(talk(library, Klass.SPAM))
    with translation.override("en"):
        assert routing.describe_route(media) == [
            "Media inquiries go first to the channel's responsible person: Eero Salminen."
        ]
        assert routing.describe_route(alarm) == [
            "Crisis signals go first to the city manager: Kalle Kaupunginjohtaja.",
            "This may be a crisis: the city manager was asked to consider crisis mode.",
        ]
        assert routing.describe_route(spam) == [
            "Spam messages are not assigned to anyone: they stay new, without an assignee."
        ]
    assert steps(alarm) == [("city_manager", True, "")]
