"""The try-it page (marks, list, htmx partial) and the checker settings page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from somevahti.audit.models import AuditEvent
from somevahti.checks import Finding
from somevahti.checks.forms import severity_field_name
from somevahti.checks.highlight import highlight
from somevahti.checks.models import CheckSettings
from somevahti.core.roles import Role

TRY = "/fi/checks/"
SETTINGS = "/fi/checks/settings/"
HETU_TEXT = "Asiakkaan henkilötunnus on 131052-308T, soita 040 765 4321."
VOID = {"br", "input", "meta", "link", "img", "hr"}


class Balance(HTMLParser):
    """Checks that tags nest properly and collects the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br" or tag in VOID:
            return
        hidden = ("class", "visually-hidden") in attrs or tag == "sup"
        self.stack.append((tag, hidden or any(h for _t, h in self.stack)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_data(self, data):
        if not any(h for _t, h in self.stack):
            self.visible.append(data)


def visible_text(html: str) -> str:
    parser = Balance()
    parser.feed(html)
    parser.close()
    assert parser.stack == []
    return "".join(parser.visible).replace("\n", "")


def finding(rule: str, start: int, end: int, text: str, severity: str = "warn") -> Finding:
    return Finding(rule, rule.split(".")[0], severity, start, end, text[start:end], "m")


def test_overlapping_findings_nest_correctly_and_keep_the_text():
    text = "Mail <b>ville@example.com.</b> now\nok"
    a, b = text.index("ville"), text.index("example")
    findings = [
        finding("privacy.email", a, text.index(".</b>"), text),
        finding("channel.broken_link", b, text.index("</b>"), text),
        finding("privacy.email", a, text.index(".</b>"), text, "block"),  # same span twice
        finding("tone.shouting", 0, len(text), text),  # covers everything
        finding("channel.alt_text", 0, 0, text),  # no place in the text: list only
    ]
    html = str(highlight(text, findings))
    assert visible_text(html) == text.replace("\n", "")
    assert "<b>" not in html and "&lt;b&gt;" in html
    for n in (1, 2, 3, 4):
        assert html.count(f'id="mark-{n}"') == 1
        assert html.count(f'href="#finding-{n}"') == 1
    assert 'id="mark-5"' not in html
    assert "<br>" in html


def test_try_page_shows_marks_and_the_list_in_finnish(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    page = client.get(TRY)
    assert page.status_code == 200
    assert 'for="id_text"' in page.content.decode()

    response = client.post(TRY, {"text": HETU_TEXT, "lang": "fi", "channel": "facebook"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<mark") >= 2
    assert 'id="finding-1"' in html and 'href="#mark-1"' in html
    assert "131052-308T" in html
    assert "Tämä näyttää henkilötunnukselta" in html  # the engine's message in Finnish
    assert "Julkaisu estettäisiin" in html and "Henkilötunnus" in html
    assert 'role="status"' in html
    assert '<html lang="fi"' in html


def test_try_page_in_english_and_swedish(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    english = client.post("/en/checks/", {"text": HETU_TEXT, "lang": "fi"}).content.decode()
    assert "personal identity code" in english
    swedish = client.post("/sv/checks/", {"text": HETU_TEXT, "lang": "fi"}).content.decode()
    assert '<html lang="sv"' in swedish and "personbeteckning" in swedish
    assert "Prova granskaren" in swedish and "Hindrar publicering" in swedish


def test_htmx_request_gets_only_the_results(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    response = client.post(TRY, {"text": HETU_TEXT, "lang": "fi"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert "<mark" in html and 'id="finding-1"' in html
    assert re.search(r'id="check-summary" hx-swap-oob="innerHTML"', html)
    # An emptied textarea clears the results without an error.
    empty = client.post(TRY, {"text": "", "lang": "fi"}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and "<mark" not in empty.content.decode()


def test_media_rows_are_checked(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    response = client.post(
        TRY,
        {"text": "Tervetuloa!", "lang": "fi", "media_1_type": "video", "media_2_type": "image"},
    )
    html = response.content.decode()
    assert html.count('id="finding-') == 2
    assert "<mark" not in html  # media findings have no place in the text


def test_try_page_query_count(client, town, django_assert_max_num_queries):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    client.get(TRY)
    with django_assert_max_num_queries(10):
        client.post(TRY, {"text": HETU_TEXT, "lang": "fi"})


def test_try_page_needs_login(client, db):
    response = client.get(TRY)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_content_producer_cannot_open_or_save_settings(client, town):
    client.force_login(town.users[Role.CONTENT_PRODUCER])
    assert client.get(SETTINGS).status_code == 403
    assert client.post(SETTINGS, {"phones": "09 310 1234"}).status_code == 403
    assert not CheckSettings.objects.exists()
    assert 'href="/fi/checks/settings/"' not in client.get(TRY).content.decode()


def settings_post(**values: str) -> dict[str, str]:
    from somevahti.checks.engine import RULES

    data = {severity_field_name(rule): default for rule, default in RULES.items()}
    data.update(values)
    return data


def test_admin_saves_settings(client, town):
    client.force_login(town.users[Role.ORG_ADMIN])
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert f'id="id_{severity_field_name("privacy.hetu")}"' in page.content.decode()

    data = settings_post(phones="09 310 1234\n\n+358 40 111 2222", email_domains="testila.fi")
    data[severity_field_name("privacy.phone")] = "off"
    response = client.post(SETTINGS, data)
    assert response.status_code == 302
    saved = CheckSettings.objects.get(organisation=town.org)
    assert saved.phones == ["09 310 1234", "+358 40 111 2222"]
    assert saved.email_domains == ["testila.fi"]
    assert saved.severities == {"privacy.phone": "off"}  # defaults are not stored
    assert AuditEvent.objects.filter(verb="checks.settings_updated").count() == 1
    page = client.get(SETTINGS).content.decode()
    assert "+358 40 111 2222" in page


def test_invalid_settings_are_shown_next_to_the_field(client, town):
    client.force_login(town.users[Role.ORG_ADMIN])
    response = client.post(SETTINGS, settings_post(phones="12345", ibans="FI00 1111"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_phones_error"' in html or "errorlist" in html
    assert "12345" in html
    assert not CheckSettings.objects.exists()
