"""Routing by the guideline: each class's default path, fallbacks, crisis, organisations."""

from __future__ import annotations

import itertools

import pytest
from django.urls import NoReverseMatch

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.content import crisis
from somevahti.core import clock
from somevahti.core.models import Notification, Unit, User
from somevahti.core.roles import Role
from somevahti.inbox import routing
from somevahti.inbox.models import Conversation, InboxItem, RoutingRule
from somevahti.inbox.models.items import Klass
from somevahti.registry.models import Channel
from tests import factories as f

_seq = itertools.count(1)


def talk(
    channel: Channel | None, klass: str, text: str = "", unit: Unit | None = None
) -> InboxItem:
    """A new conversation with one incoming item, classified as ``klass`` (as classify would)."""
    n = next(_seq)
    now = clock.now()
    where = unit or channel.unit  # type: ignore[union-attr]
    conv = Conversation.objects.create(
        organisation_id=where.organisation_id,
        channel=channel,
        unit=where,
        kind=Conversation.Kind.MESSAGE,
        thread_key=f"test:{n}",
        author_handle=f"@lahettaja{n}",
        author_name="Liisa Lähettäjä",
        klass=klass,
        last_item_at=now,
        created_at=now,
    )
    return add_item(conv, text or "Hei, kysyisin yhtä asiaa.")


def add_item(conv: Conversation, text: str, klass: str | None = None) -> InboxItem:
    now = clock.now()
    if klass is not None:
        conv.klass = klass
    return InboxItem.objects.create(
        organisation_id=conv.organisation_id,
        conversation=conv,
        channel=conv.channel,
        external_id=f"ext-{next(_seq)}",
        source="meta",
        text=text,
        sent_at=now,
        received_at=now,
        klass=conv.klass,
    )


def routed(item: InboxItem) -> Conversation:
    routing.route(item.conversation, item)
    return Conversation.objects.get(pk=item.conversation_id)


def steps(conv: Conversation) -> list[tuple[str, bool, str]]:
    return [
        (r["target"], r["found"], r.get("why", ""))
        for r in conv.route_reasons
        if r["kind"] == "rule"
    ]


@pytest.fixture
def eero(town: Town) -> User:
    return f.user(
        town.org, (Role.CHANNEL_OWNER, town.unit), first_name="Eero", last_name="Salminen"
    )


@pytest.fixture
def library(town: Town, eero: User) -> Channel:
    routing.ensure_default_routing(town.org)
    return f.channel(town.unit, eero, name="Kirjaston Facebook")


def test_media_inquiry_goes_to_the_channels_responsible_person_who_is_told(
    town: Town, eero: User, library: Channel
) -> None:
    conv = routed(talk(library, Klass.MEDIA, text="Olen toimittaja, saisinko haastattelun?"))
    assert (conv.assignee, conv.state) == (eero, Conversation.State.ASSIGNED)
    assert steps(conv) == [("channel_owner", True, "")]
    assert {"kind": "assigned", "user": eero.pk} in conv.route_reasons
    note = Notification.objects.get(user=eero)
    assert note.url == f"/fi/inbox/conversations/{conv.pk}/"
    assert "Liisa Lähettäjä" in note.text
    event = AuditEvent.objects.get(verb="inbox.routed")
    assert event.actor is None and event.data["assignee"] == eero.pk


def test_link_follows_the_recipients_language(town: Town, library: Channel) -> None:
    english = f.user(town.org, (Role.CHANNEL_OWNER, town.unit), language="en")
    library.responsibles.set([english])
    conv = routed(talk(library, Klass.QUESTION))
    assert Notification.objects.get(user=english).url == f"/en/inbox/conversations/{conv.pk}/"


def test_media_falls_back_to_the_unit_director_then_the_city_manager(
    town: Town, eero: User, library: Channel
) -> None:
    library.responsibles.clear()
    conv = routed(talk(library, Klass.MEDIA))
    assert conv.assignee == town.users[Role.UNIT_DIRECTOR]
    assert steps(conv) == [("channel_owner", False, "none"), ("unit_director", True, "")]

    town.users[Role.UNIT_DIRECTOR].is_active = False
    town.users[Role.UNIT_DIRECTOR].save()
    conv = routed(talk(library, Klass.MEDIA))
    assert conv.assignee == town.users[Role.CITY_MANAGER]
    assert [s[:2] for s in steps(conv)] == [
        ("channel_owner", False),
        ("unit_director", False),
        ("city_manager", True),
    ]


