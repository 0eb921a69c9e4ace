"""The demo town end to end: open a channel through the five-question request,
and close the four-year-old X account through the revive-or-close checklist.
Every page visited is checked with axe."""

from __future__ import annotations

import datetime as dt

import pytest

from somevahti.core import clock
from somevahti.core.models import Notification, Unit, User
from somevahti.registry.models import (
    AccessGrant,
    AccessTask,
    Audience,
    Channel,
    ChannelRequest,
    DormancyReview,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUBMIT = "main form button[type=submit]:not([name])"


def test_request_decide_and_it_access_make_a_channel_active(demo, login, live_server, accessible):
    base = live_server.url
    kirjasto = Unit.objects.get(organisation__slug="vahtila", name="Kirjasto")
    youth = Audience.objects.get(organisation__slug="vahtila", name="Nuoret alle 20-vuotiaat")

    # 1. The content producer asks for a new channel, answering the five questions.
    page = login("tuottaja", demo)
    page.goto(f"{base}/fi/registry/requests/new/")
    accessible(page)
    page.select_option("#id_unit", str(kirjasto.pk))
    page.fill("#id_name", "Kirjaston lukupiiri")
    page.fill("#id_purpose", "Nuoret lukijat eivät löydä lukupiiriä nykyisistä kanavista.")
    page.fill("#id_content_plan", "Lyhyet kirjavinkit ja lukupiirin kokoontumiset videoina.")
    page.check(f"input[name=audiences][value='{youth.pk}']")
    page.select_option("#id_platform", "youtube")
    page.fill("#id_promotion_plan", "Koulujen tiedotteet ja kirjaston Instagram.")
    page.fill("#id_evaluation_plan", "Katselukerrat ja lukupiirin osallistujat kerran kaudessa.")
    page.fill("#id_first_evaluation_on", (clock.today() + dt.timedelta(days=120)).isoformat())
    page.fill("#id_target_per_week", "1")
    page.locator(SUBMIT).click()
    page.wait_for_url("**/registry/requests/*/")
    accessible(page)
    req = ChannelRequest.objects.get(name="Kirjaston lukupiiri")
    assert req.status == "pending" and req.requested_by.username == "tuottaja"
    assert page.locator("#request-status").get_attribute("class") == "status status-pending"

    # 2. The director of Sivistyspalvelut approves it from the front page.
    page = login("johtaja", demo)
    accessible(page)
    page.locator("#h-decide + ul a", has_text="Kirjaston lukupiiri").click()
    accessible(page)
    page.fill("#id_reason", "Hyvin perusteltu, ja vastuuhenkilöt on nimetty.")
    page.locator("button[name=decision][value=approve]").click()
    page.wait_for_load_state()
    accessible(page)
    req.refresh_from_db()
    assert req.status == "approved" and req.decided_by.username == "johtaja"
    channel = req.channel
    assert channel is not None and channel.status == "opening"
    it = User.objects.get(username="it")
    assert Notification.objects.filter(user=it, text__contains="Kirjaston lukupiiri").exists()

    # 3. IT records its own access and completes the task; the channel becomes active.
    page = login("it", demo)
    page.goto(f"{base}/fi/registry/it/")
    accessible(page)
    page.locator("#task-table tr", has_text="Kirjaston lukupiiri").locator("th a").click()
    accessible(page)
    assert page.locator("#own-access-missing").is_visible()
    page.select_option("#id_grant-holder", str(it.pk))
    page.select_option("#id_grant-kind", "credentials")
    page.fill("#id_grant-method", "Salasanaholvi: Some / Kirjasto / lukupiiri")
    page.locator("form[action*='/grants/new/'] button[type=submit]").click()
    page.wait_for_load_state()
    accessible(page)
    assert AccessGrant.objects.filter(channel=channel, holder=it, revoked_on=None).exists()
    page.locator("#complete-button").click()
    page.wait_for_load_state()
    accessible(page)
    assert AccessTask.objects.get(channel=channel, kind="grant").status == "done"
    channel.refresh_from_db()
    assert channel.status == "active"

    page.goto(f"{base}/fi/registry/channels/{channel.pk}/")
    accessible(page)
    assert page.locator(".status-active").count() >= 1


def test_dormant_x_account_is_closed_through_the_checklist(demo, login, live_server, accessible):
    base = live_server.url
    x = Channel.objects.get(organisation__slug="vahtila", platform="x", unit__name="Kirjasto")
    review = DormancyReview.objects.get(channel=x, status="open")
    successor = Channel.objects.get(
        organisation__slug="vahtila", platform="facebook", unit__name="Kirjasto"
    )
    holders = set(AccessGrant.objects.filter(channel=x).values_list("holder_id", flat=True))
    assert holders, "the demo access register lists who holds the X account"

    # The director finds the flagged account and decides to close it.
    page = login("johtaja", demo)
    page.goto(f"{base}/fi/registry/dormant/")
    accessible(page)
    page.locator(f"#open-reviews a[href$='/dormant/{review.pk}/']").click()
    accessible(page)
    assert page.locator("#channel-status").get_attribute("class") == "status status-dormant"
    page.check("input[name=decision][value=close]")
    page.fill("#id_reason", "Tiliä ei ole päivitetty neljään vuoteen; kirjasto näkyy muualla.")
    page.locator(SUBMIT).click()
    page.wait_for_load_state()
    accessible(page)

    # Checklist: farewell post, archive, then ask IT to revoke access.
    page.fill("#id_farewell_url", "https://x.com/VahtilanKirjasto/status/1")
    page.select_option("#id_successor", str(successor.pk))
    page.locator("#step-farewell button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#step-archive button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#step-revoke button[type=submit]").click()
    page.wait_for_load_state()
    accessible(page)
    tasks = AccessTask.objects.filter(channel=x, kind="revoke", status="open")
    assert set(tasks.values_list("subject_id", flat=True)) == holders

    # IT revokes each person's access and marks the tasks done.
    page = login("it", demo)
    for task in tasks.order_by("pk"):
        page.goto(f"{base}/fi/registry/it/tasks/{task.pk}/")
        accessible(page)
        page.locator("#revoke-table a.button").first.click()
        accessible(page)
        page.fill("#id_reason", "Tili suljetaan.")
        page.locator(SUBMIT).click()
        page.wait_for_url(f"**/it/tasks/{task.pk}/")
        page.locator("#complete-button").click()
        page.wait_for_load_state()
    assert not AccessGrant.objects.filter(channel=x, revoked_on=None).exists()

    # The director closes the channel.
    page = login("johtaja", demo)
    page.goto(f"{base}/fi/registry/dormant/{review.pk}/")
    page.locator("#step-close button[type=submit]").click()
    page.wait_for_load_state()
    accessible(page)
    x.refresh_from_db()
    review.refresh_from_db()
    assert x.status == "closed" and x.closed_on == clock.today()
    assert review.status == "closed" and review.successor == successor
    assert page.locator("#channel-status").get_attribute("class") == "status status-closed"
