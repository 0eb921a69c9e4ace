"""The inbox API: scoping per organisation and unit, PATCH of conversations, the settings'
CRUD with permissions, and a fixed number of queries for the lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import Town
from somevahti.core.roles import Role
from somevahti.inbox.models import Conversation, ResponseTarget, RoutingRule, SavedReply
from somevahti.inbox.tests.page_builders import (
    api,
    channel,
    conversation,
    incoming,
    producer_elsewhere,
)

pytestmark = pytest.mark.django_db
S = Conversation.State


def test_items_and_conversations_are_scoped(town: Town, other_town: Town) -> None:
    ch = channel(town)
    conv = conversation(town, ch, text="Onko lainausautomaatti rikki?")
    incoming(conv, "Se ei ota korttia.")
    other = conversation(other_town, channel(other_town))
    owner = api(town.users[Role.CHANNEL_OWNER])
    items = owner.get("/api/v1/inbox-items/", {"conversation": conv.pk}).json()
    assert [i["text"] for i in items["results"]] == [
        "Se ei ota korttia.",
        "Onko lainausautomaatti rikki?",
    ]
    assert owner.get(f"/api/v1/conversations/{other.pk}/").status_code == 404
    other_item = other.items.get()
    assert owner.get(f"/api/v1/inbox-items/{other_item.pk}/").status_code == 404
    outsider = api(producer_elsewhere(town))
    assert outsider.get("/api/v1/conversations/").json()["count"] == 0
    assert outsider.get(f"/api/v1/conversations/{conv.pk}/").status_code == 404
    detail = owner.get(f"/api/v1/conversations/{conv.pk}/").json()
    assert detail["state"] == "new" and detail["klass"] == "question"
    assert isinstance(detail["route"], list)


def test_conversation_filters_match_the_page(town: Town) -> None:
    ch = channel(town)
    owner = town.users[Role.CHANNEL_OWNER]
    mine = conversation(town, ch, assignee=owner, state=S.ASSIGNED)
    media = conversation(town, ch, klass="media", text="Toimittaja soittaa huomenna.")
    conversation(town, ch, state=S.CLOSED)
    client = api(owner)

    def ids(**params: object) -> set[int]:
        return {c["id"] for c in client.get("/api/v1/conversations/", params).json()["results"]}

    assert ids() == {mine.pk, media.pk}
    assert ids(assignee="mine") == {mine.pk}
    assert ids(q="toimittaja") == {media.pk}
    assert len(ids(state="all")) == 3
    assert client.get("/api/v1/conversations/", {"klass": "nope"}).status_code == 400


def test_patch_state_and_assignee_with_permissions(town: Town, other_town: Town) -> None:
    conv = conversation(town, channel(town))
    url = f"/api/v1/conversations/{conv.pk}/"
    producer = town.users[Role.CONTENT_PRODUCER]
    assert api(producer).patch(url, {"state": "closed"}, format="json").status_code == 403
    assert api(producer_elsewhere(town)).patch(url, {"state": "closed"}).status_code == 404
    assert api(other_town.users[Role.ORG_ADMIN]).patch(url, {"state": "closed"}).status_code == 404
    owner = api(town.users[Role.CHANNEL_OWNER])
    assigned = owner.patch(url, {"assignee": producer.pk}, format="json")
    assert assigned.status_code == 200
    assert (
        assigned.json()["assignee"]["id"] == producer.pk and assigned.json()["state"] == "assigned"
    )
    closed = owner.patch(url, {"state": "closed"}, format="json")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert owner.patch(url, {"state": "waiting"}, format="json").status_code == 409
    assert owner.patch(url, {"state": "bogus"}, format="json").status_code == 400
    assert owner.put(url, {"state": "new"}, format="json").status_code == 405
    stranger = other_town.users[Role.CONTENT_PRODUCER]
    assert owner.patch(url, {"assignee": stranger.pk}, format="json").status_code == 400


def _queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/conversations/", "/api/v1/inbox-items/"])
def test_api_lists_run_a_fixed_number_of_queries(town: Town, url: str) -> None:
    chans = [channel(town), channel(town, "bluesky")]
    owner = town.users[Role.CHANNEL_OWNER]
    client = api(owner)
    conversation(town, chans[0], assignee=owner)
    client.get(url)  # the authenticated user object caches its roles after the first request
    small = _queries(client, url)
    for n in range(40):
        incoming(conversation(town, chans[n % 2], assignee=owner), "Ja vielä yksi asia.")
    assert _queries(client, url) == small


def test_routing_rules_are_edited_by_the_organisation_admin(town: Town, other_town: Town) -> None:
    admin = api(town.users[Role.ORG_ADMIN])
    comms = api(town.users[Role.COMMUNICATIONS])
    body = {"klass": "media", "targets": ["channel_owner", "city_manager"], "enabled": True}
    assert comms.post("/api/v1/routing-rules/", body, format="json").status_code == 403
    made = admin.post("/api/v1/routing-rules/", body, format="json")
    assert made.status_code == 201
    rule = RoutingRule.objects.get(pk=made.json()["id"])
    assert (rule.organisation, rule.targets) == (town.org, ["channel_owner", "city_manager"])
    assert admin.post("/api/v1/routing-rules/", body, format="json").status_code == 400
    no_person = admin.patch(
        f"/api/v1/routing-rules/{rule.pk}/", {"targets": ["person"]}, format="json"
    )
    assert no_person.status_code == 400
    person = town.users[Role.COMMUNICATIONS]
    named = admin.patch(
        f"/api/v1/routing-rules/{rule.pk}/",
        {"targets": ["person"], "person": person.pk},
        format="json",
    )
    assert named.status_code == 200 and named.json()["person"] == person.pk
    stranger = other_town.users[Role.COMMUNICATIONS].pk
    foreign = admin.patch(f"/api/v1/routing-rules/{rule.pk}/", {"person": stranger}, format="json")
    assert foreign.status_code == 400
    assert [r["id"] for r in comms.get("/api/v1/routing-rules/").json()["results"]] == [rule.pk]
    outsider = api(other_town.users[Role.ORG_ADMIN])
    assert outsider.get(f"/api/v1/routing-rules/{rule.pk}/").status_code == 404
    assert outsider.delete(f"/api/v1/routing-rules/{rule.pk}/").status_code == 404
    assert admin.delete(f"/api/v1/routing-rules/{rule.pk}/").status_code == 204
    assert not RoutingRule.objects.exists()


def test_response_targets_crud(town: Town, other_town: Town) -> None:
    admin = api(town.users[Role.ORG_ADMIN])
    ch = channel(town)
    body = {"channel": ch.pk, "klass": "question", "business_minutes": 120}
    made = admin.post("/api/v1/response-targets/", body, format="json")
    assert made.status_code == 201
    default = {"channel": None, "klass": "", "business_minutes": 480}
    assert admin.post("/api/v1/response-targets/", default, format="json").status_code == 201
    # The organisation default once only, although the database lets NULL channels repeat.
    assert admin.post("/api/v1/response-targets/", default, format="json").status_code == 400
    foreign = {**body, "channel": channel(other_town).pk}
    assert admin.post("/api/v1/response-targets/", foreign, format="json").status_code == 400
    owner = api(town.users[Role.CHANNEL_OWNER])
    pk = made.json()["id"]
    assert (
        owner.patch(f"/api/v1/response-targets/{pk}/", {"business_minutes": 5}).status_code == 403
    )
    assert (
        admin.patch(f"/api/v1/response-targets/{pk}/", {"business_minutes": 90}).status_code == 200
    )
    assert ResponseTarget.objects.get(pk=pk).business_minutes == 90
    assert (
        api(other_town.users[Role.ORG_ADMIN]).get(f"/api/v1/response-targets/{pk}/").status_code
        == 404
    )


def test_saved_replies_crud(town: Town, other_town: Town) -> None:
    comms = api(town.users[Role.COMMUNICATIONS])
    body = {"title": "Opening hours", "language": "en", "text": "The library is open 9–19."}
    made = comms.post("/api/v1/saved-replies/", body, format="json")
    assert made.status_code == 201
    pk = made.json()["id"]
    assert SavedReply.objects.get(pk=pk).organisation == town.org
    assert (
        api(town.users[Role.CHANNEL_OWNER]).post("/api/v1/saved-replies/", body).status_code == 403
    )
    assert (
        api(town.users[Role.CHANNEL_OWNER]).get(f"/api/v1/saved-replies/{pk}/").status_code == 200
    )
    changed = comms.patch(f"/api/v1/saved-replies/{pk}/", {"text": "Open 10–18."}, format="json")
    assert changed.status_code == 200 and changed.json()["title"] == "Opening hours"
    outsider = api(other_town.users[Role.COMMUNICATIONS])
    assert outsider.patch(f"/api/v1/saved-replies/{pk}/", {"text": "x"}).status_code == 404
    assert comms.delete(f"/api/v1/saved-replies/{pk}/").status_code == 204
