"""Benchmark: the inbox list page and the conversations API with 1,000,000 items.

Fills one organisation (110 units, 300 channels, 150 staff) with ITEMS inbox items in about
ITEMS / 1.6 conversations (bulk_create in batches) spread over two years: classes in a
town's mix, recent conversations open (new, assigned, waiting), older ones answered or
closed with a reply item, texts from bench/data/inbox_messages.json. Then, as a
communications officer (sees the whole organisation) and as one sector's director,
requests each page RUNS times with Django's test Client (the whole view: middleware,
form, queries, template or serializer) and prints p50 / p95 wall time, the query count,
the database's share and the slowest query.

PostgreSQL by default (a fresh database on 127.0.0.1:5432, ANALYZEd after the fill as
autovacuum would, dropped afterwards unless --keep); --db sqlite with a smaller default.
--reuse NAME measures an existing database from --keep without building; --explain prints
PostgreSQL's plan of each page's slowest query; --candidates adds the indexes proposed in
this file's CANDIDATES and measures again (the database is thrown away anyway).

Run: .venv/bin/python bench/inbox_list.py [--items N] [--db postgres|sqlite] [--runs N]
     [--keep] [--reuse NAME] [--explain] [--candidates]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG = "postgres@127.0.0.1:5432"
TARGET_MS = 100  # p95 on PostgreSQL (issue 7)
NOW = dt.datetime(2027, 1, 12, 10, 0, tzinfo=dt.UTC)
PLACE_CASES = ("nom", "gen", "in", "from", "to")
BATCH = 2000  # conversations per bulk_create round (their items follow)
# Share of conversations per class, and states of recent (< 14 days) and older ones.
CLASSES = {"question": 35, "feedback": 15, "negative": 12, "media": 3, "official": 3,
           "crisis": 1, "spam": 9, "other": 22}  # fmt: skip
RECENT = {"new": 25, "assigned": 35, "waiting": 10, "answered": 20, "closed": 10}
OLDER = {"answered": 550, "closed": 440, "assigned": 7, "new": 3}
KINDS = {"comment": 55, "message": 35, "mention": 10}
PLATFORMS = {"facebook": 45, "instagram": 25, "bluesky": 10, "mastodon": 10, "youtube": 5,
             "linkedin": 5}  # fmt: skip
REPLIES = [
    "Kiitos viestistäsi! Asia on välitetty eteenpäin, ja palaamme siihen tällä viikolla.",
    "Hei, kiitos kysymyksestä. Aukioloajat löytyvät verkkosivuiltamme, ja ne päivitetään "
    "viikoittain.",
    "Kiitos palautteesta, se on tärkeää meille. Olemme kertoneet asiasta yksikön esihenkilölle.",
    "Tack för ditt meddelande! Vi svarar så snart som möjligt.",
]
# Changes that would close part of the gap (see the report); --candidates measures with them.
CANDIDATES = [
    # Counting the open ones for the paginator, scoped through the unit: index-only.
    "CREATE INDEX bench_conv_scope ON inbox_conversation (organisation_id, state) "
    "INCLUDE (unit_id)",
    # The list's order (soonest due, then latest) over the open states only.
    "CREATE INDEX bench_conv_open_due ON inbox_conversation "
    "(organisation_id, due_at ASC NULLS LAST, last_item_at DESC, id DESC) "
    "WHERE state IN ('new', 'assigned', 'waiting')",
    # icontains is UPPER(col) LIKE UPPER('%q%') in Django: trigram indexes on that expression.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX bench_item_text_trgm ON inbox_inboxitem USING gin (UPPER(text) gin_trgm_ops)",
    "CREATE INDEX bench_conv_name_trgm ON inbox_conversation "
    "USING gin (UPPER(author_name) gin_trgm_ops, UPPER(author_handle) gin_trgm_ops)",
    # JIT compiles the big counts (~80-120 ms each) for nothing in short queries.
    "ALTER DATABASE {name} SET jit = off",
    "ANALYZE inbox_conversation",
    "ANALYZE inbox_inboxitem",
]


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def write(model: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY (bulk_create prepares every field of every row in Python: ~550
    rows/s on the 2-core machine, half an hour for 1,000,000). SQLite: bulk_create."""
    from django.db import connection
    from django.db.models import JSONField

    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**r) for r in rows], batch_size=500)
        return
    from psycopg.types.json import Jsonb

    fields = model._meta.concrete_fields
    # Every column: the ones a row leaves out get the field's default, as the ORM gives them.
    spec = [(f.attname, f.get_default(), isinstance(f, JSONField)) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as c, c.cursor.copy(sql) as copy:
        for r in rows:
            copy.write_row([Jsonb(r.get(n, d)) if j else r.get(n, d) for n, d, j in spec])


def reset_sequences(models: list[Any]) -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as c:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            c.execute(sql)


def build(items: int, seed: int) -> tuple[Any, Any]:
    """The organisation and its inbox; returns (communications officer, sector director)."""
    from somevahti.core import actions
    from somevahti.core.models import Unit, User
    from somevahti.core.roles import Role
    from somevahti.inbox.models import Conversation, InboxItem
    from somevahti.registry.models import Channel

    rng = random.Random(seed)
    data = json.loads((Path(__file__).parent / "data" / "inbox_messages.json").read_text())
    org = actions.create_organisation("Vahtilan kaupunki", "vahtila")
    root = actions.root_unit(org)
    sectors = [actions.create_unit(root, f"Toimiala {i + 1}", Unit.Kind.SECTOR) for i in range(10)]
    units = [root, *sectors]
    for s in sectors:
        units += [actions.create_unit(s, f"{s.name}, yksikkö {j + 1}") for j in range(9)]

    def person(name: str, role: str, unit: Any) -> Any:
        u = User.objects.create_user(name, email=f"{name}@vahtila.fi", organisation=org)
        actions.assign_role(u, unit, role)
        return u

    comms = person("viestinta", Role.COMMUNICATIONS, root)
    director = person("toimialajohtaja", Role.UNIT_DIRECTOR, sectors[0])
    staff = [
        person(f"kasittelija{i}", Role.CHANNEL_OWNER, rng.choice(units)).pk for i in range(148)
    ]
    channels = Channel.objects.bulk_create(
        Channel(
            organisation=org,
            unit=root if i < 10 else rng.choice(units),
            platform=(p := pick(rng, PLATFORMS)),
            name=f"Kanava {i} ({p})",
        )
        for i in range(300)
    )
    authors = [
        (f"{rng.choice(data['first_names'])} {rng.choice(data['last_names'])}", f"kayttaja{k}")
        for k in range(50_000)
    ]
    by_class: dict[str, list[str]] = {}
    for m in data["messages"]:
        by_class.setdefault(m["label"], []).append(m["text"])
    reasons = {
        k: [{"kind": "keyword", "pattern": k, "matched": k, "klass": k, "weight": 1, "rule": 1}]
        for k in CLASSES
    }
    made, conv_no, start = 0, 0, time.perf_counter()
    org_id, root_id = org.pk, root.pk
    while made < items:
        convs, rows = [], []
        for _ in range(BATCH):
            conv_no += 1
            age = dt.timedelta(days=730 * rng.random() ** 1.5)  # more of the recent ones
            last = NOW - age
            klass = pick(rng, CLASSES)
            state = pick(rng, RECENT if age.days < 14 else OLDER)
            if klass == "spam":
                state = "new" if age.days < 14 else "closed"
            ch = rng.choice(channels) if rng.random() < 0.9 else None
            name, handle = authors[int(len(authors) * rng.random() ** 2)]
            n = 1 + min(int(rng.expovariate(1 / 1.02)), 30)  # 1.6 on average
            created = last - dt.timedelta(hours=rng.uniform(0, 48) if n > 1 else 0)
            answered = state in ("answered", "closed") and klass != "spam"
            assignee = None if state == "new" or klass == "spam" else rng.choice(staff)
            convs.append(
                {
                    "id": conv_no,
                    "organisation_id": org_id,
                    "channel_id": ch.pk if ch else None,
                    "unit_id": ch.unit_id if ch else root_id,
                    "kind": pick(rng, KINDS),
                    "thread_key": f"bench:{conv_no}",
                    "author_handle": handle,
                    "author_name": name,
                    "language": "fi",
                    "state": state,
                    "klass": klass,
                    "assignee_id": assignee,
                    "route_reasons": [{"kind": "assigned", "klass": klass}],
                    "waiting_since": None if klass == "spam" else created,
                    "due_at": None if klass == "spam" else created + dt.timedelta(hours=8),
                    "first_response_at": last if answered else None,
                    "last_item_at": last,
                    "created_at": created,
                }
            )
            for j in range(n):
                out = answered and j == n - 1
                at = created + (last - created) * (j / max(1, n - 1))
                text = rng.choice(REPLIES if out else by_class[klass])
                place = rng.choice(data["places"])
                text = text.format(**dict(zip(PLACE_CASES, place, strict=True)))
                rows.append(
                    {
                        "id": made + len(rows) + 1,
                        "organisation_id": org_id,
                        "conversation_id": conv_no,
                        "channel_id": ch.pk if ch else None,
                        "direction": "out" if out else "in",
                        "external_id": f"bench-{conv_no}-{j}",
                        "source": ch.platform if ch else "ingest",
                        "author_handle": "" if out else handle,
                        "author_name": "" if out else name,
                        "text": text[0].upper() + text[1:],
                        "language": "fi",
                        "sent_at": at,
                        "received_at": at,
                        "klass": "other" if out else klass,
                        "class_reasons": [] if out else reasons[klass],
                        "sent_by_id": assignee if out else None,
                        "delivery_state": "sent" if out else "",
                    }
                )
        write(Conversation, convs)
        write(InboxItem, rows)
        made += len(rows)
        rate = made / (time.perf_counter() - start)
        print(f"\r  {made:,} items in {conv_no:,} conversations ({rate:,.0f} items/s)", end="")
    reset_sequences([Conversation, InboxItem])
    print()
    return comms, director


def pages(director: Any) -> list[tuple[str, str, Any]]:
    """(label, URL, who): the inbox page and the API, each with the same filters."""
    from django.urls import reverse

    inbox = reverse("inbox:list")
    return [
        ("page: open (default)", inbox, None),
        ("page: state=new & class=media", f"{inbox}?state=new&klass=media", None),
        ("page: search 'uimahalli' (open)", f"{inbox}?q=uimahalli", None),
        ("page: search 'Virtanen', all states", f"{inbox}?q=Virtanen&state=all", None),
        ("page: all states, page 50", f"{inbox}?state=all&page=50", None),
        ("page: open, one sector's director", inbox, director),
        ("API: open (100)", "/api/v1/conversations/", None),
        ("API: state=new & class=media", "/api/v1/conversations/?state=new&klass=media", None),
        ("API: search 'uimahalli' (open)", "/api/v1/conversations/?q=uimahalli", None),
        ("API: all states (100)", "/api/v1/conversations/?state=all", None),
    ]


def measure(client: Any, url: str, runs: int, budget: float) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls: list[float] = []
    cpu: list[float] = []
    db: list[float] = []
    slowest: tuple[float, str] = (0.0, "")
    queries = status = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append(time.perf_counter() - start)
            cpu.append(time.process_time() - c0)
        status, queries = response.status_code, len(ctx)
        times = [(float(q["time"]), q["sql"]) for q in ctx.captured_queries]
        db.append(sum(t for t, _ in times))
        slowest = max([slowest, *times])
        if sum(walls) > budget and len(walls) >= 5:
            break  # a slow page: fewer runs, said in the output
    walls.sort()
    count = json.loads(response.content).get("count") if url.startswith("/api/") else None
    return {
        "runs": len(walls),
        "p50": 1000 * walls[len(walls) // 2],
        "p95": 1000 * walls[max(0, -(-len(walls) * 95 // 100) - 1)],
        "db": 1000 * sorted(db)[len(db) // 2],
        "cpu": 1000 * sorted(cpu)[len(cpu) // 2],
        "queries": queries,
        "status": status,
        "count": count,
        "slowest_ms": 1000 * slowest[0],
        "slowest_sql": slowest[1],
    }


def form_cpu(user: Any) -> float:
    """The list's filter form rendered alone: its selects list every channel, unit and person
    of the organisation, one widget template per option."""
    from somevahti.inbox.forms import ConversationFilterForm

    times = []
    for _ in range(20):
        start = time.process_time()
        form = ConversationFilterForm(user, {"state": "new"})
        for field in form:
            str(field.as_field_group())
        times.append(time.process_time() - start)
    return 1000 * sorted(times)[10]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(f"      {row[0]}" for row in c.fetchall())


def run_all(args: argparse.Namespace, comms: Any, director: Any, title: str) -> None:
    from django.db import connection
    from django.test import Client

    clients = {None: Client(), "director": Client()}
    clients[None].force_login(comms)
    clients["director"].force_login(director)
    print(f"\n{title}")
    print(
        f"{'page':<38} {'runs':>4} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>7} {'db ms':>7}"
        f" {'queries':>7} {'slowest q':>9} {'rows':>8} {'status':>6}"
    )
    for label, url, who in pages(director):
        r = measure(clients["director" if who else None], url, args.runs, args.budget)
        rows = "" if r["count"] is None else f"{r['count']:,}"
        print(
            f"{label:<38} {r['runs']:>4} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['cpu']:>7.1f}"
            f" {r['db']:>7.1f} {r['queries']:>7} {r['slowest_ms']:>9.1f} {rows:>8}"
            f" {r['status']:>6}",
            flush=True,
        )
        if args.explain and connection.vendor == "postgresql":
            print(f"    slowest query: {r['slowest_sql'][:3000]}")
            print(explain(r["slowest_sql"]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--items", type=int, help="default 1,000,000 (PostgreSQL), 100,000 (SQLite)")
    p.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    p.add_argument("--runs", type=int, default=50, help="requests per page")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per page at most")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    p.add_argument("--reuse", metavar="NAME", help="measure a database kept with --keep")
    p.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slowest queries")
    p.add_argument("--candidates", action="store_true", help="add CANDIDATES, measure again")
    args = p.parse_args()
    items = args.items or (1_000_000 if args.db == "postgres" else 100_000)
    tmp = tempfile.mkdtemp(prefix="somevahti-list-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SOMEVAHTI_VAR_DIR": tmp,
            "SOMEVAHTI_TASKS": "immediate",
            "SOMEVAHTI_HTTPS": "0",
            "SOMEVAHTI_ALLOWED_HOSTS": "testserver",
            "SOMEVAHTI_LOG_LEVEL": "WARNING",
        }
    )
    name = args.reuse or f"svlist{uuid.uuid4().hex[:8]}"
    if args.db == "postgres":
        import psycopg

        if not args.reuse:
            with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgres://{PG}/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"
    try:
        measure_database(args, items)
    finally:
        if args.db == "postgres" and not (args.keep or args.reuse):
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif args.keep:
            print(f"kept: --reuse {name}")


def measure_database(args: argparse.Namespace, items: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from somevahti.core.models import User
    from somevahti.inbox.models import Conversation, InboxItem

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; database {connection.vendor}")
    if not args.reuse:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        print(f"filling {items:,} items:")
        build(items, args.seed)
        with connection.cursor() as c:
            # As autovacuum leaves an insert-only table: statistics and the visibility map.
            c.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(f"  built, vacuumed and analysed in {time.perf_counter() - start:.0f} s")
    comms = User.objects.get(username="viestinta")
    director = User.objects.get(username="toimialajohtaja")
    n_items, n_conv = InboxItem.objects.count(), Conversation.objects.count()
    open_ = Conversation.objects.filter(state__in=("new", "assigned", "waiting")).count()
    size = f"{n_items:,} items in {n_conv:,} conversations ({open_:,} open)"
    run_all(args, comms, director, f"{size}; {args.runs} requests per page (fewer if slow)")
    if args.candidates and connection.vendor == "postgresql":
        start = time.perf_counter()
        with connection.cursor() as c:
            for sql in CANDIDATES:
                c.execute(sql.format(name=connection.settings_dict["NAME"]))
        connection.close()  # the database setting applies to new connections
        print(f"\ncandidate indexes added in {time.perf_counter() - start:.0f} s")
        run_all(args, comms, director, f"{size}; with the candidate indexes")
    print(f"\nthe filter form alone: {form_cpu(comms):.1f} ms CPU to render (median of 20)")
    print(
        f"target: p95 < {TARGET_MS} ms on PostgreSQL. p50/p95: wall time of the whole request "
        "(test Client, no network); cpu ms: this process's CPU time (median), which a loaded "
        "machine inflates less than wall time; db ms: time in queries (median); slowest q: the "
        "slowest single query seen; rows: the API's count."
    )


if __name__ == "__main__":
    main()
