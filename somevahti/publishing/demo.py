"""The demo's publishing: the library's Bluesky account on a local PDS and its Mastodon
account on the Mastodon double, a post scheduled to both, and the city's Mastodon account
with a revoked token so the stopped queue can be seen. Run by ``somevahti demoplatforms``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from somevahti.connectors import registry
from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.pds import LocalPds
from somevahti.content import actions
from somevahti.content.models import Post
from somevahti.core import clock
from somevahti.core.models import Organisation, User
from somevahti.publishing import connections
from somevahti.registry.models import Channel

DEMO_TITLE = "Kirjaston talviaukioloajat"
DEMO_TEXT = (
    "Kirjasto on talvella auki arkisin 9–20 ja lauantaisin 10–16. "
    "Tervetuloa lainaamaan ja lukemaan! #kirjasto https://kirjasto.vahtila.example"
)
REDIRECT = "http://127.0.0.1/oauth/callback/"


def _channel(org: Organisation, unit: str, platform: str) -> Channel | None:
    return (
        Channel.objects.filter(organisation=org, unit__name__icontains=unit, platform=platform)
        .order_by("pk")
        .first()
    )


def _user(org: Organisation, username: str) -> User:
    return User.objects.get(organisation=org, username=username)


def _mastodon(double: MastodonDouble, account: str, channel: Channel, it: User) -> str:
    """Connect ``channel`` through the real OAuth flow against the double; return the token."""
    connector = registry.get("mastodon")
    app = connector.register_app(double.base_url, REDIRECT)
    double.sign_in(account)
    code = double.authorize(connector.authorize_url(app, "demo"))
    connected = connector.exchange_code(app, code)
    connections.connect(it, channel, connected)
    token: str = connected.account.credentials["access_token"]
    return token


def connect(org: Organisation, pds: LocalPds | None, double: MastodonDouble) -> list[str]:
    """Connect the demo channels; returns lines telling what was done."""
    said: list[str] = []
    it = _user(org, "it")
    library_masto = _channel(org, "kirjasto", "mastodon")
    if library_masto is not None:
        if "kirjasto" not in {a["username"] for a in double.accounts.values()}:
            double.add_account("kirjasto", "Vahtilan kirjasto", "fi")
        _mastodon(double, "kirjasto", library_masto, it)
        said.append(f"Mastodon: {library_masto.name} → {double.base_url} (@kirjasto)")
    library_sky = _channel(org, "kirjasto", "bluesky")
    if pds is not None and library_sky is not None:
        pds.create_account("kirjasto.test", "demo-password-kirjasto")
        app_password = pds.create_app_password("kirjasto.test", "demo-password-kirjasto")
        connected = registry.get("bluesky").login(pds.url, "kirjasto.test", app_password)
        connections.connect(it, library_sky, connected)
        said.append(f"Bluesky: {library_sky.name} → {pds.url} (kirjasto.test)")
    city_masto = _channel(org, "viestintä", "mastodon")
    if city_masto is not None:
        # The token is then revoked on the server: the daily check stops the channel's queue
        # with the platform's reason, as it would when someone removes the app's access.
        double.revoke(_mastodon(double, "kaupunki", city_masto, it))
        connections.verify_all(org.pk)
        said.append(f"Mastodon: {city_masto.name}: access revoked on the server (stopped)")
    return said


def schedule_post(org: Organisation, in_seconds: int = 90) -> Post | None:
    """A post to the library's connected channels, once; the worker publishes it."""
    if Post.objects.filter(organisation=org, title=DEMO_TITLE).exists():
        return None
    channels = [c for c in (_channel(org, "kirjasto", p) for p in ("bluesky", "mastodon")) if c]
    if not channels:
        return None
    producer, owner = _user(org, "tuottaja"), _user(org, "omistaja")
    data: dict[str, Any] = {"title": DEMO_TITLE, "body": DEMO_TEXT, "channels": channels}
    with transaction.atomic():
        post = actions.create_post(producer, channels[0].unit, data)
        post = actions.submit_for_review(producer, post)
        post = actions.approve(owner, post)
        at = clock.now() + dt.timedelta(seconds=in_seconds)
        return actions.schedule(owner, post, at)
