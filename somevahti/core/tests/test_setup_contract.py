"""The set-up contract: settings from the environment, a deploy-clean configuration."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _somevahti(args: list[str], env_extra: dict[str, str], tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOMEVAHTI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SOMEVAHTI_VAR_DIR": str(tmp_path)})
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "somevahti.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _somevahti(["check", "--deploy", "--fail-level", "WARNING"], {}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_is_generated_once_into_var_and_kept_private(tmp_path):
    first = _somevahti(["check"], {}, tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    key = key_file.read_text()
    assert len(key) > 50
    assert key_file.stat().st_mode & 0o077 == 0
    _somevahti(["check"], {}, tmp_path)
    assert key_file.read_text() == key


def test_default_database_is_sqlite_under_var(tmp_path):
    result = _somevahti(["migrate", "--noinput", "-v", "0"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "somevahti.sqlite3").stat().st_size > 0


def test_unknown_task_engine_is_refused_with_a_message(tmp_path):
    result = _somevahti(["check"], {"SOMEVAHTI_TASKS": "carrier-pigeon://"}, tmp_path)
    assert result.returncode != 0
    assert "SOMEVAHTI_TASKS" in result.stderr
