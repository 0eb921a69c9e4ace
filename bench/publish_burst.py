"""Benchmark: a publishing burst with a worker killed by SIGKILL in the middle of it.

POSTS (10,000) approved posts due within SECONDS (60) across CHANNELS (500) channels, each
with its own wake-up at its time as scheduling a post queues, go out through the recording
connector double (``somevahti/connectors/fake.py``: each call that reaches the "platform" is
one line with its idempotency key and time; LATENCY mean, uniform 0..2x; 2 % of calls get a
503 with Retry-After 1 s). WORKERS ``run_huey`` processes with THREADS threads each share the
queue. When half the posts are out, worker 1 is SIGKILLed and restarted at once (as systemd
would). What it held comes back through the leases: a delivery it was *sending* is looked up
by its key after SOMEVAHTI_SEND_LEASE_SECONDS (15 s here; 180 s by default, longer than any
connector timeout): found means published, otherwise unconfirmed and shown to the channel
owner, never resent. One only *claimed* returns to the queue after the engine's fixed 60 s
claim lease. The run ends when every post has an outcome (or --timeout).

Figures: lateness (the double's ``at`` minus the post's scheduled time) median / p95 / max;
duplicates (a key delivered more than once); lost (a post neither on the platform as
published nor shown to a person as unconfirmed or failed); unconfirmed; wall time from the
first post's time until every post had an outcome; the worker processes' CPU per post.
Lateness and wall time depend on free CPU: on a shared machine read them with the load
average printed beside them; CPU per post barely does.

Configurations: a SQLite file with the embedded (SQLite) queue, and a fresh PostgreSQL
database on 127.0.0.1:5432 (user postgres, dropped afterwards) with Redis on 127.0.0.1:6379
under a unique queue name.

Run: .venv/bin/python bench/publish_burst.py [--posts N] [--channels N] [--workers N]
     [--threads N] [--latency S] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent / "somevahti"
PG = "postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"
SEND_LEASE = 15
LEAD = 15.0  # seconds between seeding and the first post's time: the workers start meanwhile
OUTCOMES = {"published", "unconfirmed", "failed"}


@dataclass
class Result:
    name: str
    workers: str
    posts: int
    lateness: list[float]
    duplicates: int
    lost: int
    unconfirmed: int
    unconfirmed_sent: int
    failed: int
    wall: float = 0.0
    cpu: float = 0.0  # seconds, all worker processes
    note: str = ""


def run(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(  # noqa: S603
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def rig(env: dict[str, str], *args: str) -> Any:
    out = run(env, sys.executable, "-m", "somevahti.publishing.tests.killrig", *args)
    return json.loads(out.strip().splitlines()[-1])


def sent_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def progress(url: str) -> dict[str, int]:
    """Posts per state, read directly: a Django process per poll would steal a core."""
    sql = "SELECT state, COUNT(*) FROM content_post GROUP BY state"
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(f"file:{url[10:]}?mode=ro", uri=True, timeout=30)) as c:
            return dict(c.execute(sql).fetchall())
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as c:
        return dict(c.execute(sql).fetchall())


def start_worker(env: dict[str, str], threads: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [str(BIN), "run_huey", "--workers", str(threads), "--worker-type", "thread"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (the load-independent cost of the burst)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def burst(name: str, env: dict[str, str], tmp: Path, args: argparse.Namespace) -> Result:
    log = tmp / "calls.jsonl"
    env = env | {
        "SOMEVAHTI_VAR_DIR": str(tmp),
        "SOMEVAHTI_CONNECTORS": f"fake:{log}?latency={args.latency}&transient={args.transient}",
        "SOMEVAHTI_SEND_LEASE_SECONDS": str(SEND_LEASE),
    }
    run(env, str(BIN), "migrate", "--noinput", "-v", "0")
    seeded = rig(
        env, "seed", str(args.posts), str(args.channels), str(args.seconds),
        "--wakeups", "0", "--lead", str(LEAD),
    )  # fmt: skip
    first_due = datetime.fromisoformat(seeded["start"]).timestamp()
    workers = [start_worker(env, args.threads, tmp / f"worker{i}.log") for i in range(args.workers)]
    note, cpu = "no kill: the burst ended first", 0.0
    try:
        deadline = first_due + args.seconds + args.timeout
        while sent_count(log) < args.posts // 2 and time.time() < deadline:
            time.sleep(0.2)
        sent = sent_count(log)
        if sent < args.posts:
            cpu += cpu_seconds(workers[0].pid)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(10)
            note = f"worker 1 killed at +{time.time() - first_due:.1f} s with {sent} sent"
            if not args.no_restart:
                workers[0] = start_worker(env, args.threads, tmp / "worker0.log")
                note += ", restarted"
        states: dict[str, int] = {}
        while time.time() < deadline:
            states = progress(env["DATABASE_URL"])
            if set(states) <= OUTCOMES:
                break
            time.sleep(1)
        wall = time.time() - first_due
        cpu += sum(cpu_seconds(w.pid) for w in workers)
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        note += f"; load average at the end {load}"
        if not set(states) <= OUTCOMES:
            note += f"; TIMEOUT with {states}"
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(20)
            except subprocess.TimeoutExpired:
                w.kill()
    calls = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    result = compare(name, f"{args.workers}x{args.threads}", rig(env, "report"), calls)
    result.wall, result.cpu, result.note = wall, cpu, note
    return result


def compare(name: str, workers: str, report: dict[str, Any], log: list[dict[str, Any]]) -> Result:
    first_at: dict[str, float] = {}
    per_key = collections.Counter(c["key"] for c in log)
    for c in log:
        first_at[c["key"]] = min(first_at.get(c["key"], c["at"]), c["at"])
    by_post: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for d in report["deliveries"]:
        by_post[str(d["post"])].append(d)
    lateness, lost = [], 0
    for pk, state in report["posts"].items():
        ds = by_post.get(pk, [])
        on_platform = bool(ds) and all(per_key[d["key"]] for d in ds)
        if state in ("unconfirmed", "failed") or (state == "published" and on_platform):
            lateness += [
                first_at[d["key"]] - report["scheduled_at"][pk] for d in ds if per_key[d["key"]]
            ]
        else:
            lost += 1
    unconfirmed = [d for d in report["deliveries"] if d["state"] == "unconfirmed"]
    return Result(
        name=name,
        workers=workers,
        posts=len(report["posts"]),
        lateness=sorted(lateness),
        duplicates=sum(1 for n in per_key.values() if n > 1),
        lost=lost,
        unconfirmed=len(unconfirmed),
        unconfirmed_sent=sum(1 for d in unconfirmed if per_key[d["key"]]),
        failed=[d["state"] for d in report["deliveries"]].count("failed"),
    )


def configuration(kind: str, tmp: Path, base: dict[str, str], args: argparse.Namespace) -> Result:
    if kind == "sqlite":
        env = base | {"DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3", "SOMEVAHTI_TASKS": "embedded"}
        return burst("SQLite + embedded queue", env, tmp, args)
    import psycopg
    from huey import RedisHuey

    name = base["SOMEVAHTI_TASKS_NAME"]
    with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    env = base | {"DATABASE_URL": f"postgres://{PG}/{name}", "SOMEVAHTI_TASKS": REDIS}
    try:
        return burst("PostgreSQL + Redis", env, tmp, args)
    finally:
        RedisHuey(name, url=REDIS).storage.flush_all()
        with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine() -> str:
    info = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal"))
    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    try:
        import psycopg
        import redis

        with psycopg.connect(f"postgresql://{PG}/postgres") as c:
            row = c.execute("SHOW server_version").fetchone()
            versions.append(f"PostgreSQL {row[0] if row else '?'}")
        versions.append(f"Redis {redis.Redis.from_url(REDIS).info()['redis_version']}")
    except Exception as e:  # the SQLite run needs neither
        versions.append(f"PostgreSQL/Redis unavailable: {type(e).__name__}")
    return (
        f"{os.cpu_count()} cores {cpu}, {mem / 2**20:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}; " + ", ".join(versions)
    )


def figures(r: Result) -> str:
    lat = r.lateness or [float("nan")]
    p95 = statistics.quantiles(lat, n=20)[-1] if len(lat) > 1 else lat[0]
    return (
        f"{r.name:<24} {r.posts:>6} {r.workers:>7} {statistics.median(lat):>7.2f} {p95:>7.2f} "
        f"{max(lat):>7.2f} {r.duplicates:>4} {r.lost:>4} {r.unconfirmed:>5} ({r.unconfirmed_sent}) "
        f"{r.failed:>4} {r.wall:>7.1f} {1000 * r.cpu / max(1, r.posts):>7.1f}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--posts", type=int, default=10_000)
    p.add_argument("--channels", type=int, default=500)
    p.add_argument("--seconds", type=float, default=60.0, help="the posts fall due over this")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8, help="threads per worker process")
    p.add_argument("--latency", type=float, default=0.05, help="mean seconds per platform call")
    p.add_argument("--transient", type=float, default=0.02, help="share of calls answered 503")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds after the last due time")
    p.add_argument("--no-restart", action="store_true", help="leave the killed worker dead")
    p.add_argument("--only", choices=("sqlite", "postgres"))
    args = p.parse_args()
    from cryptography.fernet import Fernet

    print(f"machine: {machine()}")
    print(
        f"burst: {args.posts} posts due within {args.seconds:.0f} s across {args.channels} "
        f"channels; {args.workers} workers x {args.threads} threads; double latency "
        f"{args.latency * 1000:.0f} ms mean, {args.transient:.0%} transient; send lease "
        f"{SEND_LEASE} s; worker 1 SIGKILLed at half{'' if args.no_restart else ' and restarted'}"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SOMEVAHTI_", "DJANGO_"))}
    keep.pop("DATABASE_URL", None)
    results = []
    for kind in ("sqlite", "postgres"):
        if args.only not in (None, kind):
            continue
        base = keep | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SOMEVAHTI_TASKS_NAME": f"svburst{uuid.uuid4().hex[:8]}",
            "SOMEVAHTI_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SOMEVAHTI_LOG_LEVEL": "WARNING",
        }
        with tempfile.TemporaryDirectory(prefix="somevahti-burst-") as tmp:
            results.append(configuration(kind, Path(tmp), base, args))
        print(f"  {results[-1].name}: {results[-1].note}", flush=True)
    print(
        f"\n{'configuration':<24} {'posts':>6} {'w x t':>7} {'median':>7} {'p95':>7} {'max':>7} "
        f"{'dup':>4} {'lost':>4} {'unconf (sent)':>13} {'fail':>4} {'wall s':>7} {'cpu ms':>7}"
    )
    for r in results:
        print(figures(r))
    print("targets: 0 duplicates, 0 lost, median lateness < 5 s on PostgreSQL + Redis, 2 workers")
    for r in results:
        median = statistics.median(r.lateness) if r.lateness else float("inf")
        checks = [f"duplicates {_ok(r.duplicates == 0)}", f"lost {_ok(r.lost == 0)}"]
        if r.name.startswith("PostgreSQL") and args.workers == 2:
            checks.append(f"median < 5 s {_ok(median < 5)}")
        print(f"  {r.name}: " + ", ".join(checks))
    print(
        "Lateness in seconds; (sent): unconfirmed although the double has the key; cpu ms: "
        "worker processes' CPU per post (the database server not included)."
    )


def _ok(met: bool) -> str:
    return "met" if met else "NOT MET"


if __name__ == "__main__":
    main()