def test_a_message_without_a_channel_goes_up_the_line(town: Town, library: Channel) -> None:
    # E.g. the signed ingest of a feedback system with no channel: the root unit's.
    conv = routed(talk(None, Klass.MEDIA, unit=town.root))
    assert steps(conv)[0] == ("channel_owner", False, "no_channel")
    assert conv.assignee == town.users[Role.CITY_MANAGER]  # no director above the root


def test_an_inactive_responsible_or_one_without_a_role_in_the_unit_is_passed_over(
    town: Town, eero: User, library: Channel
) -> None:
    eero.is_active = False
    eero.save()
    conv = routed(talk(library, Klass.MEDIA))
    assert steps(conv)[0] == ("channel_owner", False, "inactive")
    assert conv.assignee == town.users[Role.UNIT_DIRECTOR]

    # A responsible person whose role is in another sector cannot see this unit's messages.
    outsider = f.user(town.org, (Role.CHANNEL_OWNER, town.other_sector))
    library.responsibles.set([outsider])
    conv = routed(talk(library, Klass.MEDIA))
    assert steps(conv)[0] == ("channel_owner", False, "no_access")
    assert conv.assignee == town.users[Role.UNIT_DIRECTOR]
    assert not Notification.objects.filter(user__in=[eero, outsider]).exists()


def test_negative_feedback_goes_to_the_closest_unit_director(town: Town, library: Channel) -> None:
    own = f.user(town.org, (Role.UNIT_DIRECTOR, town.unit), first_name="Maija")
    conv = routed(talk(library, Klass.NEGATIVE, text="Palvelu oli todella huonoa."))
    assert conv.assignee == own  # the library's own director, not the sector's
    assert steps(conv) == [("unit_director", True, "")]


def test_crisis_goes_to_the_city_manager_who_is_asked_about_crisis_mode(
    town: Town, library: Channel
) -> None:
    manager = town.users[Role.CITY_MANAGER]
    conv = routed(talk(library, Klass.CRISIS, text="Vesijohto rikki, koko kylä ilman vettä!"))
    assert conv.assignee == manager and conv.suggest_crisis
    assert {"kind": "crisis_suggested"} in conv.route_reasons
    urls = set(Notification.objects.filter(user=manager).values_list("url", flat=True))
    assert urls == {f"/fi/inbox/conversations/{conv.pk}/", "/fi/content/crisis/"}


def test_no_crisis_suggestion_when_crisis_mode_is_already_on(town: Town, library: Channel) -> None:
    manager = town.users[Role.CITY_MANAGER]
    crisis.start(manager, town.root, "Vesikatko koko kunnassa")
    before = Notification.objects.filter(user=manager).count()
    conv = routed(talk(library, Klass.CRISIS))
    assert conv.assignee == manager and not conv.suggest_crisis
    assert {"kind": "crisis_active"} in conv.route_reasons
    assert Notification.objects.filter(user=manager).count() == before + 1  # the assignment


def test_official_matter_goes_to_the_registry_office_contact_with_instructions(
    town: Town, library: Channel
) -> None:
    # The registry office contact needs no role: the named person is enough.
    office = f.user(town.org, first_name="Kaija", last_name="Kirjaamo")
    RoutingRule.objects.filter(organisation=town.org, klass=Klass.OFFICIAL).update(person=office)
    conv = routed(talk(library, Klass.OFFICIAL, text="Pyydän asiakirjat julkisuuslain nojalla."))
    assert conv.assignee == office
    assert steps(conv) == [("person", True, "")]
    rule = RoutingRule.objects.get(organisation=town.org, klass=Klass.OFFICIAL)
    assert "kirjaamo" in rule.instructions and "kirjattava" in rule.instructions
    assert any("kirjaamo" in line for line in routing.describe_route(conv))


def test_official_matter_without_a_contact_goes_to_communications(
    town: Town, library: Channel
) -> None:
    conv = routed(talk(library, Klass.OFFICIAL))
    assert conv.assignee == town.users[Role.COMMUNICATIONS]
    assert steps(conv) == [("person", False, "not_set"), ("communications", True, "")]


