"""The editorial desk in the browser, on the demo town: the post editor's live checker, and
the calendar and rota pages passing axe with the demo's scheduled post on them."""

from __future__ import annotations

import pytest

from somevahti.content.models import Post
from somevahti.content.programme import monday_of
from somevahti.core import clock
from somevahti.core.models import Unit
from somevahti.registry.models import Channel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # the demo's photos


def test_producer_sees_the_phone_number_finding_live_and_saves_the_draft(demo, login, live_server):
    library = Unit.objects.get(organisation__slug="vahtila", name="Kirjasto")
    facebook = Channel.objects.get(unit=library, platform="facebook")
    page = login("tuottaja", demo)
    page.goto(f"{live_server.url}/fi/content/posts/new/")
    page.select_option("#id_unit", str(library.pk))
    page.fill("#id_title", "Satutunti siirtyy")
    page.check(f"input[name=channels][value='{facebook.pk}']")
    # Typed, not filled: the live check listens to key presses (htmx, debounced).
    page.locator("#id_body").press_sequentially(
        "Satutunti pidetään nyt torstaisin. Kysy lisää: 040 123 4567.", delay=5
    )
    finding = page.locator("#live-findings li[data-rule='privacy.phone']")
    finding.wait_for()
    assert "040 123 4567" in finding.inner_text()
    assert page.url.endswith("/fi/content/posts/new/")  # no reload: swapped in place

    page.locator("#post-form button[type=submit]").click()
    page.wait_for_url("**/fi/content/posts/*/")
    post = Post.objects.get(title="Satutunti siirtyy")
    assert post.state == "draft" and post.author.username == "tuottaja"
    assert "040 123 4567" in post.body
    assert list(post.variants.values_list("channel", flat=True)) == [facebook.pk]
    assert page.url.endswith(f"/fi/content/posts/{post.pk}/")


def test_owner_calendar_and_rota_are_accessible_and_show_the_scheduled_post(
    demo, login, live_server, accessible
):
    post = Post.objects.get(organisation__slug="vahtila", state="scheduled")
    day = post.scheduled_at.astimezone(clock.HELSINKI).date()
    page = login("omistaja", demo)
    for view in ("calendar/", "calendar/month/"):
        page.goto(f"{live_server.url}/fi/content/{view}?date={day.isoformat()}")
        entry = page.locator(f"#entry-{post.pk}")
        assert entry.count() == 1, view
        assert post.title in entry.inner_text()
        accessible(page)

    library = Unit.objects.get(organisation__slug="vahtila", name="Kirjasto")
    page.goto(f"{live_server.url}/fi/content/programme/units/{library.pk}/rota/")
    this_week = page.locator(f"#rota-table tr[data-week='{monday_of(clock.today()).isoformat()}']")
    assert this_week.count() == 1
    assert "Lehtinen" in this_week.inner_text() or "Salminen" in this_week.inner_text()
    accessible(page)
