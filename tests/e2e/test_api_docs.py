"""The API docs render from local files under the strict CSP."""

from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_swagger_ui_renders_without_csp_violations(demo: str, login: Any, live_server: Any) -> None:
    page = login("viestinta")
    blocked: list[str] = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    external: list[str] = []
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Somevahti API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("#operations-tag-channels")
    assert blocked == []
    assert [u for u in external if not u.startswith(("data:", "blob:"))] == []
