"""``somevahti loaddemo``: the fictional town of Vahtila, for trying Somevahti out.

Idempotent: the organisation slug marks the demo as loaded, and a second run
creates and changes nothing (it only re-syncs the demo password if it changed).
The organisation, units, roles, matrix, guideline and the pending request go
through the actions; channels, follower history, activity and the access
register are fixture data and are written with the ORM directly.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content import demo as content_demo
from somevahti.core import actions, clock
from somevahti.core.models import Organisation, Unit, User
from somevahti.core.roles import Role
from somevahti.guidelines.actions import add_guideline_version, create_guideline
from somevahti.registry.actions import matrix
from somevahti.registry.actions.dormancy import sweep_dormancy
from somevahti.registry.actions.requests import submit_channel_request
from somevahti.registry.models import (
    AccessGrant,
    ActivityRecord,
    Audience,
    Channel,
    FollowerSnapshot,
)

SLUG = "vahtila"
ORG_NAME = "Vahtilan kaupunki"
EMAIL_DOMAIN = "vahtila.example"

# (key, parent key, name, kind)
UNITS = [
    ("konserni", "root", "Konsernipalvelut", Unit.Kind.SECTOR),
    ("viestinta", "konserni", "Viestintä", Unit.Kind.UNIT),
    ("elinvoima", "konserni", "Elinvoima ja yrityspalvelut", Unit.Kind.UNIT),
    ("sivistys", "root", "Sivistyspalvelut", Unit.Kind.SECTOR),
    ("kirjasto", "sivistys", "Kirjasto", Unit.Kind.UNIT),
    ("lastenkirjasto", "kirjasto", "Lastenkirjasto", Unit.Kind.SUBUNIT),
    ("nuoriso", "sivistys", "Nuorisopalvelut", Unit.Kind.UNIT),
    ("etsiva", "nuoriso", "Etsivä nuorisotyö", Unit.Kind.SUBUNIT),
    ("kulttuuri", "sivistys", "Kulttuuripalvelut", Unit.Kind.UNIT),
    ("museo", "sivistys", "Museo", Unit.Kind.UNIT),
    ("varhaiskasvatus", "sivistys", "Varhaiskasvatus", Unit.Kind.UNIT),
    ("tekniset", "root", "Tekniset palvelut", Unit.Kind.SECTOR),
    ("hyvinvointi", "root", "Hyvinvointipalvelut", Unit.Kind.SECTOR),
    ("liikunta", "hyvinvointi", "Liikuntapalvelut", Unit.Kind.UNIT),
    ("tyollisyys", "hyvinvointi", "Työllisyyspalvelut", Unit.Kind.UNIT),
]

# (username, first name, last name, title, role, unit key)
USERS = [
    ("tuottaja", "Aino", "Lehtinen", "Kirjastovirkailija", Role.CONTENT_PRODUCER, "kirjasto"),
    ("omistaja", "Eero", "Salminen", "Informaatikko", Role.CHANNEL_OWNER, "kirjasto"),
    ("viestinta", "Helmi", "Koskinen", "Viestintäpäällikkö", Role.COMMUNICATIONS, "root"),
    ("johtaja", "Mikko", "Rantanen", "Sivistysjohtaja", Role.UNIT_DIRECTOR, "sivistys"),
    ("it", "Juha", "Heikkilä", "Tietohallintopäällikkö", Role.IT, "root"),
    ("tietosuoja", "Sari", "Mäkelä", "Tietosuojavastaava", Role.DATA_PROTECTION, "root"),
    ("kaupunginjohtaja", "Leena", "Virtanen", "Kaupunginjohtaja", Role.CITY_MANAGER, "root"),
    ("valtuutettu", "Pekka", "Nieminen", "Kaupunginvaltuutettu", Role.ELECTED_OFFICIAL, "root"),
    ("admin", "Tiina", "Laine", "Pääkäyttäjä", Role.ORG_ADMIN, "root"),
]

AUDIENCES = [
    ("Nuoret alle 20-vuotiaat", "Koululaiset, opiskelijat ja harrastajat."),
    ("Lapsiperheet ja työikäiset", "Kaupunkilaiset arjen palveluiden käyttäjinä."),
    ("Media ja päätöksenteko", "Toimittajat, luottamushenkilöt ja sidosryhmät."),
    ("Työnhakijat ja yritykset", "Rekrytointi, yrittäjät ja elinkeinoelämä."),
]

# Target-group matrix: audience index → {platform: what the channel is for them}.
MATRIX = {
    0: {
        "instagram": "Kuvat ja tarinat harrastuksista, tapahtumista ja tiloista, joissa voi olla.",
        "tiktok": "Lyhyet videot: mitä nuorisotiloilla tapahtuu ja keneltä saa apua.",
        "youtube": "Ohjevideot ja tallenteet, joihin voi palata omaan tahtiin.",
    },
    1: {
        "facebook": "Arjen tiedotteet: aukioloajat, tapahtumat, katutyöt ja poikkeustilanteet.",
        "instagram": "Kaupungin arki kuvina ja palvelujen ihmiset omilla kasvoillaan.",
        "youtube": "Tapahtumatallenteet ja palveluiden esittelyt.",
        "bluesky": "Nopeat tiedotteet niille, jotka ovat siirtyneet avoimiin palveluihin.",
    },
    2: {
        "x": "Päätökset ja tiedotteet toimittajille nopeasti, linkit lähteisiin.",
        "mastodon": "Päätöstiedotteet ja kokousten asialistat avoimessa verkossa.",
        "bluesky": "Päätöksistä kertominen ja keskustelu toimittajien kanssa.",
        "linkedin": "Kaupungin strategia ja hankkeet sidosryhmille.",
    },
    3: {
        "linkedin": "Avoimet työpaikat, työnantajakuva ja yrityspalvelut.",
        "facebook": "Rekrytointitapahtumat ja kesätyöpaikat paikallisesti.",
    },
}

# (unit, platform, name, handle, followers, posts/week, audiences, responsibles, opened, purpose)
# fmt: off
CHANNELS: list[tuple[str, str, str, str, int, str, tuple[int, ...], tuple[str, ...], int, str]] = [
    ("viestinta", "facebook", "Vahtilan kaupunki", "vahtilankaupunki", 8400, "5", (1, 2), ("viestinta",), 2011, "Kaupungin pääkanava: tiedotteet ja arjen asiat."),  # noqa: E501
    ("viestinta", "instagram", "Vahtilan kaupunki", "vahtilankaupunki", 5200, "3", (0, 1), ("viestinta",), 2015, "Kaupunki kuvina ja ihmisinä."),  # noqa: E501
    ("viestinta", "x", "Vahtilan kaupunki", "vahtila", 3100, "3", (2,), ("viestinta", "kaupunginjohtaja"), 2012, "Päätökset ja tiedotteet medialle."),  # noqa: E501
    ("viestinta", "linkedin", "Vahtilan kaupunki", "vahtilan-kaupunki", 2700, "1", (2, 3), ("viestinta",), 2016, "Työnantajakuva ja kaupungin hankkeet."),  # noqa: E501
    ("viestinta", "youtube", "Vahtilan kaupunki", "vahtilankaupunki", 900, "0.5", (1, 2), ("viestinta",), 2014, "Valtuuston kokoukset ja esittelyvideot."),  # noqa: E501
    ("viestinta", "mastodon", "Vahtilan kaupunki", "kaupunki@some.vahtila.example", 640, "2", (2,), ("viestinta",), 2023, "Tiedotteet avoimessa verkossa."),  # noqa: E501
    ("viestinta", "bluesky", "Vahtilan kaupunki", "vahtila.example", 1100, "2", (1, 2), ("viestinta",), 2024, "Tiedotteet ja keskustelu."),  # noqa: E501
    ("elinvoima", "linkedin", "Yritys-Vahtila", "yritys-vahtila", 1500, "1", (3,), ("viestinta",), 2018, "Yrityspalvelut ja tonttitarjonta yrittäjille."),  # noqa: E501
    ("elinvoima", "facebook", "Yrittäjän Vahtila", "yrittajanvahtila", 1300, "1", (3,), ("viestinta",), 2017, "Yrittäjäaamut ja neuvontapalvelut."),  # noqa: E501
    ("kirjasto", "facebook", "Vahtilan kirjasto", "vahtilankirjasto", 2900, "3", (1,), ("omistaja", "tuottaja"), 2010, "Kirjavinkit, tapahtumat ja aukioloajat."),  # noqa: E501
    ("kirjasto", "instagram", "Vahtilan kirjasto", "vahtilankirjasto", 2400, "3", (0, 1), ("omistaja", "tuottaja"), 2016, "Kirjaston arki ja henkilökunnan lukuvinkit."),  # noqa: E501
    ("kirjasto", "bluesky", "Vahtilan kirjasto", "kirjasto.vahtila.example", 180, "2", (1,), ("omistaja", "tuottaja"), 2025, "Tapahtumat ja uutuudet avoimessa verkossa."),  # noqa: E501
    ("kirjasto", "x", "Vahtilan kirjasto", "VahtilanKirjasto", 1480, "2", (2,), ("omistaja",), 2013, "Kirjaston uutiset lyhyesti."),  # noqa: E501
    ("kirjasto", "youtube", "Kirjaston lukuvinkit", "kirjastonlukuvinkit", 380, "0.5", (0, 1), ("omistaja", "tuottaja"), 2020, "Videovinkit ja kirjailijavierailut."),  # noqa: E501
    ("kirjasto", "mastodon", "Vahtilan kirjasto", "kirjasto@some.vahtila.example", 420, "2", (1,), ("tuottaja",), 2023, "Tapahtumat ja uutuudet avoimessa verkossa."),  # noqa: E501
    ("lastenkirjasto", "facebook", "Lastenkirjasto Satulaiva", "satulaiva", 760, "2", (1,), ("tuottaja",), 2019, "Satutunnit ja perheiden tapahtumat."),  # noqa: E501
    ("nuoriso", "instagram", "Nuorisopalvelut Vahtila", "vahtilannuoriso", 1900, "4", (0,), ("johtaja",), 2016, "Nuorisotilojen ohjelma ja tapahtumat."),  # noqa: E501
    ("nuoriso", "tiktok", "Vahtilan nuoriso", "vahtilannuoriso", 2300, "3", (0,), ("johtaja",), 2022, "Lyhyet videot nuorisotiloilta."),  # noqa: E501
    ("nuoriso", "youtube", "Nuorisopalvelut Vahtila", "vahtilannuoriso", 260, "0.5", (0,), ("johtaja",), 2019, "Pelikerhon ja bänditoiminnan tallenteet."),  # noqa: E501
    ("etsiva", "instagram", "Etsivät Vahtila", "etsivatvahtila", 870, "2", (0,), ("johtaja",), 2018, "Madalletaan kynnystä ottaa yhteyttä."),  # noqa: E501
    ("etsiva", "tiktok", "Etsivät Vahtila", "etsivatvahtila", 640, "2", (0,), ("johtaja",), 2023, "Tutuiksi nuorille ennen kuin apua tarvitaan."),  # noqa: E501
    ("kulttuuri", "facebook", "Kulttuuri-Vahtila", "kulttuurivahtila", 3300, "3", (1,), ("johtaja",), 2012, "Konsertit, näyttelyt ja kulttuuriviikot."),  # noqa: E501
    ("kulttuuri", "instagram", "Kulttuuri-Vahtila", "kulttuurivahtila", 1700, "3", (0, 1), ("johtaja",), 2017, "Tapahtumien tunnelmat kuvina."),  # noqa: E501
    ("museo", "instagram", "Vahtilan museo", "vahtilanmuseo", 1250, "2", (1,), ("johtaja",), 2017, "Kokoelmien aarteita ja museon arkea."),  # noqa: E501
    ("museo", "facebook", "Vahtilan museo", "vahtilanmuseo", 1600, "2", (1, 2), ("johtaja",), 2012, "Näyttelyt, opastukset ja museoillat."),  # noqa: E501
    ("museo", "bluesky", "Vahtilan museo", "museo.vahtila.example", 310, "1", (2,), ("johtaja",), 2024, "Paikallishistoriaa pieninä paloina."),  # noqa: E501
    ("varhaiskasvatus", "facebook", "Varhaiskasvatus Vahtila", "vakavahtila", 1400, "2", (1,), ("johtaja",), 2018, "Hakuajat, päiväkotien arki ja perheiden tiedotteet."),  # noqa: E501
    ("tekniset", "facebook", "Vahtilan tekniset palvelut", "vahtilantekniset", 2100, "2", (1,), ("viestinta",), 2014, "Katutyöt, lumityöt ja vesikatkot."),  # noqa: E501
    ("tekniset", "x", "Vahtilan tekniset palvelut", "VahtilaTekniset", 540, "1", (2,), ("viestinta",), 2015, "Häiriötiedotteet nopeasti."),  # noqa: E501
    ("liikunta", "facebook", "Liiku Vahtilassa", "liikuvahtilassa", 2600, "3", (1,), ("viestinta",), 2013, "Liikuntapaikkojen kunto ja ohjatut ryhmät."),  # noqa: E501
    ("liikunta", "instagram", "Liiku Vahtilassa", "liikuvahtilassa", 1350, "2", (0, 1), ("viestinta",), 2018, "Liikkumisen iloa kuvina."),  # noqa: E501
    ("tyollisyys", "linkedin", "Työllisyyspalvelut Vahtila", "tyollisyys-vahtila", 980, "1", (3,), ("viestinta",), 2019, "Työnhakijoille ja työnantajille."),  # noqa: E501
    ("tyollisyys", "facebook", "Työllisyyspalvelut Vahtila", "tyollisyysvahtila", 720, "1", (3,), ("viestinta",), 2020, "Rekrytointitapahtumat ja valmennukset."),  # noqa: E501
]
# fmt: on
DORMANT_X = ("kirjasto", "x")  # the account nobody has touched for four years
LAGGING = ("kulttuuri", "instagram")  # posts far below its target rhythm

PROFILE_URLS = {
    "facebook": "https://www.facebook.com/{}",
    "instagram": "https://www.instagram.com/{}",
    "x": "https://x.com/{}",
    "linkedin": "https://www.linkedin.com/company/{}",
    "youtube": "https://www.youtube.com/@{}",
    "tiktok": "https://www.tiktok.com/@{}",
    "bluesky": "https://bsky.app/profile/{}",
}

GUIDELINE = """\
# Vahtilan kaupungin sosiaalisen median ohje

