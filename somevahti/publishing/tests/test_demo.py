"""The demo's promise: a scheduled post reaches the local Bluesky PDS and the Mastodon double
exactly once, with its links, and a revoked token stops a channel with a clear reason."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from urllib.request import urlopen

import pytest
from django.core.management import call_command

from somevahti.connectors.doubles.mastodon import MastodonDouble
from somevahti.connectors.pds import LocalPds
from somevahti.content.models import Post
from somevahti.core import clock
from somevahti.core.models import Organisation
from somevahti.publishing import demo, engine
from somevahti.publishing.models import Connection, Delivery


@pytest.fixture
def platforms(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalPds, MastodonDouble]]:
    pds = LocalPds().start()
    double = MastodonDouble().start()
    try:
        yield pds, double
    finally:
        double.stop()
        pds.stop()


@pytest.mark.services
def test_demo_post_reaches_both_platforms_once_and_revoked_channel_stops(
    db: None, platforms: tuple[LocalPds, MastodonDouble]
) -> None:
    pds, double = platforms
    call_command("loaddemo", verbosity=0)
    org = Organisation.objects.get(slug="vahtila")
    said = demo.connect(org, pds, double)
    assert len(said) == 3
    post = demo.schedule_post(org, in_seconds=60)
    assert post is not None and demo.schedule_post(org) is None  # only once
    assert post.scheduled_at is not None
    with clock.frozen(post.scheduled_at + dt.timedelta(seconds=1)):
        engine.run()
        engine.run()
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED
    deliveries = {d.channel.platform: d for d in Delivery.objects.filter(post=post)}
    assert set(deliveries) == {"bluesky", "mastodon"}
    # Bluesky: exactly one record on the PDS, with the text and a link facet.
    did = Connection.objects.get(channel=deliveries["bluesky"].channel).account_id
    with urlopen(  # noqa: S310 (loopback)
        f"{pds.url}/xrpc/com.atproto.repo.listRecords?repo={did}&collection=app.bsky.feed.post"
    ) as r:
        records = json.load(r)["records"]
    assert len(records) == 1 and records[0]["uri"] == deliveries["bluesky"].platform_id
    assert records[0]["value"]["text"] == demo.DEMO_TEXT
    assert any(f["features"][0]["$type"].endswith("#link") for f in records[0]["value"]["facets"])
    # Mastodon: exactly one status on the library's account.
    statuses = double.statuses("kirjasto")
    assert len(statuses) == 1 and deliveries["mastodon"].platform_id == str(statuses[0]["id"])
    assert deliveries["mastodon"].url.startswith(double.base_url)
    # The city's Mastodon, whose token was revoked on the server, is stopped with a reason.
    city = Connection.objects.get(channel__platform="mastodon", channel__unit__name="Viestintä")
    assert city.status != Connection.Status.OK and city.status_reason
