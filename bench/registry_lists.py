"""Benchmark: the registry's list pages with 2,000 channels in 200 units.

Run by hand (`make bench`): builds a throw-away database (SQLite by default,
or DATABASE_URL), then prints the median and p95 time and the query count of
the channel list, its CSV export, the API list and the audit log.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SOMEVAHTI_VAR_DIR", tempfile.mkdtemp(prefix="somevahti-bench-"))
os.environ.setdefault("SOMEVAHTI_TASKS", "immediate")
os.environ.setdefault("SOMEVAHTI_HTTPS", "0")
os.environ.setdefault("SOMEVAHTI_ALLOWED_HOSTS", "testserver")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from somevahti.core import actions  # noqa: E402
from somevahti.core.models import Unit, User  # noqa: E402
from somevahti.core.roles import Role  # noqa: E402
from somevahti.registry.models import Audience, Channel, Platform  # noqa: E402

UNITS, CHANNELS, RUNS = 200, 2000, 20


def build() -> User:
    call_command("migrate", verbosity=0)
    org = actions.create_organisation("Benchikylä", "bench")
    root = actions.root_unit(org)
    sectors = [actions.create_unit(root, f"Toimiala {i}", Unit.Kind.SECTOR) for i in range(10)]
    units = list(sectors)
    while len(units) < UNITS:
        units.append(actions.create_unit(sectors[len(units) % 10], f"Yksikkö {len(units)}"))
    user = User.objects.create_user("bench", password="bench-salasana-1", organisation=org)  # noqa: S106
    actions.assign_role(user, root, Role.COMMUNICATIONS)
    audiences = [Audience.objects.create(organisation=org, name=f"Ryhmä {i}") for i in range(4)]
    platforms = [p for p, _ in Platform.choices]
    channels = Channel.objects.bulk_create(
        Channel(
            organisation=org,
            unit=units[i % UNITS],
            platform=platforms[i % len(platforms)],
            name=f"Kanava {i:04d}",
            handle=f"@kanava{i}",
            followers=i * 7,
        )
        for i in range(CHANNELS)
    )
    Channel.responsibles.through.objects.bulk_create(
        Channel.responsibles.through(channel_id=c.pk, user_id=user.pk) for c in channels
    )
    Channel.audiences.through.objects.bulk_create(
        Channel.audiences.through(channel_id=c.pk, audience_id=audiences[c.pk % 4].pk)
        for c in channels
    )
    return user


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
    times.sort()
    return (
        statistics.median(times),
        times[int(len(times) * 0.95) - 1],
        len(ctx),
        response.status_code,
    )


def main() -> None:
    user = build()
    client = Client()
    client.force_login(user)
    pages = {
        "channel list, page 1": reverse("registry:channel_list"),
        "channel list, sorted by followers": reverse("registry:channel_list") + "?sort=-followers",
        "channel list, search": reverse("registry:channel_list") + "?q=0042",
        "channel CSV export (all 2,000)": reverse("registry:channel_export"),
        "API /channels/ (100)": "/api/v1/channels/",
        "audit log": reverse("audit:log"),
    }
    engine = connection.vendor
    print(f"{CHANNELS} channels in {UNITS} units on {engine}, {RUNS} runs each")
    print(f"{'page':38} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'status':>7}")
    for label, url in pages.items():
        med, p95, queries, status = measure(client, url)
        print(f"{label:38} {med * 1000:10.1f} {p95 * 1000:8.1f} {queries:8d} {status:7d}")


if __name__ == "__main__":
    main()
