"""SIGKILL a real worker process mid-publish: no post twice, none lost.

Runs against a separate installation (its own database and task queue) because worker
processes cannot see the test transaction: a SQLite file with the embedded queue, or a
fresh PostgreSQL database with the Redis queue when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent / "somevahti"
POSTS = 40


def _run(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOMEVAHTI_", "DJANGO_", "DATABASE_URL", "PYTEST_"))
    }
    name = f"svkill{uuid.uuid4().hex[:8]}"
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SOMEVAHTI_VAR_DIR": str(tmp_path),
        "SOMEVAHTI_TASKS_NAME": name,
        "SOMEVAHTI_CONNECTORS": f"fake:{tmp_path / 'calls.jsonl'}?latency=0.3",
        "SOMEVAHTI_ENCRYPTION_KEYS": os.environ["SOMEVAHTI_ENCRYPTION_KEYS"],
    }
    pg = connection.vendor == "postgresql"
    if pg:
        import psycopg

        base = connection.settings_dict
        admin = f"postgresql://{base['USER']}@{base['HOST']}:{base['PORT']}/{base['NAME']}"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT']}/{name}"
        env["SOMEVAHTI_TASKS"] = "redis://127.0.0.1:6379/0"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        env["SOMEVAHTI_TASKS"] = "embedded"
    _run(env, str(BIN), "migrate", "--noinput", "-v", "0")
    try:
        yield env
    finally:
        if pg:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            from huey import SqliteHuey  # noqa: F401  (the file goes with tmp_path)


def _calls(path: Path) -> list[dict[str, str]]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.services
def test_sigkill_mid_publish_loses_nothing_and_sends_nothing_twice(
    installation: dict[str, str], tmp_path: Path
) -> None:
    env = installation
    _run(
        env,
        sys.executable,
        "-m",
        "somevahti.publishing.tests.killrig",
        "seed",
        str(POSTS),
        "4",
        "0",
    )
    worker = subprocess.Popen(
        [str(BIN), "run_huey", "--workers", "4", "--worker-type", "thread"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    calls = tmp_path / "calls.jsonl"
    try:
        # The minute sweep starts the burst; kill the worker once part of it went out.
        deadline = time.monotonic() + 90
        while len(_calls(calls)) < POSTS // 4:
            assert worker.poll() is None, "the worker stopped by itself"
            assert time.monotonic() < deadline, "the worker published nothing"
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    sent_before = len(_calls(calls))
    assert sent_before < POSTS, "the burst finished before the kill; nothing was tested"
    # Another worker takes over what the dead one left.
    _run(env, str(BIN), "publish", "--recover-now")
    report = json.loads(
        _run(env, sys.executable, "-m", "somevahti.publishing.tests.killrig", "report")
    )
    per_key = collections.Counter(c["key"] for c in _calls(calls))
    assert [k for k, n in per_key.items() if n > 1] == []  # no duplicates
    deliveries = report["deliveries"]
    assert len(deliveries) == POSTS  # every post was opened
    for d in deliveries:
        if d["state"] == "published":
            assert per_key[d["key"]] == 1
        else:  # the only other honest outcome: shown to the owner, never reached the platform
            assert d["state"] == "unconfirmed" and per_key[d["key"]] == 0, d
    assert set(report["posts"].values()) <= {"published", "unconfirmed"}
