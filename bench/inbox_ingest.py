"""Benchmark: inbox ingest, items per second per core, on SQLite and on PostgreSQL.

Each item goes the whole way one event goes in production, in one process: the webhook's
or poller's ``ingest.store_raw`` (raw event stored, its task enqueued on commit), then the
task's body ``ingest.process`` (parse, conversation and item, classification through Voikko
lemmas, routing with its audit event and notification, response clock, auto-reply). Only
the queue consumer's dequeue is left out: the benchmark calls ``process`` itself.

The stream: ITEMS events per phase from the texts in bench/data/inbox_messages.json (36
comments and messages in Finnish, a few Swedish and English: questions, feedback,
complaints, journalists, information requests, crisis signals, spam) with places filled
in, over Facebook and Instagram webhooks (Meta's payloads), Bluesky and Mastodon polling
and the signed REST ingest (a feedback form, e-mail), ~35 channels in 16 units, thousands
of authors (a few very active), comments spread over each channel's recent posts. The
organisation has the default classification and routing rules and response targets, a
city manager, communications, unit directors and channel owners (with e-mail, so routing
notifications enqueue e-mails). The clock is frozen per item and advances GAP seconds.

Two timed phases, after a warm-up: "office" (Tuesday 9.30: auto-reply on but not due) and
"evening" (Friday 18.30: auto-reply ON for private messages, each reply an item with an
audit event and a queued send; connectors are the recording double and are never called
because the send tasks are only enqueued).

Figures: CPU time of the one Python process (``time.process_time``) per item, split into
store and process; items/s/core = 1 / that. On PostgreSQL also the server backend's CPU
for this connection (read from /proc), and items/s/core counting both. Wall time per item
too, but the machine is shared: CPU time is the figure. Queue: the embedded SQLite queue
with SQLite, Redis with PostgreSQL (its server CPU is not counted).

Run: .venv/bin/python bench/inbox_ingest.py [--items N] [--gap S] [--only sqlite|postgres]
     [--profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG = "postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
TARGET = 1000  # items per second per core (issue 7)
HKI = dt.timezone(dt.timedelta(hours=2))  # winter time: the phases are in January
PHASES = {
    "warm-up": dt.datetime(2027, 1, 11, 10, 0, tzinfo=HKI),  # Monday
    "office": dt.datetime(2027, 1, 12, 9, 30, tzinfo=HKI),  # Tuesday
    "evening": dt.datetime(2027, 1, 15, 18, 30, tzinfo=HKI),  # Friday
}


# --- parent: one child process per database -------------------------------------------------


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores {cpu}; load average {load}; Python {sys.version.split()[0]}"


def run_child(name: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--items", str(args.items)]
    cmd += ["--warmup", str(args.warmup), "--gap", str(args.gap), "--seed", str(args.seed)]
    cmd += ["--profile"] if args.profile else []
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-4000:]}")
    *text, last = done.stdout.strip().splitlines()
    if text:
        print("\n".join(text))
    result: dict[str, Any] = json.loads(last)
    return result


def with_postgres(base: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    import psycopg
    import redis

    name = f"svingest{uuid.uuid4().hex[:8]}"
    env = base | {"DATABASE_URL": f"postgres://{PG}/{name}", "SOMEVAHTI_TASKS_NAME": name}
    try:
        redis.Redis.from_url(REDIS).ping()
        env["SOMEVAHTI_TASKS"] = REDIS
    except redis.RedisError:
        env["SOMEVAHTI_TASKS"] = "embedded"
    with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        return run_child("PostgreSQL", env, args)
    finally:
        with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--items", type=int, default=1000, help="timed items per phase")
    p.add_argument("--warmup", type=int, default=200, help="untimed items first")
    p.add_argument("--gap", type=float, default=0.5, help="seconds of clock between items")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--only", choices=("sqlite", "postgres"))
    p.add_argument("--profile", action="store_true", help="cProfile the timed phases")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    from cryptography.fernet import Fernet

    print(f"machine: {machine()}")
    rows: list[tuple[str, dict[str, Any]]] = []
    for kind in ("sqlite", "postgres"):
        if args.only not in (None, kind):
            continue
        with tempfile.TemporaryDirectory(prefix="somevahti-ingest-") as tmp:
            base = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("SOMEVAHTI_", "DJANGO_", "DATABASE_URL"))
            }
            base |= {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "SOMEVAHTI_VAR_DIR": tmp,
                "SOMEVAHTI_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "SOMEVAHTI_LOG_LEVEL": "WARNING",
                "SOMEVAHTI_CONNECTORS": f"fake:{tmp}/platform.jsonl",
            }
            if kind == "sqlite":
                env = base | {
                    "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
                    "SOMEVAHTI_TASKS": "embedded",
                }
                rows.append(("SQLite", run_child("SQLite", env, args)))
            else:
                rows.append(("PostgreSQL", with_postgres(base, args)))
    report(rows)


def report(rows: list[tuple[str, dict[str, Any]]]) -> None:
    print(
        f"\n{'database':<11} {'phase':<8} {'items':>6} {'q/item':>6} {'store':>6} {'process':>8}"
        f" {'p50':>6} {'p95':>6} {'db':>6} {'wall':>6} {'items/s/core':>13} {'incl. db':>9}"
    )
    for name, r in rows:
        for phase in ("office", "evening"):
            f = r[phase]
            total = f["store_ms"] + f["process_ms"]
            both = total + f["db_ms"]
            db = f"{f['db_ms']:6.2f}" if r["db_cpu"] else "    in"
            print(
                f"{name:<11} {phase:<8} {f['items']:>6} {f['queries']:>6.1f} {f['store_ms']:>6.2f}"
                f" {f['process_ms']:>8.2f} {f['p50_ms']:>6.2f} {f['p95_ms']:>6.2f} {db}"
                f" {f['wall_ms']:>6.2f} {1000 / total:>13.0f} {1000 / both:>9.0f}"
            )
    print(
        f"target: >= {TARGET} items/s/core. Times are ms per item: store = store_raw with the "
        "task enqueued, process = ingest.process; p50/p95 of one item's CPU (store + process);"
        " db = the PostgreSQL backend's CPU ('in': SQLite runs inside the process); wall = "
        "elapsed (shared machine). items/s/core = 1000 / (store + process) CPU ms; 'incl. db' "
        "adds the database server's CPU."
    )
    for name, r in rows:
        print(
            f"\n{name}: queue {r['queue']}; setup {r['setup_s']:.0f} s; calibration: one ORM "
            f"primary-key lookup = {r['lookup_ms']:.3f} ms CPU here (the {1000 // TARGET} ms "
            f"budget per item at the target = {1 / r['lookup_ms']:.0f} such lookups)"
        )
        for phase in ("office", "evening"):
            f = r[phase]
            print(f"  {phase}: raw events {f['states']}; {f['made']}")
            steps = ", ".join(f"{k} {ms:.2f}/{q:.1f}" for k, (ms, q) in f["steps"].items())
            print(f"    CPU ms / queries per item: {steps}")
            print(f"    classes of new items: {f['classes']}")
            print(f"    Voikko word cache: {f['words']}")


# --- child: one database, from the environment the parent set -------------------------------

SECTORS = {
    "Sivistystoimi": ["Kirjasto", "Perusopetus", "Varhaiskasvatus", "Liikuntapalvelut",
                      "Kulttuuripalvelut"],
    "Tekninen toimi": ["Kadut ja puistot", "Jätehuolto", "Vesihuolto"],
    "Sosiaali- ja terveystoimi": ["Terveysasemat", "Neuvolat"],
    "Kaupunkikehitys": ["Rakennusvalvonta"],
    "Konsernipalvelut": ["Viestintä", "Kirjaamo"],
}  # fmt: skip
# Share of items per class (roughly a town's mix), and where each kind arrives from.
LABELS = {"question": 35, "feedback": 15, "negative": 14, "media": 4, "official": 4,
          "crisis": 2, "spam": 8, "other": 18}  # fmt: skip
SOURCES = {
    "message": {"facebook": 35, "instagram": 15, "ingest": 40, "mastodon": 10},
    "comment": {"facebook": 45, "instagram": 25, "bluesky": 15, "mastodon": 15},
}
FOLLOW_UP = 0.3  # share of items from someone already in the thread
MEDIA_DOMAINS = ("yle.fi", "hs.fi", "iltalehti.fi", "hbl.fi", "mtvuutiset.fi", "ess.fi")
ACCOUNTS = {"facebook": "10{:013d}", "instagram": "1784{:013d}",
            "bluesky": "did:plc:vahtila{:04d}", "mastodon": "1090{:05d}"}  # fmt: skip
META_HEADERS = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
PENDING: list[int] = []  # raw events whose task store_raw enqueued
QUERIES = [0]
STEP_CPU: Counter[str] = Counter()
STEP_QUERIES: Counter[str] = Counter()
# The pipeline's steps, timed by wrapping them where process() looks them up.
STEPS = {
    "channel": ("somevahti.inbox.ingest", "_channel_for"),
    "classify": ("somevahti.inbox.classify", "classify_item"),
    "route": ("somevahti.inbox.routing", "route"),
    "clock": ("somevahti.inbox.hours", "start_clock"),
    "auto-reply": ("somevahti.inbox.autoreply", "maybe_auto_reply"),
}


@dataclass
class Outlet:
    channel: Any
    platform: str
    account: str
    posts: list[str] = field(default_factory=list)


@dataclass
class World:
    org: Any
    outlets: dict[str, list[Outlet]]
    authors: list[tuple[str, str, int]]  # first, last, number
    texts: dict[str, list[dict[str, str]]]
    places: list[list[str]]
    seq: int = 0
    recent: list[tuple[str, str, Any, str, tuple[str, str, int]]] = field(default_factory=list)


def ascii_name(s: str) -> str:
    return s.lower().translate(str.maketrans("äöå", "aoa"))


def build_world(rng: random.Random) -> World:
    from somevahti.core import actions, clock
    from somevahti.core.models import User
    from somevahti.core.roles import Role
    from somevahti.inbox import classify, hours, routing
    from somevahti.inbox.models import AutoReplySettings, ClosedDay, RoutingRule
    from somevahti.publishing.models import Connection
    from somevahti.registry.models import Channel

    data = json.loads((Path(__file__).parent / "data" / "inbox_messages.json").read_text())
    org = actions.create_organisation("Vahtilan kaupunki", "vahtila")
    root = actions.root_unit(org)
    n = iter(range(1, 10_000))

    def person(role: str, unit: Any) -> Any:
        first, last = rng.choice(data["first_names"]), rng.choice(data["last_names"])
        name = f"{ascii_name(first)}.{ascii_name(last)}{next(n)}"
        u = User.objects.create_user(
            name, email=f"{name}@vahtila.fi", organisation=org, first_name=first, last_name=last
        )
        actions.assign_role(u, unit, role)
        return u

    person(Role.CITY_MANAGER, root)
    person(Role.COMMUNICATIONS, root)
    person(Role.COMMUNICATIONS, root)
    units = [root]
    for sector_name, names in SECTORS.items():
        sector = actions.create_unit(root, sector_name, "sector")
        person(Role.UNIT_DIRECTOR, sector)
        units.append(sector)
        for i, unit_name in enumerate(names):
            unit = actions.create_unit(sector, unit_name)
            if i % 3 != 2:  # some units have no director of their own: the sector's answers
                person(Role.UNIT_DIRECTOR, unit)
            units.append(unit)
    registry_office = person(Role.CONTENT_PRODUCER, units[-1])
    plan = [(root, p) for p in ("facebook", "instagram", "bluesky", "mastodon")]
    plan += [(u, "facebook") for u in units[1:]]
    plan += [(u, "instagram") for u in units if u.name in ("Kirjasto", "Liikuntapalvelut",
             "Kulttuuripalvelut", "Varhaiskasvatus", "Sivistystoimi")]  # fmt: skip
    plan += [(u, p) for u in units if u.name in ("Kirjasto", "Viestintä")
             for p in ("bluesky", "mastodon")]  # fmt: skip
    now = clock.now()
    outlets: dict[str, list[Outlet]] = {}
    for i, (unit, platform) in enumerate(plan):
        ch = Channel.objects.create(
            organisation=org, unit=unit, platform=platform, name=f"{unit.name} {platform}"
        )
        ch.responsibles.set([person(Role.CHANNEL_OWNER, unit) for _ in range(1 + i % 2)])
        account = ACCOUNTS[platform].format(i)
        Connection.objects.create(
            organisation=org, channel=ch, platform=platform, account_id=account, connected_at=now
        )
        posts = [f"{account}_{9000 + k}" for k in range(20)]
        outlets.setdefault(platform, []).append(Outlet(ch, platform, account, posts))
    classify.ensure_default_rules(org)
    routing.ensure_default_routing(org)
    RoutingRule.objects.filter(organisation=org, klass="official").update(person=registry_office)
    hours.ensure_default_targets(org)
    AutoReplySettings.objects.create(organisation=org, enabled=True, public_comments=False)
    ClosedDay.objects.create(organisation=org, date=dt.date(2027, 3, 5), name="Koulutuspäivä")
    authors = [
        (rng.choice(data["first_names"]), rng.choice(data["last_names"]), k) for k in range(5000)
    ]
    texts: dict[str, list[dict[str, str]]] = {}
    for m in data["messages"]:
        texts.setdefault(m["label"], []).append(m)
    return World(org, outlets, authors, texts, data["places"])


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_event(w: World, rng: random.Random, at: dt.datetime) -> tuple[str, Any, Any]:
    """One arriving event as its source delivers it: (how it is stored, payload, channel)."""
    from somevahti.inbox.incoming import Incoming

    w.seq += 1
    msg = rng.choice(w.texts[pick(rng, LABELS)])
    place = rng.choice(w.places)
    text = msg["text"].format(**dict(zip(("nom", "gen", "in", "from", "to"), place, strict=True)))
    text = text[0].upper() + text[1:]
    sent = at - dt.timedelta(seconds=rng.uniform(1, 90))
    ext = f"{w.seq}{rng.randrange(10**6):06d}"
    if w.recent and rng.random() < FOLLOW_UP:
        # The same person again in the same thread: an answer to our reply, a reminder.
        source, kind, out, post, (first, last, k) = rng.choice(w.recent[-300:])
    else:
        kind = msg["kind"]
        source = pick(rng, SOURCES[kind])
        if source in ("bluesky", "mastodon") and kind == "comment" and rng.random() < 0.3:
            kind = "mention"
        out, post = None, f"t-{ext}"
        if source != "ingest":
            outlets = w.outlets[source]
            out = outlets[0] if rng.random() < 0.4 else rng.choice(outlets)
            post = out.posts[min(int(rng.expovariate(0.3)), len(out.posts) - 1)]
        author = w.authors[rng.randrange(400) if rng.random() < 0.6 else rng.randrange(5000)]
        w.recent.append((source, kind, out, post, author))
        first, last, k = author
    if source == "ingest" or out is None:
        domain = rng.choice(MEDIA_DOMAINS) if msg["label"] == "media" else "example.fi"
        email = f"{ascii_name(first)}.{ascii_name(last)}{k}@{domain}"
        author_ = {"name": f"{first} {last}", "email": email}
        body = {"id": f"palaute-{ext}", "text": text, "sent_at": sent.isoformat(),
                "kind": "message", "thread": post, "author": author_}  # fmt: skip
        return "ingest", json.dumps(body, ensure_ascii=False).encode(), None
    if source in ("facebook", "instagram"):
        obj = "page" if source == "facebook" else "instagram"
        if kind == "message":
            sender = f"{7 * 10**15 + k}"
            ev: dict[str, Any] = {"messaging": [{
                "sender": {"id": sender}, "recipient": {"id": out.account},
                "timestamp": int(sent.timestamp() * 1000),
                "message": {"mid": f"m_{ext}", "text": text}}]}  # fmt: skip
        elif source == "facebook":
            ev = {"changes": [{"field": "feed", "value": {
                "from": {"id": f"{7 * 10**15 + k}", "name": f"{first} {last}"},
                "item": "comment", "verb": "add", "comment_id": f"{post}_{ext}",
                "post_id": post, "parent_id": post, "message": text,
                "created_time": int(sent.timestamp())}}]}  # fmt: skip
        else:
            ev = {"changes": [{"field": "comments", "value": {
                "from": {"id": f"{7 * 10**15 + k}", "username": f"{ascii_name(first)}_{k}"},
                "media": {"id": post, "media_product_type": "FEED"}, "id": ext,
                "text": text}}]}  # fmt: skip
        entry = {"id": out.account, "time": int(at.timestamp()), **ev}
        return "meta", json.dumps({"object": obj, "entry": [entry]}).encode(), None
    handle = (
        f"{ascii_name(first)}{k}.bsky.social"
        if source == "bluesky"
        else f"{ascii_name(first)}{k}@mastodon.social"
    )
    event = Incoming(
        source=source, external_id=f"{source}-{ext}", kind=kind,
        thread_id=handle if kind == "message" else post, author_handle=handle,
        author_name=f"{first} {last}", text=text, sent_at=sent, account_id=out.account,
        url=f"https://{source}.example/{ext}",
    )  # fmt: skip
    return "polled", event, out.channel


def store(kind: str, payload: Any, channel: Any, org: Any) -> None:
    from somevahti.inbox import ingest

    if kind == "meta":
        key = ingest.body_key("meta", payload)
        ingest.store_raw("meta", key, payload, META_HEADERS, organisation=org)
    elif kind == "ingest":
        key = f"ingest:palaute:{hashlib.sha256(payload).hexdigest()}"
        ingest.store_raw("ingest", key, payload, META_HEADERS, organisation=org)
    else:
        ingest.store_polled(channel, [payload])


def db_cpu(pid: int | None) -> float:
    """CPU seconds of the PostgreSQL backend serving this connection (same machine)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counts(org: Any) -> dict[str, int]:
    from somevahti.audit.models import AuditEvent
    from somevahti.core.models import Notification
    from somevahti.inbox.models import Conversation, InboxItem

    items = InboxItem.objects.filter(organisation=org)
    return {
        "conversations": Conversation.objects.filter(organisation=org).count(),
        "items in": items.filter(direction="in").count(),
        "auto-replies": items.filter(automatic=True).count(),
        "notifications": Notification.objects.count(),
        "audit events": AuditEvent.objects.filter(organisation=org).count(),
    }