## Miksi olemme somessa
Kerromme palveluista, päätöksistä ja kaupungin arjesta siellä, missä kaupunkilaiset jo ovat.
Some on meille keskustelun paikka, ei pelkkä ilmoitustaulu.

## Kuka voi avata tilin
- Uuden tilin avaamisesta päättää yksikön johtaja.
- Pyynnössä kerrotaan, miksi tili tarvitaan, mitä sinne julkaistaan, keille se on tarkoitettu,
  miten siitä kerrotaan ja miten onnistumista arvioidaan.
- Jokaisella tilillä on vähintään yksi nimetty vastuuhenkilö.
- Tili, jota emme jaksa pitää elossa, suljetaan hallitusti. Hiljainen tili kertoo meistä enemmän
  kuin suljettu.

## Tietohallinnon pääsy
Tietohallinto saa pääsyn jokaiseen kaupungin tiliin heti avaamisen jälkeen. Tunnukset ovat
salasanaholvissa, eivät sähköposteissa tai muistilapuilla. Kun joku vaihtaa tehtäviä, hänen
pääsynsä poistetaan samalla viikolla.

## Sävy ja kieli
Kirjoitamme selkeästi ja ystävällisesti, ilman virastokieltä. Vastaamme arkisin vuorokauden
sisällä, vaikka itse asian selvittäminen kestäisi pidempään. Emme väittele; asiattomat viestit
voidaan piilottaa.

