"""Every language version declares its language, pages pass axe, the keyboard works."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = ["tuottaja", "omistaja", "viestinta", "johtaja", "it", "valtuutettu", "admin"]


def test_login_page_is_accessible_in_every_language(page, live_server, accessible):
    for lang in ("fi", "sv", "en"):
        response = page.goto(f"{live_server.url}/{lang}/")
        assert response is not None and response.ok
        # Anonymous visitors land on the login form of the language they asked for.
        assert f"/{lang}/login/" in page.url
        assert page.get_attribute("html", "lang") == lang
        assert page.locator("#id_username").is_visible()
        accessible(page)


def test_tab_from_the_top_reaches_the_visible_skip_link_first(page, live_server):
    page.goto(f"{live_server.url}/fi/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
          const el = document.activeElement;
          const box = el.getBoundingClientRect();
          return {
            cls: el.className, href: el.getAttribute('href'),
            focusVisible: el.matches(':focus-visible'),
            outline: getComputedStyle(el).outlineStyle,
            onScreen: box.right > 0 && box.bottom > 0 && box.width > 0,
          };
        }"""
    )
    assert focused["cls"] == "skip-link"
    assert focused["href"] == "#main"
    assert focused["focusVisible"] and focused["outline"] != "none"
    assert focused["onScreen"], "the focused skip link must be visible on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_front_page_of_each_demo_role_is_accessible(demo, login, accessible):
    for username in ROLES:
        page = login(username, demo)
        assert page.get_attribute("html", "lang") == "fi"
        assert page.locator("h1").count() == 1
        accessible(page)


def test_wrong_password_shows_an_accessible_error(demo, page, live_server, accessible):
    page.goto(f"{live_server.url}/fi/login/")
    page.fill("#id_username", "tuottaja")
    page.fill("#id_password", "väärin")
    page.locator("main form button[type=submit]").click()
    assert "/login/" in page.url
    assert page.locator(".error-summary[role=alert]").is_visible()
    accessible(page)
