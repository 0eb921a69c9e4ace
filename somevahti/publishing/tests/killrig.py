"""A separate installation for tests and the burst benchmark that run real worker
processes: ``python -m somevahti.publishing.tests.killrig seed|report`` with the
environment (DATABASE_URL, SOMEVAHTI_VAR_DIR, ...) chosen by the caller.

``seed N CHANNELS SECONDS``: an organisation with CHANNELS connected channels and N approved
posts scheduled evenly over the next SECONDS. ``report``: JSON with every post's state and
every delivery's key and state, for the caller to compare with the double's call log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import uuid


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def seed(n: int, channels: int, seconds: float, wakeups: int = 4) -> None:
    from somevahti.connectors.base import Account, Connected
    from somevahti.content.models import Post, PostVariant
    from somevahti.core import clock
    from somevahti.core.actions import create_organisation
    from somevahti.core.models import User
    from somevahti.publishing.connections import connect
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
    posts = Post.objects.bulk_create(
        Post(
            organisation=org,
            unit=unit,
            author=author,
            approved_by=author,
            title=f"Julkaisu {i}",
            body=f"Julkaisu numero {i}",
            state=Post.State.SCHEDULED,
            scheduled_at=now + dt.timedelta(seconds=seconds * i / max(1, n)),
            created_at=now,
            updated_at=now,
        )
        for i in range(n)
    )
    PostVariant.objects.bulk_create(
        PostVariant(post=p, channel=chans[i % channels]) for i, p in enumerate(posts)
    )
    # Wake the workers as scheduling would (one wake-up per post time is not needed: each
    # wake-up sends until nothing is due).
    from somevahti.publishing.tasks import publish_due

    for i in range(wakeups):
        publish_due.schedule(eta=now + dt.timedelta(seconds=seconds * i / max(1, wakeups)))
    print(json.dumps({"organisation": org.pk, "posts": len(posts), "start": now.isoformat()}))


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
    _setup()
    if sys.argv[1] == "seed":
        seed(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        report()
