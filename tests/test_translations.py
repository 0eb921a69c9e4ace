"""Finnish and Swedish catalogues must cover every string of the interface."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """Re-extract the strings from the code into a copy of the catalogues."""
    work = tmp_path_factory.mktemp("i18n")
    for name in ("somevahti", "config", "locale"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "somevahti.cli",
            "makemessages",
            "-l",
            "fi",
            "-l",
            "sv",
            "--no-obsolete",
            "--ignore=static",
            "-v",
            "0",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(work),
            "SOMEVAHTI_VAR_DIR": str(work / "var"),
        },
    )
    return work / "locale"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_catalogue_is_complete(fresh_catalogues, lang):
    po = fresh_catalogues / lang / "LC_MESSAGES" / "django.po"
    stats = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
    )
    assert stats.returncode == 0, stats.stderr
    assert not re.search(r"\d+ (untranslated|fuzzy)", stats.stderr), stats.stderr
