"""Warnings before a response target is missed, escalation after: once each, in the
recipient's language; the business-hours response figure."""

from __future__ import annotations

import datetime as dt

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.models import Notification, User
from somevahti.core.roles import Role
from somevahti.inbox.hours import start_clock
from somevahti.inbox.models import Conversation
from somevahti.inbox.targets import business_response_minutes, check_targets
from somevahti.inbox.tasks import check_response_targets
from somevahti.inbox.tests.test_hours import hki, incoming
from tests import factories as f


def sweep(at: dt.datetime) -> dict[str, int]:
    with clock.frozen(at):
        return check_targets()


def notices(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def question(town: Town, at: dt.datetime, assignee: User | None = None) -> Conversation:
    conv, item = incoming(town, at)
    conv.assignee = assignee
    conv.state = Conversation.State.ASSIGNED if assignee else Conversation.State.NEW
    conv.save()
    start_clock(conv, item)
    return conv


def test_warned_once_before_the_target_and_escalated_once_after(town: Town) -> None:
    producer, director = town.users[Role.CONTENT_PRODUCER], town.users[Role.UNIT_DIRECTOR]
    conv = question(town, hki(2027, 3, 15, 8), producer)  # due Monday 12.00
    assert sweep(hki(2027, 3, 15, 10, 55)) == {"warned": 0, "escalated": 0}
    assert sweep(hki(2027, 3, 15, 11, 5)) == {"warned": 1, "escalated": 0}
    assert sweep(hki(2027, 3, 15, 11, 15)) == {"warned": 0, "escalated": 0}
    assert notices(producer) == [  # in the recipient's language (Finnish by default)
        "Vastaus on annettava viimeistään maanantaina 15.3. klo 12.00: "
        "Maija Meikäläinen (Kirjasto)."
    ]
    assert notices(director) == []
    assert sweep(hki(2027, 3, 15, 12, 5)) == {"warned": 0, "escalated": 1}
    assert sweep(hki(2027, 3, 15, 12, 15)) == {"warned": 0, "escalated": 0}
    assert check_response_targets.call_local() == {"warned": 0, "escalated": 0}
    assert len(notices(producer)) == 1
    assert notices(director) == [
        "Vastausaikatavoite ylittyi: lähettäjälle Maija Meikäläinen (Kirjasto) olisi pitänyt "
        "vastata viimeistään maanantaina 15.3. klo 12.00."
    ]
    link = Notification.objects.get(user=director).url
    assert link.endswith(f"/inbox/conversations/{conv.pk}/")
    conv.refresh_from_db()
    assert conv.warned_at == hki(2027, 3, 15, 11, 5)
    assert conv.escalated_at == hki(2027, 3, 15, 12, 5)
    event = AuditEvent.objects.get(verb="inbox.escalated")
    assert event.target_id == str(conv.pk) and event.data["to"] == [director.pk]


def test_unassigned_warnings_go_to_communications_in_their_language(town: Town) -> None:
    comms = town.users[Role.COMMUNICATIONS]
    comms.language = "sv"
    comms.save()
    central = f.user(town.org, (Role.COMMUNICATIONS, town.root))  # further up: not this time
    question(town, hki(2027, 3, 15, 8))
    assert sweep(hki(2027, 3, 15, 11, 30))["warned"] == 1
    assert notices(comms) == ["Svara senast måndag 15.3 kl. 12.00: Maija Meikäläinen på Kirjasto."]
    assert notices(central) == []


def test_the_warning_counts_business_minutes_across_the_weekend(town: Town) -> None:
    producer = town.users[Role.CONTENT_PRODUCER]
    conv = question(town, hki(2027, 3, 19, 12, 30), producer)
    assert conv.due_at == hki(2027, 3, 22, 8, 30)  # 3.5 hours on Friday, 0.5 on Monday
    assert sweep(hki(2027, 3, 19, 15, 25))["warned"] == 0  # 65 business minutes left
    assert sweep(hki(2027, 3, 19, 15, 35))["warned"] == 1  # 55 left: warn before the weekend
    assert sweep(hki(2027, 3, 22, 8, 35)) == {"warned": 0, "escalated": 1}


def test_answered_and_closed_conversations_are_left_alone(town: Town) -> None:
    director = town.users[Role.UNIT_DIRECTOR]
    answered = question(town, hki(2027, 3, 15, 8), town.users[Role.CONTENT_PRODUCER])
    closed = question(town, hki(2027, 3, 15, 8))
    Conversation.objects.filter(pk=answered.pk).update(
        state=Conversation.State.ANSWERED, first_response_at=hki(2027, 3, 15, 9)
    )
    Conversation.objects.filter(pk=closed.pk).update(state=Conversation.State.CLOSED)
    assert sweep(hki(2027, 3, 16, 9)) == {"warned": 0, "escalated": 0}
    assert notices(director) == []


def test_escalation_without_a_director_goes_to_communications(town: Town) -> None:
    town.users[Role.UNIT_DIRECTOR].role_assignments.all().delete()
    question(town, hki(2027, 3, 15, 8), town.users[Role.CONTENT_PRODUCER])
    assert sweep(hki(2027, 3, 15, 13)) == {"warned": 1, "escalated": 1}
    assert len(notices(town.users[Role.COMMUNICATIONS])) == 1


def test_business_response_minutes(town: Town) -> None:
    conv = question(town, hki(2027, 3, 19, 15))
    assert business_response_minutes(conv) is None
    conv.first_response_at = hki(2027, 3, 22, 9, 15)  # answered on Monday morning
    assert business_response_minutes(conv) == 135
    conv.first_response_at = hki(2027, 3, 30, 8, 30)  # over Easter: Friday and Monday closed
    assert business_response_minutes(conv) == 60 + 4 * 480 + 30
