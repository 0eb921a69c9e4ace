"""The editorial desk's demo story end to end, every page checked with axe:

a producer writes a post with a photo and alt text → the live checker flags a phone number →
she fixes it and sends it for review → communications approves (not the author) → the channel
owner schedules it into the library's Wednesday slot → the empty-slots view and the rota show
the slot filled → a staff tip becomes a draft that keeps its link → the city manager turns
crisis mode on (the post is paused) and off (the post is resumed at its time).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from somevahti.audit.models import AuditEvent
from somevahti.content.demo import PHOTO
from somevahti.content.models import Post, Tip, WeeklySlot
from somevahti.content.programme import Occurrence, monday_of, programme, slot_rows
from somevahti.core import clock
from somevahti.core.models import Unit
from somevahti.registry.models import Channel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Keskiviikon kasvo: kesäharjoittelija Emma"
PHONE_TEXT = "Emma esittelee kirjaston kesää. Kysy lisää: 040 123 4567."
FIXED_TEXT = "Emma esittelee kirjaston kesää. Kysy lisää kirjaston neuvonnasta!"
ALT = "Kesäharjoittelija Emma hymyilee kirjahyllyjen välissä."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def open_wednesday(slot: WeeklySlot) -> Occurrence:
    """The first Wednesday slot ahead that no post fills yet (the demo fills the next one)."""
    start = monday_of(clock.today())
    found = programme(
        list(slot_rows(WeeklySlot.objects.filter(pk=slot.pk))), start, start + dt.timedelta(days=34)
    )
    soon = clock.now() + dt.timedelta(hours=2)
    return next(o for o in found if not o.skipped and not o.filled and o.at > soon)


def state_of(page) -> str:
    return page.locator("#post-state").get_attribute("data-state")


def test_a_post_from_draft_to_crisis_and_back(demo, login, live_server, accessible):
    base = f"{live_server.url}/fi/content"
    library = Unit.objects.get(organisation__slug="vahtila", name="Kirjasto")
    channels = list(Channel.objects.filter(unit=library, platform__in=["facebook", "instagram"]))
    slot = WeeklySlot.objects.get(unit=library, theme="Keskiviikon kasvo")
    wednesday = open_wednesday(slot)
    week = monday_of(wednesday.original).isoformat()

    # 1. The producer writes; the checker flags the phone number while she types.
    page = login("tuottaja", demo)
    page.goto(f"{base}/posts/new/")
    accessible(page)
    page.select_option("#id_unit", str(library.pk))
    page.fill("#id_title", TITLE)
    for channel in channels:
        page.check(f"input[name=channels][value='{channel.pk}']")
    page.locator("#id_body").press_sequentially(PHONE_TEXT, delay=5)
    finding = page.locator("#live-findings li[data-rule='privacy.phone']").first
    finding.wait_for()
    assert "040 123 4567" in finding.inner_text()
    accessible(page)
    page.locator("#post-form button[type=submit]").click()
    page.wait_for_url("**/fi/content/posts/*/")
    post = Post.objects.get(title=TITLE)
    assert state_of(page) == "draft"
    assert page.locator("[data-rule='privacy.phone']").count() >= 1  # on the saved post too
    accessible(page)

    # 2. A photo with alt text; then the alt text is sharpened on the photo's own page.
    page.locator("#edit-link").click()
    page.wait_for_url(f"**/posts/{post.pk}/edit/")
    page.set_input_files(
        "#id_file", {"name": "emma.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}
    )
    page.fill("#id_alt_text", "Emma kirjastossa.")
    page.locator("#media-form button[type=submit]").click()
    page.wait_for_load_state()
    photo = post.media.get()
    assert page.locator(f"#media-list li[data-media='{photo.pk}']").count() == 1
    accessible(page)
    page.locator(f"#media-edit-{photo.pk}").click()
    page.wait_for_url(f"**/posts/{post.pk}/media/{photo.pk}/")
    accessible(page)
    page.fill("#details-alt_text", ALT)
    page.locator("#details-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/posts/{post.pk}/edit/#h-media$"))
    assert ALT in page.locator(f"#media-list li[data-media='{photo.pk}']").inner_text()

    # 3. She takes the phone number out and sends the post for review.
    page.fill("#id_body", FIXED_TEXT)
    page.locator("#post-form button[type=submit]").click()
    # The browser keeps the "#h-media" of the page it came from.
    page.wait_for_url(re.compile(rf"/posts/{post.pk}/(#h-media)?$"))
    assert page.locator("[data-rule='privacy.phone']").count() == 0
    page.locator("#submit-button").click()
    page.wait_for_load_state()
    assert state_of(page) == "in_review"
    assert page.locator("#approve-button").count() == 0  # the author does not approve
    accessible(page)

    # 4. Communications approves: four eyes, someone other than the author.
    page = login("viestinta", demo)
    page.goto(f"{base}/posts/{post.pk}/")
    accessible(page)
    page.locator("#approve-button").click()
    page.wait_for_load_state()
    assert state_of(page) == "approved"
    post.refresh_from_db()
    assert post.approved_by.username == "viestinta" != post.author.username

    # 5. The channel owner sees the empty Wednesday slot and schedules the post into it.
    page = login("omistaja", demo)
    empty = f"{base}/programme/empty/?unit={library.pk}&week={week}"
    row = f"#empty-slots tr[data-slot='{slot.pk}'][data-date='{wednesday.date.isoformat()}']"
    page.goto(empty)
    assert page.locator(row).count() == 1
    accessible(page)
    page.goto(f"{base}/posts/{post.pk}/")
    local = wednesday.at.astimezone(clock.HELSINKI)
    page.fill("#schedule-scheduled_at", local.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#schedule-form button[type=submit]").click()
    page.wait_for_load_state()
    assert state_of(page) == "scheduled"
    accessible(page)
    post.refresh_from_db()
    assert post.scheduled_at == wednesday.at

    # 6. The slot is no longer empty, and the rota shows it filled and whose turn it is.
    page.goto(empty)
    assert page.locator(row).count() == 0
    page.goto(f"{base}/programme/units/{library.pk}/rota/?from={week}")
    index = [s.pk for s in slot_rows(WeeklySlot.objects.filter(unit=library, active=True))].index(
        slot.pk
    )
    cell = page.locator(f"#rota-table tr[data-week='{week}'] td").nth(index)
    assert cell.locator(".status-published").count() == 1
    assert cell.locator("[data-responsible]").get_attribute("data-responsible") in (
        "tuottaja",
        "omistaja",
    )
    accessible(page)

    # 7. The librarian's tip becomes a draft that keeps the link both ways.
    tip = Tip.objects.get(unit=library)
    page.goto(f"{base}/tips/")
    accessible(page)
    page.locator(f"tr[data-tip='{tip.pk}'] a").click()
    page.wait_for_url(f"**/tips/{tip.pk}/")
    accessible(page)
    page.fill("#draft-title", "Lukudiplomijuhla")
    page.check(f"#draft-form input[name=channels][value='{channels[0].pk}']")
    page.locator("#draft-form button[type=submit]").click()
    page.wait_for_url("**/fi/content/posts/*/")
    tip.refresh_from_db()
    assert tip.state == "drafted" and tip.post is not None
    assert page.url.endswith(f"/posts/{tip.post.pk}/") and state_of(page) == "draft"
    accessible(page)
    page.goto(f"{base}/tips/{tip.pk}/")
    assert page.locator("#tip-post").get_attribute("href").endswith(f"/posts/{tip.post.pk}/")

    # 8. The city manager turns crisis mode on: the scheduled post is paused, nothing lost.
    page = login("kaupunginjohtaja", demo)
    page.goto(f"{base}/crisis/")
    accessible(page)
    page.select_option("#start-unit", str(library.pk))
    page.fill("#start-reason", "Vesijohtovaurio pääkirjastossa: kirjasto on suljettu.")
    page.locator("#start-form button[type=submit]").click()
    page.wait_for_url("**/crisis/*/")
    assert page.locator("#crisis-banner").is_visible()
    paused_row = page.locator(f"#paused-posts tr[data-post='{post.pk}']")
    assert paused_row.count() == 1
    post.refresh_from_db()
    assert (post.state, post.scheduled_at) == ("approved", None)
    accessible(page)

    # 9. ... and off: the post is resumed at its original time.
    page.locator("#end-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#crisis-banner").count() == 0
    accessible(page)
    paused_row.locator("form[action$='/resume/'] button").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert (post.state, post.scheduled_at) == ("scheduled", wednesday.at)
    accessible(page)

    verbs = list(
        AuditEvent.objects.filter(target_type="content.post", target_id=str(post.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "post.created",
        "post.media_added",
        "post.media_updated",
        "post.updated",
        "post.submitted",
        "post.approved",
        "post.scheduled",
        "post.crisis_paused",
        "post.crisis_resumed",
    ]
