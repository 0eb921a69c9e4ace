import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings
from django.utils.translation import get_language

from somevahti.core import actions, clock
from somevahti.core.roles import Role
from somevahti.core.tasks import retry_notification_emails

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_notification_is_shown_and_mailed_in_the_recipients_language(
    town, django_capture_on_commit_callbacks
):
    it = town.users[Role.IT]
    it.language = "sv"
    it.save()
    with django_capture_on_commit_callbacks(execute=True):
        n = actions.notify(it, get_language, url="/x/")
    n.refresh_from_db()
    assert n.text == "sv"
    assert n.email_state == "sent"
    assert mail.outbox[0].to == [it.email]
    assert "/x/" in mail.outbox[0].body


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT=1)
def test_a_failed_mail_is_recorded_and_retried_later(town, django_capture_on_commit_callbacks):
    it = town.users[Role.IT]
    with django_capture_on_commit_callbacks(execute=True):
        n = actions.notify(it, "Uusi tehtävä")
    n.refresh_from_db()
    assert n.email_state == "failed"
    assert n.email_error
    assert n.email_attempts == 1
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with clock.frozen(clock.now() + dt.timedelta(minutes=11)):
            assert retry_notification_emails.call_local() == 1
    n.refresh_from_db()
    assert n.email_state == "sent"
    assert len(mail.outbox) == 1


WORKER_SCRIPT = """
import django, os, sys
django.setup()
from django.core.management import call_command
from django.db import transaction
from somevahti.core import actions
from somevahti.core.models import User, Notification
call_command("migrate", verbosity=0)
u = User.objects.create_user("vastaanottaja", email="v@example.test", password="x-salasana-1")
with transaction.atomic():
    n = actions.notify(u, "Tarkista pääsy kanavaan")
print(n.pk)
"""


@pytest.mark.services
@pytest.mark.parametrize("engine", ["embedded", "redis://127.0.0.1:6379/14"])
def test_worker_process_delivers_what_the_web_process_enqueued(tmp_path, engine):
    """Two real processes share the queue: the web side enqueues, `run_huey` delivers."""
    if engine.startswith("redis"):
        import redis

        redis.Redis.from_url(engine).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOMEVAHTI_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SOMEVAHTI_VAR_DIR=str(tmp_path),
        SOMEVAHTI_TASKS=engine,
        SOMEVAHTI_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
    )
    enqueue = subprocess.run(
        [sys.executable, "-c", WORKER_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert enqueue.returncode == 0, enqueue.stderr
    assert not (tmp_path / "mail").exists()  # nothing sent before a worker runs
    worker = subprocess.Popen(
        [sys.executable, "-m", "somevahti.cli", "run_huey", "--workers", "1", "--no-periodic"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def delivered() -> str:
        # The file backend creates the file before writing to it: wait for the content.
        return "".join(f.read_text() for f in (tmp_path / "mail").glob("*.log"))

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Tarkista pääsy kanavaan" not in delivered():
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    assert list((tmp_path / "mail").glob("*.log")), "the worker did not deliver the e-mail"
    assert "Tarkista pääsy kanavaan" in delivered()