def run_phase(w: World, rng: random.Random, phase: str, n: int, args: Any) -> dict[str, Any]:
    import cProfile
    import pstats

    from django.db import connection

    from somevahti.core import clock
    from somevahti.inbox import ingest
    from somevahti.inbox.classify_rules import word_forms
    from somevahti.inbox.models import InboxItem

    base = PHASES[phase]
    events = [make_event(w, rng, base + dt.timedelta(seconds=args.gap * i)) for i in range(n)]
    before, cache0 = counts(w.org), word_forms.cache_info()
    first_id = (InboxItem.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            pid = c.fetchone()[0]
    QUERIES[0] = 0
    STEP_CPU.clear()
    STEP_QUERIES.clear()

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        QUERIES[0] += 1
        return execute(sql, params, many, context)

    states: Counter[str] = Counter()
    per_item, store_cpu, process_cpu = [], 0.0, 0.0
    # CPU time, like the figures (the default timer would count waits for the disk).
    profile = cProfile.Profile(time.process_time) if args.profile and phase != "warm-up" else None
    server0, wall0 = db_cpu(pid), time.perf_counter()
    with connection.execute_wrapper(count):
        if profile:
            profile.enable()
        for i, (kind, payload, channel) in enumerate(events):
            with clock.frozen(base + dt.timedelta(seconds=args.gap * i)):
                c0, q0 = time.process_time(), QUERIES[0]
                store(kind, payload, channel, w.org)
                c1, q1 = time.process_time(), QUERIES[0]
                while PENDING:
                    states[ingest.process(PENDING.pop())] += 1
                c2 = time.process_time()
            STEP_QUERIES["store"] += q1 - q0
            STEP_QUERIES["process"] += QUERIES[0] - q1
            store_cpu += c1 - c0
            process_cpu += c2 - c1
            per_item.append(c2 - c0)
        if profile:
            profile.disable()
    wall, server = time.perf_counter() - wall0, db_cpu(pid) - server0
    if profile:
        print(f"--- CPU profile, {connection.vendor}, {phase}: own code by cumulative time ---")
        stats = pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative")
        stats.print_stats(r"somevahti/(?!.*tests)", 40)
    after, cache1 = counts(w.org), word_forms.cache_info()
    per_item.sort()
    new = InboxItem.objects.filter(pk__gt=first_id, direction="in")
    classes = Counter(new.values_list("klass", flat=True))
    hits, misses = cache1.hits - cache0.hits, cache1.misses - cache0.misses
    steps = {"store": (1000 * store_cpu / n, STEP_QUERIES["store"] / n)}
    rest_cpu, rest_q = process_cpu, STEP_QUERIES["process"]
    for name in STEPS:
        steps[name] = (1000 * STEP_CPU[name] / n, STEP_QUERIES[name] / n)
        rest_cpu, rest_q = rest_cpu - STEP_CPU[name], rest_q - STEP_QUERIES[name]
    steps["rest"] = (1000 * rest_cpu / n, rest_q / n)
    return {
        "items": n,
        "queries": QUERIES[0] / n,
        "steps": steps,
        "store_ms": 1000 * store_cpu / n,
        "process_ms": 1000 * process_cpu / n,
        "p50_ms": 1000 * per_item[n // 2],
        "p95_ms": 1000 * per_item[int(n * 0.95) - 1],
        "db_ms": 1000 * server / n,
        "wall_ms": 1000 * wall / n,
        "states": dict(states),
        "made": ", ".join(f"{k} +{after[k] - before[k]}" for k in after),
        "classes": dict(classes.most_common()),
        "words": f"{hits} hits, {misses} misses (analysed by Voikko)",
    }


def calibrate(org: Any) -> float:
    """CPU ms of one ORM primary-key lookup here and now: the scale for the figures above
    (a shared, loaded machine is slower than its model name suggests)."""
    from somevahti.core.models import Organisation

    start = time.process_time()
    for _ in range(300):
        Organisation.objects.filter(pk=org.pk).first()
    return 1000 * (time.process_time() - start) / 300


def timed(name: str, fn: Any) -> Any:
    def step(*args: Any, **kwargs: Any) -> Any:
        c0, q0 = time.process_time(), QUERIES[0]
        try:
            return fn(*args, **kwargs)
        finally:
            STEP_CPU[name] += time.process_time() - c0
            STEP_QUERIES[name] += QUERIES[0] - q0

    return step


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("SOMEVAHTI_HTTPS", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from somevahti.inbox import ingest

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    world = build_world(rng)
    enqueue = ingest._enqueue

    def capture(raw_id: int) -> None:
        PENDING.append(raw_id)
        enqueue(raw_id)  # the real task enqueue stays in the measured path

    ingest._enqueue = capture  # type: ignore[assignment]
    for name, (module, attr) in STEPS.items():
        mod = importlib.import_module(module)
        setattr(mod, attr, timed(name, getattr(mod, attr)))
    setup = time.perf_counter() - start
    result: dict[str, Any] = {
        "queue": type(settings.HUEY).__name__,
        "setup_s": setup,
        "db_cpu": connection.vendor == "postgresql",
    }
    run_phase(world, rng, "warm-up", args.warmup, args)
    result["lookup_ms"] = calibrate(world.org)
    for phase in ("office", "evening"):
        result[phase] = run_phase(world, rng, phase, args.items, args)
    settings.HUEY.storage.flush_all()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
