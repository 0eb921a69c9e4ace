"""A separate installation for tests and the burst benchmark that run real worker
processes: ``python -m somevahti.publishing.tests.killrig seed|report`` with the
environment (DATABASE_URL, SOMEVAHTI_VAR_DIR, ...) chosen by the caller.

``seed N CHANNELS SECONDS [--lead S] [--wakeups W]``: an organisation with CHANNELS
connected channels and N approved posts scheduled evenly over SECONDS, starting LEAD seconds
from now (time for the caller to start its workers). W wake-ups are queued evenly over the
same span; ``--wakeups 0`` queues one per post at its own time, as scheduling a post does.
``report``: JSON with every post's state and every delivery's key and state, for the caller
to compare with the double's call log.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import uuid


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def seed(n: int, channels: int, seconds: float, wakeups: int = 4, lead: float = 0.0) -> None:
    from django.conf import settings
    from huey.storage import SqliteStorage

    from somevahti.connectors.base import Account, Connected
    from somevahti.content.models import Post, PostVariant
    from somevahti.core import clock
    from somevahti.core.actions import create_organisation
    from somevahti.core.models import User
    from somevahti.publishing.connections import connect
    from somevahti.publishing.tasks import publish_due
    from somevahti.registry.models import Channel

    tag = uuid.uuid4().hex[:6]
    org = create_organisation(f"Rig {tag}", f"rig-{tag}")
    unit = org.units.get(depth=0)
    author = User.objects.create(username=f"rig-{org.pk}", organisation=org)
    chans = Channel.objects.bulk_create(
        Channel(organisation=org, unit=unit, platform="bluesky", name=f"Kanava {i}")
        for i in range(channels)
    )
    for ch in chans:
        account = Account("bluesky", account_id=f"did:rig:{ch.pk}", handle=ch.name)
        connect(None, ch, Connected(account))
    now = clock.now()
    start = now + dt.timedelta(seconds=lead)
    times = [start + dt.timedelta(seconds=seconds * i / max(1, n)) for i in range(n)]
    posts = Post.objects.bulk_create(
        (
            Post(
                organisation=org,
                unit=unit,
                author=author,
                approved_by=author,
                title=f"Julkaisu {i}",
                body=f"Julkaisu numero {i}",
                state=Post.State.SCHEDULED,
                scheduled_at=at,
                created_at=now,
                updated_at=now,
            )
            for i, at in enumerate(times)
        ),
        batch_size=1000,
    )
    PostVariant.objects.bulk_create(
        (PostVariant(post=p, channel=chans[i % channels]) for i, p in enumerate(posts)),
        batch_size=1000,
    )
    # Wake the workers as scheduling would; each wake-up sends until nothing is due.
    if wakeups <= 0:
        etas = sorted(set(times))
    else:
        etas = [start + dt.timedelta(seconds=seconds * i / wakeups) for i in range(wakeups)]
    storage = settings.HUEY.storage
    if isinstance(storage, SqliteStorage):
        # The rig only: 10,000 wake-ups with an fsync each would take half a minute.
        storage.conn.execute("pragma synchronous=off")
    for eta in etas:
        publish_due.schedule(eta=eta)
    info = {"organisation": org.pk, "posts": len(posts), "wakeups": len(etas)}
    print(json.dumps(info | {"start": start.isoformat(), "seeded_at": now.isoformat()}))


def report() -> None:
    from somevahti.content.models import Post
    from somevahti.publishing.models import Delivery

    out = {
        "posts": dict(Post.objects.values_list("pk", "state")),
        "scheduled_at": {
            pk: at.timestamp() for pk, at in Post.objects.values_list("pk", "scheduled_at") if at
        },
        "deliveries": [
            {"post": p, "key": k, "state": s}
            for p, k, s in Delivery.objects.values_list("post_id", "idempotency_key", "state")
        ],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("seed", "report"))
    parser.add_argument("args", nargs="*", type=float, help="seed: N CHANNELS SECONDS")
    parser.add_argument("--wakeups", type=int, default=4)
    parser.add_argument("--lead", type=float, default=0.0)
    opts = parser.parse_args()
    _setup()
    if opts.command == "seed":
        n, channels, seconds = opts.args
        seed(int(n), int(channels), seconds, opts.wakeups, opts.lead)
    else:
        report()
