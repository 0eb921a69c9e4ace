"""Privacy rules: checksums, every usual writing, allowlists and hard negatives."""

import pytest

from somevahti.checks import CheckContext, check
from somevahti.checks.checksums import (
    hetu_check_char,
    hetu_status,
    iban_check_digits,
    iban_ok,
    ytunnus_check_digit,
    ytunnus_ok,
)

PRIVACY = CheckContext.build(categories={"privacy"})


def found(text: str, rule: str, ctx: CheckContext = PRIVACY) -> list[str]:
    return [f.text for f in check(text, ctx) if f.rule == rule]


def make_hetu(ddmmyy: str, sign: str, num: str) -> str:
    return f"{ddmmyy}{sign}{num}{hetu_check_char(ddmmyy + num)}"


@pytest.mark.parametrize("sign", list("+-ABCDEFUVWXY"))
def test_every_century_sign_is_valid_with_its_check_character(sign: str) -> None:
    code = make_hetu("150385", sign, "274")
    assert hetu_status(code) == "valid"
    findings = [f for f in check(f"Tunnus {code} lähetetty.", PRIVACY) if f.rule == "privacy.hetu"]
    assert [(f.text, f.severity) for f in findings] == [(code, "block")]


def test_wrong_check_character_warns_and_impossible_date_is_ignored() -> None:
    code = make_hetu("010203", "A", "456")
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    [finding] = [f for f in check(f"hetu {wrong}", PRIVACY) if f.rule == "privacy.hetu"]
    assert finding.severity == "warn" and finding.text == wrong
    assert found("koodi 320103-456X ja 010103G456X", "privacy.hetu") == []
    assert hetu_status("290201A1234") == "invalid"  # 29 Feb 2001 did not exist


def test_business_id_check_digit() -> None:
    check_digit = ytunnus_check_digit("0201256")
    assert ytunnus_ok(f"0201256-{check_digit}")
    assert found(f"Y-tunnus 0201256-{check_digit}.", "privacy.business_id") == [
        f"0201256-{check_digit}"
    ]
    wrong = (int(check_digit or 0) + 1) % 10
    assert found(f"Y-tunnus 0201256-{wrong}.", "privacy.business_id") == []


def test_iban_compact_grouped_and_allowlisted() -> None:
    bban = "12345600000785"
    iban = "FI" + iban_check_digits("FI", bban) + bban
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert iban_ok(iban)
    assert found(f"Tilille {iban} kiitos", "privacy.iban") == [iban]
    assert found(f"Tilille {grouped} EUR 50", "privacy.iban") == [grouped]
    bad = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert found(f"Tilille {bad}", "privacy.iban") == []
    own = CheckContext.build(categories={"privacy"}, allow_ibans=[grouped])
    assert found(f"Maksa tilille {iban}", "privacy.iban", own) == []


@pytest.mark.parametrize(
    "number",
    [
        "040 123 4567",
        "040-1234567",
        "0401234567",
        "+358 40 1234567",
        "+358401234567",
        "+358 (0)40 123 4567",
        "00358 40 123 4567",
        "09 310 1234",
        "(09) 310 1234",
        "+358 9 310 1234",
        "050 765 43 21",
        "017 123 4567",
        "0800 123 456",
    ],
)
def test_phone_writings(number: str) -> None:
    assert found(f"Soita numeroon {number} arkisin.", "privacy.phone") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Tilaisuus 12.03.2025 klo 09.30–11.00.",
        "Hinta 040 € ja 050 euroa.",
        "Dnro 0401/2024 ja asianumero 040123456.",
        "ISBN 978-951-1-12345-6 ja ISBN 0-306-40615-2.",
        "Kokous 03 04 2025 valtuustosalissa.",
        "Väkiluku 2 041 234.",
        "Tiistaina 040 osallistujaa.",
    ],
)
def test_phone_hard_negatives(text: str) -> None:
    assert found(text, "privacy.phone") == []


def test_phone_allowlist_matches_any_writing() -> None:
    ctx = CheckContext.build(categories={"privacy"}, allow_phones=["09 310 1234"])
    assert found("Neuvonta +358 9 3101234 tai (09) 310 1234.", "privacy.phone", ctx) == []


def test_email_domains_and_fediverse_handles() -> None:
    ctx = CheckContext.build(categories={"privacy"}, allow_domains=["kunta.fi"])
    text = "Kirjoita matti.m@gmail.com tai neuvonta@kunta.fi tai a@osasto.kunta.fi; @kunta@some.fi"
    assert found(text, "privacy.email", ctx) == ["matti.m@gmail.com"]


def test_address_needs_a_house_number() -> None:
    text = "Asun Hämeenkatu 12 B 34, 33100 Tampere. Hämeenkatu on suljettu. Posti 00100 Helsinki."
    assert found(text, "privacy.address") == ["Hämeenkatu 12 B 34, 33100 Tampere"]
    assert found("Urho Kekkosen katu 1 A 2:ssa", "privacy.address") == [
        "Urho Kekkosen katu 1 A 2:ssa"
    ]
    assert found("Valtatie 4 ja kantatie 51 ruuhkautuvat.", "privacy.address") == []


def test_plates_and_acronyms() -> None:
    assert found("Auto ABC-123 oli pysäköity.", "privacy.plate") == ["ABC-123"]
    assert found("COVID-19, EU-27, HUS-1 ja SOTE-2 eivät ole kilpiä.", "privacy.plate") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Soitin eilen Virtaselle asiasta.", "Virtaselle"),
        ("Palautetta tuli Mäkelältä.", "Mäkelältä"),
        ("Kävin Jukka Niemisen kanssa läpi.", "Jukka Niemisen"),
        ("Liisa soitti eilen neuvontaan.", "Liisa"),
        ("Kiitos Annalle avusta!", "Annalle"),
        ("Hei Anna, kiitos viestistä.", "Anna"),
    ],
)
def test_inflected_names(text: str, name: str) -> None:
    assert name in found(text, "privacy.person_name")


@pytest.mark.parametrize(
    "text",
    [
        "Lahdessa sataa ja Salossa paistaa.",
        "Koski kuohuu keväällä.",
        "Anna palautetta verkossa!",
        "Tuuli yltyy illalla myrskyksi.",
        "Tervetuloa Kallioon kirjastoon.",
    ],
)
def test_places_and_common_words_are_not_names(text: str) -> None:
    assert found(text, "privacy.person_name") == []


def test_staff_and_officials_are_not_flagged() -> None:
    ctx = CheckContext.build(categories={"privacy"}, staff_names=["Anna Virtanen"])
    assert found("Terveisin Anna Virtanen ja Virtaselle kiitos.", "privacy.person_name", ctx) == []
    assert found("Kaupunginjohtaja Pekka Salo avasi hallin.", "privacy.person_name") == []


def test_sensitive_data_next_to_a_name_blocks() -> None:
    findings = check("Liisa Korhosen poika on lastensuojelun asiakas.", PRIVACY)
    sensitive = [f for f in findings if f.rule == "privacy.sensitive"]
    assert sensitive and all(f.severity == "block" for f in sensitive)
    assert not [
        f
        for f in check("Lastensuojelu palvelee arkisin.", PRIVACY)
        if f.rule == "privacy.sensitive"
    ]


def test_severity_override_and_off() -> None:
    ctx = CheckContext.build(
        categories={"privacy"}, severities={"privacy.phone": "block", "privacy.email": "off"}
    )
    findings = check("Soita 040 123 4567 tai a@b.fi", ctx)
    assert [(f.rule, f.severity) for f in findings] == [("privacy.phone", "block")]
