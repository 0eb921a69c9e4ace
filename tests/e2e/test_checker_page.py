"""The try-the-checker page: typing shows the findings live, marked and listed, and the
page passes axe before and after the results arrive."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_a_text_with_an_identity_code_lists_the_finding(
    demo, login, live_server, accessible
):
    page = login("tuottaja", demo)
    page.goto(f"{live_server.url}/fi/checks/")
    accessible(page)

    # Typed, not filled: the live update listens to key presses (htmx, debounced).
    page.locator("#id_text").press_sequentially("Asiakkaan henkilötunnus on 131052-308T.", delay=5)
    finding = page.locator("#check-results ol.findings li", has_text="131052-308T")
    finding.wait_for()
    assert page.locator("#check-results mark", has_text="131052-308T").count() == 1
    assert "henkilötunnukselta" in finding.inner_text()
    summary = page.locator("#check-summary[role=status]")
    assert summary.inner_text().strip() != ""
    # The page did not reload: the live update swapped the results in place.
    assert page.url.endswith("/fi/checks/")
    accessible(page)

    # The finding links to its place in the text.
    finding.locator("a[href^='#mark-']").click()
    assert page.url.split("#")[1].startswith("mark-")
