"""The editorial desk of the demo town: the library's weekly programme, its rota, a few posts
in different states and a staff tip. Called by ``loaddemo`` inside its transaction.

Everything goes through the actions, so permissions are checked and the audit trail is real.
The programme and last week's post are made with the clock set back to last week's Monday,
as if the library had started planning then; the rest happens now.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from somevahti.content import actions, media_actions, tips
from somevahti.content.models import ContentTag, WeeklySlot
from somevahti.content.programme import monday_of, occurrence_at, occurrences
from somevahti.content.programme_actions import generate_rota, set_rota_members
from somevahti.content.programme_slots import create_slot
from somevahti.core import clock
from somevahti.core.models import Organisation, Unit, User
from somevahti.registry.models import Channel

P = WeeklySlot.HolidayPolicy
ROTA_WEEKS = 8
# A 1×1 JPEG: the demo needs a real image type, not a real picture.
PHOTO = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////"
    "////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQAB"
    "PxA="
)

# (theme, weekday, time, tag, platforms, holiday policy)
FACE = "Ihmiset kasvoineen"
SLOTS = [
    ("Maanantain kirjavinkki", 0, dt.time(10, 0), "Vinkki", ("facebook", "instagram"), P.SKIP),
    (
        "Keskiviikon kasvo",
        2,
        dt.time(12, 0),
        "Ihmiset kasvoineen",
        ("instagram", "facebook"),
        P.MOVE,
    ),
    ("Perjantaivideo", 4, dt.time(14, 0), "Video", ("youtube", "facebook"), P.SKIP),
]


def _photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PHOTO, content_type="image/jpeg")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return occurrence_at(day, dt.time(hour, minute))


def load(org: Organisation, units: dict[str, Unit], users: dict[str, User]) -> None:
    library = units["kirjasto"]
    producer, owner = users["tuottaja"], users["omistaja"]
    actions.ensure_default_tags(org)
    tags = {t.name: t for t in ContentTag.objects.filter(organisation=org)}
    channels = {c.platform: c for c in Channel.objects.filter(unit=library).exclude(platform="x")}
    this_monday = monday_of(clock.today())
    last_monday = this_monday - dt.timedelta(days=7)

    # Last Monday morning the channel owner set up the programme and the rota.
    with clock.frozen(_at(last_monday, 8)):
        slots = [
            create_slot(
                owner,
                library,
                {
                    "theme": theme,
                    "weekday": weekday,
                    "time": time,
                    "content_type": tags[tag],
                    "channels": [channels[p] for p in platforms],
                    "holiday_policy": policy,
                },
            )
            for theme, weekday, time, tag, platforms, policy in SLOTS
        ]
        set_rota_members(owner, library, [producer, owner])
        generate_rota(
            owner, library, last_monday, this_monday + dt.timedelta(days=7 * ROTA_WEEKS - 1)
        )
    _published_last_week(library, producer, owner, tags, channels, last_monday)
    _posts_now(library, producer, owner, tags, channels, slots[1])
    _tip(library, producer)


def _published_last_week(
    library: Unit,
    producer: User,
    owner: User,
    tags: dict[str, ContentTag],
    channels: dict[str, Channel],
    monday: dt.date,
) -> None:
    """Last week's book tip, published by hand on Facebook and Instagram."""
    with clock.frozen(_at(monday, 8, 30)):
        post = actions.create_post(
            producer,
            library,
            {
                "title": "Kirjavinkki: syksyn dekkarit",
                "body": "Pimenevät illat ja hyvä dekkari kuuluvat yhteen. Tällä viikolla "
                "suosittelemme kotimaisia uutuuksia, jotka löytyvät aulan esittelyhyllystä. "
                "Varaa omasi verkkokirjastosta! #kirjavinkki",
                "channels": [channels["facebook"], channels["instagram"]],
                "tags": [tags["Vinkki"]],
            },
        )
        actions.submit_for_review(producer, post)
    with clock.frozen(_at(monday, 9, 15)):
        actions.approve(owner, post, note="Hyvä vinkki, julkaise kymmeneltä.")
    with clock.frozen(_at(monday, 10, 2)):
        actions.mark_published_manually(
            owner, post, "https://www.facebook.com/vahtilankirjasto/posts/demo-kirjavinkki"
        )


def _posts_now(
    library: Unit,
    producer: User,
    owner: User,
    tags: dict[str, ContentTag],
    channels: dict[str, Channel],
    wednesday: WeeklySlot,
) -> None:
    actions.create_post(
        producer,
        library,
        {
            "title": "Lukupiiri alkaa tammikuussa",
            "body": "Kaipaatko seuraa lukuharrastukseen? Uusi lukupiiri kokoontuu kerran "
            "kuussa torstai-iltaisin. Ilmoittautuminen avataan pian.",
            "channels": [channels["facebook"]],
            "tags": [tags["Tapahtuma"]],
        },
    )
    review = actions.create_post(
        producer,
        library,
        {
            "title": "Kirjavinkki: lautapelit lainaan",
            "body": "Tiesitkö, että kirjastosta voi lainata myös lautapelejä? Valikoimassa on "
            "pelejä koko perheelle ja isommallekin porukalle. #kirjavinkki",
            "channels": [channels["facebook"], channels["instagram"]],
            "tags": [tags["Vinkki"]],
        },
    )
    actions.submit_for_review(producer, review)

    face = actions.create_post(
        producer,
        library,
        {
            "title": "Keskiviikon kasvo: lastenosaston Eero",
            "body": "Keskiviikon kasvona esittäytyy informaatikkomme Eero, joka vetää "
            "satutunteja ja tietää, mikä kirja sopii kenellekin. Tule moikkaamaan!",
            "channels": [channels["instagram"], channels["facebook"]],
            "tags": [tags["Ihmiset kasvoineen"]],
        },
    )
    media_actions.add_media(
        producer,
        face,
        _photo("eero-lastenosastolla.jpg"),
        alt_text="Informaatikko Eero istuu lastenosaston satutuolissa kirja kädessään.",
    )
    actions.submit_for_review(producer, face)
    actions.approve(owner, face, note="Kiva kuva, hyväksytty.")
    actions.schedule(owner, face, _next_occurrence(wednesday))


def _next_occurrence(slot: WeeklySlot) -> dt.datetime:
    """This week's occurrence of the slot while it is still ahead, otherwise next week's."""
    now = clock.now()
    start = monday_of(clock.today())
    for occ in occurrences(slot, start, start + dt.timedelta(days=20)):
        if not occ.skipped and occ.at > now:
            return occ.at
    raise AssertionError("a weekly slot occurs within three weeks")


def _tip(library: Unit, producer: User) -> None:
    tips.send_tip(
        producer,
        library,
        {
            "text": "Kirjaston lukudiplomin suorittaneet koululaiset saavat todistuksensa "
            "ensi viikolla. Juhlasta tulisi mukava kuvapostaus!",
            "event_date": clock.today() + dt.timedelta(days=9),
            "photos": [_photo("lukudiplomijuhla.jpg")],
            "shows_people": True,
            "consent_confirmed": True,
            "consent_how": "Huoltajat antoivat kirjallisen kuvausluvan lukudiplomin "
            "ilmoittautumisen yhteydessä; lomakkeet ovat kirjaston arkistossa.",
        },
    )


__all__ = ["load"]
