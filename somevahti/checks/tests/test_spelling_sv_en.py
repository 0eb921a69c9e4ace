"""Swedish and English spelling through Hunspell dictionaries (spylls)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from somevahti.checks import CheckContext, check, hunspell, voikko

needs_sv = pytest.mark.skipif(not hunspell.available("sv"), reason="hunspell-sv not installed")
needs_en = pytest.mark.skipif(not hunspell.available("en"), reason="hunspell-en-us not installed")


def spelling(text: str, lang: str) -> list[tuple[str, str]]:
    ctx = CheckContext.build(lang=lang, categories={"language"})
    return [(f.text, f.suggestion) for f in check(text, ctx) if f.rule == "language.spelling"]


@needs_sv
def test_misspelt_swedish_word_is_flagged_with_a_suggestion() -> None:
    text = "Biblioteket öppnar klockan nio och skolna stänger tidigt."
    found = spelling(text, "sv")
    assert [w for w, _s in found] == ["skolna"]
    assert "skolan" in found[0][1].split(", ")
    finding = next(f for f in check(text, CheckContext.build(lang="sv")) if f.text == "skolna")
    assert (finding.category, finding.severity) == ("language", "warn")
    assert text[finding.start : finding.end] == "skolna"


@needs_sv
def test_correct_swedish_sentence_is_clean() -> None:
    text = (
        "Kommunen bjuder alla invånare på kaffe i biblioteket på lördag. Välkommen! "
        "Läs mer på https://kunta.fi/evenemang #bibliotek @kommunen 12.5."
    )
    assert spelling(text, "sv") == []


@needs_en
def test_english_misspelling_flagged_and_correct_text_clean() -> None:
    found = spelling("The library will recieve new books tomorrow.", "en")
    assert [w for w, _s in found] == ["recieve"]
    assert "receive" in found[0][1]
    clean = "The library is open on Saturday. Don’t miss the story hour at 10 for children."
    assert spelling(clean, "en") == []


@needs_sv
def test_names_urls_and_allowed_words_are_skipped() -> None:
    text = "Hälsningar från Virtanen, se www.kunta.fi/sidaa och #skolnaa. Vi har kaffebrödd."
    ctx = CheckContext.build(lang="sv", categories={"language"}, allow_words=["kaffebrödd"])
    assert [f.text for f in check(text, ctx) if f.rule == "language.spelling"] == []


def test_finnish_text_still_uses_voikko_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise AssertionError("Hunspell must not run for Finnish")

    monkeypatch.setattr(hunspell, "run", fail)
    found = spelling("Tämä on kirjotusvirhe, mutta kirjasto avataan huomenna.", "fi")
    expected = [("kirjotusvirhe", found[0][1])] if voikko.available() else []
    assert found == expected


@pytest.fixture
def no_dictionaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setattr(hunspell, "DICT_DIRS", (tmp_path,))
    hunspell.reset()
    yield
    monkeypatch.undo()
    hunspell.reset()


@pytest.mark.usefixtures("no_dictionaries")
def test_missing_dictionary_skips_spelling_but_other_checks_run() -> None:
    assert not hunspell.available("sv")
    text = "Ring 040 123 4567 om skolna. HALLÅ!!!"
    found = {f.rule for f in check(text, CheckContext.build(lang="sv"))}
    assert "language.spelling" not in found
    assert "privacy.phone" in found
