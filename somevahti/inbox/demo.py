"""The demo's inbox: messages from the platforms the demo runs (a resident and a journalist
on the Mastodon double, a resident on the local Bluesky server) and a signed Meta webhook
for the city's Facebook page, all landing in one inbox."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from django.test import Client

from somevahti.connectors import registry
from somevahti.connectors.base import Account, Connected, OutgoingPost
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.pds import LocalPds
from somevahti.core import clock, crypto
from somevahti.core.models import Organisation
from somevahti.inbox import polling
from somevahti.publishing import connections
from somevahti.publishing.models import Connection, PlatformApp
from somevahti.registry.models import Channel

CITY_PAGE_ID = "100200300400"
META_SECRET = "demo-meta-app-secret"  # noqa: S105 (a demo value, not a real app's)
META_VERIFY = "vahtila-demo-verify"


def _channel(org: Organisation, unit: str, platform: str) -> Channel | None:
    return (
        Channel.objects.filter(organisation=org, unit__name__icontains=unit, platform=platform)
        .order_by("pk")
        .first()
    )


def _meta(org: Organisation) -> str:
    """A comment on the city's Facebook page, sent as Meta sends it: signed with the app's
    secret, through the real webhook endpoint."""
    page = _channel(org, "viestintä", "facebook")
    if page is None:
        return ""
    if not Connection.objects.filter(channel=page).exists():
        account = Account("facebook", account_id=CITY_PAGE_ID, handle="Vahtilan kaupunki")
        connections.connect(None, page, Connected(account))
    PlatformApp.objects.update_or_create(
        organisation=org,
        platform="facebook",
        base_url="",
        defaults={
            "client_id": "demo",
            "secret": crypto.encrypt_json(
                {"client_secret": META_SECRET, "verify_token": META_VERIFY}
            ),
            "created_at": clock.now(),
        },
    )
    now = int(clock.now().timestamp())
    payload = {
        "object": "page",
        "entry": [
            {
                "id": CITY_PAGE_ID,
                "time": now,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "4455", "name": "Pirjo Asukas"},
                            "item": "comment",
                            "verb": "add",
                            "comment_id": f"{CITY_PAGE_ID}_9_{now}",
                            "post_id": f"{CITY_PAGE_ID}_9",
                            "message": "Tosi huono juttu, että uimahalli on taas kiinni. "
                            "Miksi tästä ei kerrottu aiemmin?",
                            "created_time": now,
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload).encode()
    signature = hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = Client(HTTP_HOST="127.0.0.1").post(
        "/hooks/meta/",
        body,
        content_type="application/json",
        secure=True,
        HTTP_X_HUB_SIGNATURE_256=f"sha256={signature}",
    )
    return f"Facebook: {page.name}: a signed webhook comment (answer {answer.status_code})"


def seed(org: Organisation, pds: LocalPds | None, double: MastodonDouble) -> list[str]:
    said: list[str] = []
    for name, display in (("toimittaja", "Toimittaja, Vahtilan Sanomat"), ("asukas", "Asukas")):
        if name not in {a["username"] for a in double.accounts.values()}:
            double.add_account(name, display, "fi")
    double.post_as(
        "toimittaja",
        "@kirjasto Hei! Teen juttua Vahtilan Sanomiin kirjastojen talviaukioloista. "
        "Voisinko haastatella kirjastonjohtajaa tällä viikolla?",
    )
    double.post_as(
        "asukas",
        "@kirjasto Onko lainaamani kirja jo myöhässä? Voinko uusia sen?",
        visibility="direct",
    )
    said.append("Mastodon: a journalist's question and a private message to the library")
    library_sky = _channel(org, "kirjasto", "bluesky")
    if pds is not None and library_sky is not None:
        pds.create_account("asukas.test", "demo-password-asukas")
        app_password = pds.create_app_password("asukas.test", "demo-password-asukas")
        connector = registry.get("bluesky")
        resident = connector.login(pds.url, "asukas.test", app_password)
        post = OutgoingPost(
            text="@kirjasto.test Kiitos eilisestä satutuokiosta, lapset tykkäsivät!",
            created_at=clock.now() - dt.timedelta(seconds=1),
        )
        connector.publish(resident.account, post, f"demo-{clock.now().timestamp()}")
        said.append("Bluesky: a resident mentions the library")
    line = _meta(org)
    if line:
        said.append(line)
    for ch in (c for c in (_channel(org, "kirjasto", p) for p in ("mastodon", "bluesky")) if c):
        polling.poll_channel(ch.pk)
    return said