def test_questions_and_feedback_go_to_the_responsible_then_communications(
    town: Town, eero: User, library: Channel
) -> None:
    assert routed(talk(library, Klass.QUESTION)).assignee == eero
    library.responsibles.clear()
    conv = routed(talk(library, Klass.FEEDBACK, text="Kiitos hienosta tapahtumasta!"))
    assert conv.assignee == town.users[Role.COMMUNICATIONS]


def test_spam_is_left_new_and_unassigned_and_nobody_is_bothered(
    town: Town, library: Channel
) -> None:
    conv = routed(talk(library, Klass.SPAM, text="Voita iPhone, klikkaa linkkiä"))
    assert (conv.assignee, conv.state) == (None, Conversation.State.NEW)
    assert conv.route_reasons[0]["kind"] == "no_targets"
    assert not Notification.objects.exists()


def test_other_goes_to_the_responsible_or_waits_unassigned(
    town: Town, eero: User, library: Channel
) -> None:
    assert routed(talk(library, Klass.OTHER)).assignee == eero
    library.responsibles.clear()
    conv = routed(talk(library, Klass.OTHER))
    assert (conv.assignee, conv.state) == (None, Conversation.State.NEW)
    assert conv.route_reasons[-1] == {"kind": "nobody", "klass": Klass.OTHER}


def test_another_organisations_people_are_never_chosen(
    town: Town, other_town: Town, library: Channel
) -> None:
    stranger = other_town.users[Role.CHANNEL_OWNER]
    library.responsibles.set([stranger])
    RoutingRule.objects.filter(organisation=town.org, klass=Klass.OFFICIAL).update(person=stranger)
    for klass in Klass.values:
        conv = routed(talk(library, klass))
        assert conv.assignee is None or conv.assignee.organisation_id == town.org.pk, klass
    assert steps(Conversation.objects.get(klass=Klass.OFFICIAL))[0][2] == "unavailable"
    assert steps(Conversation.objects.get(klass=Klass.MEDIA))[0] == ("channel_owner", False, "none")
    assert not Notification.objects.filter(user__organisation=other_town.org).exists()


def test_defaults_are_created_once_and_edits_survive(town: Town) -> None:
    routing.ensure_default_routing(town.org)
    RoutingRule.objects.filter(organisation=town.org, klass=Klass.OTHER).update(
        targets=["communications"]
    )
    routing.ensure_default_routing(town.org)
    rules = {r.klass: r for r in RoutingRule.objects.filter(organisation=town.org)}
    assert set(rules) == set(Klass.values)
    assert rules[Klass.OTHER].targets == ["communications"]
    assert rules[Klass.MEDIA].targets == ["channel_owner", "unit_director", "city_manager"]
    assert rules[Klass.CRISIS].suggest_crisis and not rules[Klass.MEDIA].suggest_crisis


def test_an_organisation_without_rules_routes_by_the_guideline(town: Town, eero: User) -> None:
    channel = f.channel(town.unit, eero)
    assert routed(talk(channel, Klass.MEDIA)).assignee == eero
    assert RoutingRule.objects.filter(organisation=town.org).count() == len(Klass.values)


def test_a_disabled_rule_leaves_the_conversation_unassigned(town: Town, library: Channel) -> None:
    RoutingRule.objects.filter(organisation=town.org, klass=Klass.QUESTION).update(enabled=False)
    conv = routed(talk(library, Klass.QUESTION))
    assert conv.assignee is None and conv.route_reasons[0]["kind"] == "no_rule"


def test_a_missing_conversation_page_does_not_stop_routing(
    town: Town, eero: User, library: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_page(*args: object) -> str:
        raise NoReverseMatch("inbox:conversation")

    monkeypatch.setattr(routing, "url_for", no_page)
    assert routed(talk(library, Klass.QUESTION)).assignee == eero
    assert Notification.objects.get(user=eero).url == ""


def test_routing_a_conversation_takes_few_queries(
    town: Town, eero: User, library: Channel, django_assert_max_num_queries: object
) -> None:
    item = talk(library, Klass.MEDIA)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        routing.route(item.conversation, item)
