"""The five-question channel request and the director's decision, through the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from somevahti.audit.models import AuditEvent
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import Notification
from somevahti.core.roles import Role
from somevahti.registry.actions.requests import decide_channel_request, submit_channel_request
from somevahti.registry.models import (
    AccessGrant,
    AccessTask,
    Audience,
    Channel,
    ChannelRequest,
    MatrixCell,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW = reverse("registry:request_new")
LIST = reverse("registry:request_list")
SUGGEST = reverse("registry:request_suggest")
NOON = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def audience(org, name):
    return Audience.objects.get_or_create(organisation=org, name=name)[0]


def answers(town, **overrides):
    """A complete set of answers for ``submit_channel_request``."""
    youth = audience(town.org, "Nuoret")
    data = {
        "platform": "instagram",
        "name": "Kirjaston nuoret",
        "purpose": "Nuoret eivät seuraa kirjaston Facebookia.",
        "content_plan": "Lukuvinkkejä ja tapahtumia viikoittain.",
        "audiences": [youth],
        "promotion_plan": "Koulujen tiedotteet ja julisteet.",
        "evaluation_plan": "Seuraajat ja tapahtumien kävijät puolen vuoden välein.",
        "first_evaluation_on": clock.today() + dt.timedelta(days=180),
        "target_per_week": Decimal("3"),
        "proposed_responsibles": [town.users[Role.CHANNEL_OWNER]],
    }
    data.update(overrides)
    return data


def form_data(town, **overrides):
    """The same answers as the request form posts them."""
    youth = audience(town.org, "Nuoret")
    data = {
        "unit": town.unit.pk,
        "platform": "instagram",
        "name": "Kirjaston nuoret",
        "purpose": "Nuoret eivät seuraa kirjaston Facebookia.",
        "content_plan": "Lukuvinkkejä ja tapahtumia viikoittain.",
        "audiences": [youth.pk],
        "promotion_plan": "Koulujen tiedotteet ja julisteet.",
        "evaluation_plan": "Seuraajat ja tapahtumien kävijät puolen vuoden välein.",
        "first_evaluation_on": (clock.today() + dt.timedelta(days=180)).isoformat(),
        "target_per_week": "3",
        "proposed_responsibles": [town.users[Role.CHANNEL_OWNER].pk],
    }
    data.update(overrides)
    return data


def decide_url(req):
    return reverse("registry:request_decide", args=[req.pk])


def detail_url(req):
    return reverse("registry:request_detail", args=[req.pk])


def verbs():
    return list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))


def test_full_journey_from_request_to_active_channel(
    client, town, django_capture_on_commit_callbacks
):
    producer = town.users[Role.CONTENT_PRODUCER]
    director = town.users[Role.UNIT_DIRECTOR]
    it = town.users[Role.IT]

    # 1. A content producer asks for a channel through the form.
    client.force_login(producer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, form_data(town))
    req = ChannelRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(req)
    assert req.status == "pending"
    assert req.requested_by == producer
    assert req.unit == town.unit
    assert [a.name for a in req.audiences.all()] == ["Nuoret"]
    assert Notification.objects.filter(user=director, url=detail_url(req)).exists()
    assert director.email in [m.to[0] for m in mail.outbox]
    assert verbs() == ["channel_request.submitted"]

    # 2. The director sees the decision form and approves with a reason.
    client.force_login(director)
    page = client.get(detail_url(req))
    assert page.context["can_decide"] is True
    assert 'id="decision-form"' in page.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(req), {"decision": "approve", "reason": "Tarve on perusteltu."}
        )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "approved"
    assert req.decided_by == director
    assert req.decision_reason == "Tarve on perusteltu."
    channel = req.channel
    assert channel.status == "opening"
    assert channel.unit == town.unit
    assert channel.platform == "instagram"
    assert channel.target_per_week == Decimal("3")
    assert list(channel.responsibles.all()) == [town.users[Role.CHANNEL_OWNER]]
    assert [a.name for a in channel.audiences.all()] == ["Nuoret"]
    task = AccessTask.objects.get(channel=channel)
    assert (task.kind, task.status) == ("grant", "open")

    # IT is told in the app and by e-mail, with a link to the task; the requester hears too.
    task_url = reverse("registry:access_task", args=[task.pk])
    assert Notification.objects.filter(user=it, url=task_url).exists()
    it_mail = [m for m in mail.outbox if m.to == [it.email]]
    assert len(it_mail) == 1
    assert task_url in it_mail[0].body
    assert Notification.objects.filter(user=producer, url=detail_url(req)).exists()
    assert producer.email in [m.to[0] for m in mail.outbox]

    # 3. IT records its own access, then completes the task.
    client.force_login(it)
    assert client.get(task_url).status_code == 200
    today = NOON.date()
    with clock.frozen(NOON):
        response = client.post(
            reverse("registry:access_grant_new", args=[channel.pk]),
            {
                "task": task.pk,
                "grant-holder": it.pk,
                "grant-kind": "admin",
                "grant-method": "Sivun ylläpitäjärooli",
                "grant-granted_on": today.isoformat(),
            },
        )
        assert response.status_code == 302
        assert response["Location"] == task_url
        response = client.post(reverse("registry:access_task_complete", args=[task.pk]))
    assert response.status_code == 302
    grant = AccessGrant.objects.get(channel=channel)
    assert (grant.holder, grant.kind, grant.recorded_by) == (it, "admin", it)
    task.refresh_from_db()
    assert (task.status, task.done_by) == ("done", it)
    channel.refresh_from_db()
    assert channel.status == "active"
    assert channel.opened_on == today

    assert verbs() == [
        "channel_request.submitted",
        "channel.created",
        "access_task.opened",
        "channel_request.approved",
        "access.granted",
        "access_task.done",
        "channel.activated",
    ]
    approved = AuditEvent.objects.get(verb="channel_request.approved")
    assert approved.actor == director
    assert approved.reason == "Tarve on perusteltu."
    assert AuditEvent.objects.get(verb="channel.activated").actor == it


def test_rejection_creates_nothing_and_tells_the_requester(town):
    producer = town.users[Role.CONTENT_PRODUCER]
    req = submit_channel_request(producer, town.unit, answers(town))
    decide_channel_request(town.users[Role.UNIT_DIRECTOR], req, False, "Ei resursseja.")
    req.refresh_from_db()
    assert req.status == "rejected"
    assert req.channel is None
    assert not Channel.objects.exists()
    assert not AccessTask.objects.exists()
    assert Notification.objects.filter(user=producer, url=detail_url(req)).exists()
    assert not Notification.objects.filter(user=town.users[Role.IT]).exists()
    event = AuditEvent.objects.get(verb="channel_request.rejected")
    assert event.reason == "Ei resursseja."


def test_form_shows_field_errors_and_saves_nothing(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    data = form_data(
        town,
        purpose="   ",
        audiences=[],
        proposed_responsibles=[],
        first_evaluation_on=(clock.today() - dt.timedelta(days=1)).isoformat(),
    )
    response = client.post(NEW, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"purpose", "audiences", "proposed_responsibles"} <= set(errors)
    assert 'id="error-summary"' in response.content.decode()
    assert not ChannelRequest.objects.exists()
    assert not AuditEvent.objects.exists()
    # The past evaluation date is caught by the action once the rest is valid.
    response = client.post(
        NEW, form_data(town, first_evaluation_on=(clock.today() - dt.timedelta(days=1)).isoformat())
    )
    assert set(response.context["form"].errors) == {"first_evaluation_on"}
    assert not ChannelRequest.objects.exists()


def test_missing_answers_give_an_error_per_field(town):
    with pytest.raises(ValidationError) as exc:
        submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, {})
    fields = exc.value.message_dict
    assert set(fields) >= {
        "platform",
        "name",
        "purpose",
        "content_plan",
        "audiences",
        "promotion_plan",
        "evaluation_plan",
        "first_evaluation_on",
        "proposed_responsibles",
    }
    assert "target_per_week" not in fields  # optional: defaults to two a week


def test_action_rejects_people_and_groups_of_another_organisation(town, other_town):
    stranger = other_town.users[Role.CHANNEL_OWNER]
    foreign = f.audience(other_town.org, "Muut")
    gone = f.user(town.org, is_active=False)
    with pytest.raises(ValidationError) as exc:
        submit_channel_request(
            town.users[Role.CONTENT_PRODUCER],
            town.unit,
            answers(town, audiences=[foreign], proposed_responsibles=[stranger]),
        )
    assert set(exc.value.message_dict) == {"audiences", "proposed_responsibles"}
    with pytest.raises(ValidationError) as exc:
        submit_channel_request(
            town.users[Role.CONTENT_PRODUCER],
            town.unit,
            answers(town, proposed_responsibles=[gone], platform="myspace"),
        )
    assert set(exc.value.message_dict) == {"platform", "proposed_responsibles"}
    assert not ChannelRequest.objects.exists()


def test_default_rhythm_and_directors_notified_but_not_the_requester(town):
    director = town.users[Role.UNIT_DIRECTOR]
    data = answers(town)
    del data["target_per_week"]
    req = submit_channel_request(director, town.unit, data)
    assert req.target_per_week == Decimal("2")
    assert not Notification.objects.filter(user=director).exists()


def test_unit_choices_are_the_units_where_the_user_may_request(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    form = client.get(NEW).context["form"]
    units = set(form.fields["unit"].queryset)
    assert units == {town.sector, town.unit, town.subunit}
    assert form.initial["proposed_responsibles"] == [town.users[Role.CONTENT_PRODUCER].pk]
    # A unit outside the producer's reach is not accepted.
    response = client.post(NEW, form_data(town, unit=town.other_sector.pk))
    assert "unit" in response.context["form"].errors
    assert not ChannelRequest.objects.exists()


def test_a_user_without_any_role_cannot_request(client, town):
    nobody = f.user(town.org)
    with pytest.raises(PermissionDenied):
        submit_channel_request(nobody, town.unit, answers(town))
    client.force_login(nobody)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form_data(town)).status_code == 403
    assert not ChannelRequest.objects.exists()


def _matrix(town):
    youth = audience(town.org, "Nuoret")
    families = audience(town.org, "Perheet")
    MatrixCell.objects.create(
        organisation=town.org, audience=youth, platform="tiktok", purpose="Lyhyet videot"
    )
    MatrixCell.objects.create(
        organisation=town.org, audience=youth, platform="instagram", purpose="Kuvat ja tarinat"
    )
    MatrixCell.objects.create(
        organisation=town.org, audience=families, platform="instagram", purpose="Tapahtumat"
    )
    return youth, families


def test_suggestion_panel_answers_htmx_with_matrix_purposes(client, town):
    youth, families = _matrix(town)
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    response = client.get(SUGGEST, {"audiences": [youth.pk, families.pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    assert [s["code"] for s in suggestions] == ["instagram", "tiktok"]
    html = response.content.decode()
    assert "Kuvat ja tarinat" in html and "Tapahtumat" in html
    assert "<html" not in html  # only the panel
    # The form wires the panel to the audience checkboxes.
    form_html = client.get(NEW).content.decode()
    assert f'hx-get="{SUGGEST}"' in form_html
    assert "hx-include=\"[name='audiences']\"" in form_html


def test_suggestions_without_javascript_keep_the_answers(client, town):
    youth, _families = _matrix(town)
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    data = form_data(town, audiences=[youth.pk], purpose="Oma perustelu", suggest="1")
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert [s["code"] for s in response.context["suggestions"]] == ["instagram", "tiktok"]
    assert not response.context["form"].errors  # no error messages on a mere round trip
    assert "Oma perustelu" in response.content.decode()
    assert not ChannelRequest.objects.exists()


def test_requester_may_not_decide_own_request(client, town):
    director = town.users[Role.UNIT_DIRECTOR]
    req = submit_channel_request(director, town.unit, answers(town))
    with pytest.raises(PermissionDenied):
        decide_channel_request(director, req, True, "Hyvä idea")
    client.force_login(director)
    assert client.get(detail_url(req)).context["can_decide"] is False
    response = client.post(decide_url(req), {"decision": "approve", "reason": "Hyvä idea"})
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"
    assert not Channel.objects.exists()


@pytest.mark.parametrize("who", ["producer", "sibling_director", "sector_it"])
def test_others_get_403_and_nothing_changes(client, town, who):
    req = submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town))
    sibling = f.unit(town.sector, "Museo")
    users = {
        "producer": town.users[Role.CHANNEL_OWNER],
        "sibling_director": f.user(town.org, (Role.UNIT_DIRECTOR, sibling)),
        "sector_it": town.users[Role.IT],
    }
    client.force_login(users[who])
    response = client.post(decide_url(req), {"decision": "approve", "reason": "Käy"})
    assert response.status_code == 403
    response = client.post(decide_url(req), {"decision": "approve", "reason": ""})
    assert response.status_code == 403
    req.refresh_from_db()
    assert req.status == "pending"
    assert not Channel.objects.exists()
    assert verbs() == ["channel_request.submitted"]


def test_director_of_other_sector_gets_403(client, town):
    req = submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town))
    other = f.user(town.org, (Role.UNIT_DIRECTOR, town.other_sector))
    client.force_login(other)
    assert client.post(decide_url(req), {"decision": "reject", "reason": "Ei"}).status_code == 403
    assert ChannelRequest.objects.get().status == "pending"


def test_director_of_an_ancestor_unit_may_decide(town):
    req = submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.subunit, answers(town))
    decide_channel_request(town.users[Role.UNIT_DIRECTOR], req, True, "Kyllä")
    assert ChannelRequest.objects.get().status == "approved"


def test_second_decision_is_a_conflict(client, town):
    req = submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town))
    director = town.users[Role.UNIT_DIRECTOR]
    second = f.user(town.org, (Role.UNIT_DIRECTOR, town.sector))
    decide_channel_request(director, req, True, "Kyllä")
    with pytest.raises(Conflict):
        decide_channel_request(second, req, False, "Ei sittenkään")
    client.force_login(second)
    response = client.post(decide_url(req), {"decision": "reject", "reason": "Ei sittenkään"})
    assert response.status_code == 409
    assert 'id="conflict"' in response.content.decode()
    assert response.context["can_decide"] is False
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_reason) == ("approved", director, "Kyllä")
    assert Channel.objects.count() == 1
    assert AccessTask.objects.count() == 1


def test_reason_is_required(client, town):
    req = submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town))
    with pytest.raises(ValidationError) as exc:
        decide_channel_request(town.users[Role.UNIT_DIRECTOR], req, True, "  ")
    assert set(exc.value.message_dict) == {"reason"}
    client.force_login(town.users[Role.UNIT_DIRECTOR])
    response = client.post(decide_url(req), {"decision": "approve", "reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert ChannelRequest.objects.get().status == "pending"


def test_another_organisations_request_is_404(client, town, other_town):
    req = submit_channel_request(
        other_town.users[Role.CONTENT_PRODUCER], other_town.unit, answers(other_town)
    )
    client.force_login(town.users[Role.UNIT_DIRECTOR])
    assert client.get(detail_url(req)).status_code == 404
    response = client.post(decide_url(req), {"decision": "approve", "reason": "x"})
    assert response.status_code == 404
    assert ChannelRequest.objects.get().status == "pending"
    client.force_login(town.users[Role.ORG_ADMIN])
    assert req.pk not in [r.pk for r in client.get(LIST).context["page"]]


def test_detail_shows_all_answers(client, town):
    req = submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town))
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    html = client.get(detail_url(req)).content.decode()
    for text in (
        "Kirjaston nuoret",
        "Nuoret eivät seuraa kirjaston Facebookia.",
        "Lukuvinkkejä ja tapahtumia viikoittain.",
        "Nuoret",
        "Koulujen tiedotteet ja julisteet.",
        "Seuraajat ja tapahtumien kävijät puolen vuoden välein.",
    ):
        assert text in html
    assert 'id="decision-form"' not in html


def test_list_tabs_and_status_filter(client, town):
    producer = town.users[Role.CONTENT_PRODUCER]
    director = town.users[Role.UNIT_DIRECTOR]
    mine = submit_channel_request(producer, town.unit, answers(town, name="Oma"))
    decided = submit_channel_request(producer, town.unit, answers(town, name="Päätetty"))
    decide_channel_request(director, decided, False, "Ei")
    own_by_director = submit_channel_request(director, town.unit, answers(town, name="Johtajan"))

    def names(**params):
        return [r.name for r in client.get(LIST, params).context["page"]]

    client.force_login(director)
    assert names(show="decide") == ["Oma"]  # never their own, never a decided one
    assert names(show="mine") == ["Johtajan"]
    assert names() == ["Johtajan", "Päätetty", "Oma"]
    assert names(status="rejected") == ["Päätetty"]
    assert own_by_director.pk and mine.pk

    client.force_login(producer)
    response = client.get(LIST, {"show": "decide"})
    assert [key for key, _label in response.context["tabs"]] == ["all", "mine"]
    assert response.context["tab"] == "all"


def test_elected_official_sees_only_own_requests(client, town):
    official = town.users[Role.ELECTED_OFFICIAL]
    submit_channel_request(town.users[Role.CONTENT_PRODUCER], town.unit, answers(town, name="A"))
    own = submit_channel_request(official, town.root, answers(town, name="Valtuusto"))
    client.force_login(official)
    assert [r.name for r in client.get(LIST).context["page"]] == ["Valtuusto"]
    assert client.get(detail_url(own)).status_code == 200


def test_list_query_count_is_bounded(client, town, django_assert_max_num_queries):
    producer = town.users[Role.CONTENT_PRODUCER]
    audience = f.audience(town.org, "Kaikki")
    units = [town.unit, town.subunit, town.sector]
    for i in range(60):
        req = f.channel_request(units[i % 3], producer, name=f"Pyyntö {i}")
        req.audiences.set([audience])
    client.force_login(town.users[Role.UNIT_DIRECTOR])
    for params in ({}, {"show": "decide"}, {"show": "mine"}, {"status": "pending", "page": 2}):
        with django_assert_max_num_queries(12):
            response = client.get(LIST, params)
        assert response.status_code == 200