## Henkilötiedot
Emme julkaise henkilötunnuksia, kotiosoitteita, puhelinnumeroita tai muita tietoja, joista
yksityinen ihminen tunnistetaan. Kuvattavilta kysytään lupa, lapsista aina huoltajalta.

## Kriisitilanteessa
Kriisissä viestintää johtaa kaupunginjohtaja. Ajastetut julkaisut pysäytetään, ja vastaukset
kulkevat kriisiviestinnän kautta.

## Yhteystiedot
- Viestintä: viestinta@vahtila.example
- Tietohallinto: it@vahtila.example
- Tietosuojavastaava: tietosuoja@vahtila.example
"""


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-password"


def demo_password(create: bool = False) -> str | None:
    """SOMEVAHTI_DEMO_PASSWORD, else the one generated once into var/demo-password."""
    if env := os.environ.get("SOMEVAHTI_DEMO_PASSWORD", "").strip():
        return env
    path = password_file()
    if path.exists():
        return path.read_text().strip() or None
    if not create:
        return None
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


class Command(BaseCommand):
    help = "Load the demo town Vahtila (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-q", "--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args: Any, **options: Any) -> None:
        password = demo_password(create=True)
        assert password is not None
        org = Organisation.objects.filter(slug=SLUG).first()
        if org is not None:
            self._sync_password(org, password)
            if not options["quiet"]:
                self.stdout.write(
                    _("The demo organisation %(name)s is already loaded.") % {"name": org.name}
                )
            return
        taken = User.objects.filter(username__in=[u[0] for u in USERS]).values_list(
            "username", flat=True
        )
        if taken:
            raise CommandError(
                _("Cannot load the demo: these usernames are already in use: %(names)s")
                % {"names": ", ".join(sorted(taken))},
                returncode=2,
            )
        with transaction.atomic():
            org, counts = self._load(password)
        if not options["quiet"]:
            self.stdout.write(
                _(
                    "Loaded the demo organisation %(name)s: %(units)s units, %(users)s users, "
                    "%(channels)s channels on %(platforms)s platforms."
                )
                % {"name": org.name, **counts}
            )
            self.stdout.write(_("Run “somevahti demoinfo” to see the logins."))

    def _sync_password(self, org: Organisation, password: str) -> None:
        """Keep the logins working when SOMEVAHTI_DEMO_PASSWORD changes between runs."""
        users = User.objects.filter(organisation=org, username__in=[u[0] for u in USERS])
        first = users.order_by("pk").first()
        if first is not None and not check_password(password, first.password):
            users.update(password=make_password(password))
            self.stdout.write(_("The demo users' password was updated."))

    def _load(self, password: str) -> tuple[Organisation, dict[str, int]]:
        now = clock.now()
        org = actions.create_organisation(ORG_NAME, SLUG)
        units: dict[str, Unit] = {"root": actions.root_unit(org)}
        for key, parent, name, kind in UNITS:
            units[key] = actions.create_unit(units[parent], name, kind)

        # One hash for all: hashing nine times would only slow `make run` down.
        hashed = make_password(password)
        users: dict[str, User] = {}
        for username, first, last, title, role, unit_key in USERS:
            user = User.objects.create(
                username=username,
                first_name=first,
                last_name=last,
                title=title,
                email=f"{username}@{EMAIL_DOMAIN}",
                organisation=org,
                language="fi",
                password=hashed,
                is_staff=role == Role.ORG_ADMIN,
            )
            actions.assign_role(user, units[unit_key], role)
            users[username] = user

        audiences = self._matrix(users["viestinta"])
        channels = self._channels(org, units, users, audiences, now)
        self._guideline(users["viestinta"])
        self._request(units["kirjasto"], users, audiences)
        record(None, "demo.loaded", org, organisation=org, data={"channels": len(channels)})
        # The daily check flags the four-year-old X account and opens its review.
        sweep_dormancy()
        # The editorial desk: the library's programme, rota, posts and a tip.
        content_demo.load(org, units, users)
        return org, {
            "units": len(units),
            "users": len(users),
            "channels": len(channels),
            "platforms": len({c.platform for c in channels}),
        }

    def _matrix(self, editor: User) -> list[Audience]:
        audiences = [matrix.create_audience(editor, name, desc) for name, desc in AUDIENCES]
        for index, cells in MATRIX.items():
            for platform, purpose in cells.items():
                matrix.set_matrix_cell(editor, audiences[index], platform, purpose)
        return audiences

    def _channels(
        self,
        org: Organisation,
        units: dict[str, Unit],
        users: dict[str, User],
        audiences: list[Audience],
        now: dt.datetime,
    ) -> list[Channel]:
        # Fixture data: written with the ORM directly, like an import of an old list.
        rng = random.Random(2013)  # noqa: S311 - same demo every time
        today = clock.today()
        channels: list[Channel] = []
        snapshots: list[FollowerSnapshot] = []
        activity: list[ActivityRecord] = []
        grants: list[AccessGrant] = []
        for (
            unit_key,
            platform,
            name,
            handle,
            followers,
            rhythm,
            aud,
            people,
            year,
            purpose,
        ) in CHANNELS:
            dormant = (unit_key, platform) == DORMANT_X
            url = PROFILE_URLS.get(platform, "")
            if platform == "mastodon":
                local, host = handle.split("@")
                url = f"https://{host}/@{local}"
            channel = Channel.objects.create(
                organisation=org,
                unit=units[unit_key],
                platform=platform,
                name=name,
                handle=handle,
                url=url.format(handle) if url else "",
                purpose=purpose,
                target_per_week=Decimal(rhythm),
                status="active",
                opened_on=dt.date(year, 3 + len(name) % 8, 1 + len(handle) % 27),
                followers=followers,
            )
            channel.responsibles.set([users[p] for p in people])
            channel.audiences.set([audiences[i] for i in aud])
            channels.append(channel)

            # Twelve monthly follower counts; the dormant account slowly loses people.
            for months_ago in range(11, -1, -1):
                day = _months_back(today.replace(day=1), months_ago)
                growth = -0.003 if dormant else 0.012 + 0.01 * rng.random()
                count = round(followers * (1 + growth) ** -months_ago)
                snapshots.append(FollowerSnapshot(channel=channel, date=day, count=count))

            if dormant:
                times = [now - dt.timedelta(days=4 * 365 + 20)]
            else:
                # Ten weeks of posts at about the target rhythm (a quarter of it when lagging).
                share = 0.25 if (unit_key, platform) == LAGGING else 1.0 + 0.3 * rng.random()
                posts = max(1, round(float(rhythm) * 10 * share))
                gap = dt.timedelta(days=70) / posts
                times = [
                    now - gap * i - dt.timedelta(hours=rng.randint(1, 40)) for i in range(posts)
                ]
            activity += [
                ActivityRecord(channel=channel, occurred_at=at, note=_demo_note(rng))
                for at in times
            ]
            channel.last_activity_at = max(times)
            channel.save(update_fields=["last_activity_at"])

            # The access register: IT holds the credentials, the responsible people edit.
            granted = channel.opened_on or today
            grants.append(
                AccessGrant(
                    organisation=org,
                    channel=channel,
                    holder=users["it"],
                    kind=AccessGrant.Kind.CREDENTIALS,
                    method=f"Salasanaholvi: Some / {units[unit_key].name}",
                    granted_on=granted,
                    recorded_by=users["it"],
                )
            )
            grants += [
                AccessGrant(
                    organisation=org,
                    channel=channel,
                    holder=users[p],
                    kind=AccessGrant.Kind.EDITOR,
                    method="Henkilökohtainen ylläpitäjän rooli",
                    granted_on=granted,
                    recorded_by=users["it"],
                )
                for p in people
            ]
        FollowerSnapshot.objects.bulk_create(snapshots)
        ActivityRecord.objects.bulk_create(activity)
        AccessGrant.objects.bulk_create(grants)
        return channels

    def _guideline(self, author: User) -> None:
        guideline = create_guideline(author, "Sosiaalisen median ohje", "sosiaalinen-media")
        add_guideline_version(
            author,
            guideline,
            body=GUIDELINE,
            approved_by_body="Kaupunginhallitus",
            approved_on=dt.date(2024, 3, 11),
            approval_section="§ 57",
            effective_from=dt.date(2024, 4, 1),
            change_summary="Ensimmäinen versio.",
        )

    def _request(self, unit: Unit, users: dict[str, User], audiences: list[Audience]) -> None:
        answers = {
            "platform": "instagram",
            "name": "Vahtilan lastenkirjasto",
            "purpose": "Lapsiperheet seuraavat Instagramia enemmän kuin Facebookia, ja haluamme "
            "kertoa satutunneista ja lukuhetkistä siellä, missä vanhemmat ovat.",
            "content_plan": "Viikoittain satutuntien ohjelma, kuvia lastenosastolta ja "
            "henkilökunnan lukuvinkit lapsille.",
            "audiences": [audiences[1]],
            "promotion_plan": "Kerromme tilistä kirjaston Facebookissa, neuvolan ilmoitustaululla "
            "ja lastenosaston julisteissa.",
            "evaluation_plan": "Seuraajat ja satutuntien kävijämäärät puolen vuoden välein; "
            "arvioidaan, tavoittaako tili uusia perheitä.",
            "first_evaluation_on": clock.today() + dt.timedelta(days=180),
            "target_per_week": Decimal("2"),
            "proposed_responsibles": [users["tuottaja"], users["omistaja"]],
        }
        submit_channel_request(users["tuottaja"], unit, answers)


def _months_back(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


NOTES = [
    "Viikon lukuvinkki",
    "Tapahtumamuistutus",
    "Kuva arjesta",
    "Tiedote",
    "Video",
    "Kysymys seuraajille",
]


def _demo_note(rng: random.Random) -> str:
    return rng.choice(NOTES)
