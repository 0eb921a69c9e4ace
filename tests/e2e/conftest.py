"""Browser journeys: Playwright driving Debian's chromium, axe-core for WCAG checks.

One browser per test session; each test gets a fresh context (cookies) with
axe-core injected through ``add_init_script``, which survives navigation and
is not blocked by the strict Content-Security-Policy.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; without this every
# live_server test fails at database set-up with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("SOMEVAHTI_CHROMIUM", "/usr/bin/chromium"))
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
DEMO_PASSWORD = "vahtila-demo-salasana"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (make setup does it)")
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: run npm ci (make setup does it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fi-FI", timezone_id="Europe/Helsinki")
    context.add_init_script(path=str(AXE_JS))
    # Generous: the first request of a live server imports every app (Voikko, the SDKs).
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    context.close()


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(n["target"]) for n in v["nodes"][:5]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} → {targets}")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """WCAG 2.0/2.1 A and AA violations on the current page."""
    # A click that navigates may still be loading the next document: wait for it first.
    page.wait_for_load_state("load")
    return page.evaluate("o => axe.run(document, o).then(r => r.violations)", WCAG)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{format_violations(violations)}"


@pytest.fixture
def accessible() -> Callable[[Page], None]:
    """``accessible(page)`` fails the test with a readable list of axe violations."""
    return assert_accessible


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch, transactional_db: None) -> str:
    """The demo town, loaded through the command; returns the demo password."""
    from django.core.management import call_command

    monkeypatch.setenv("SOMEVAHTI_DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("loaddemo", "--quiet")
    return DEMO_PASSWORD


@pytest.fixture
def login(page: Page, live_server: Any) -> Callable[[str, str], Page]:
    """Log in through the login form; returns the page, now on the front page."""

    def do(username: str, password: str = DEMO_PASSWORD) -> Page:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/fi/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"login as {username} failed"
        return page

    return do
