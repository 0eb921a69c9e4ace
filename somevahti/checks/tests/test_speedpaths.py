"""The fast paths give the same answers as the slow, obvious ones."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from somevahti.checks import CheckContext, check, voikko
from somevahti.checks.channel import LIMITS, counted, quick_length
from somevahti.checks.text import HASHTAG_RE, MENTION_RE, URL_RE, Document
from somevahti.checks.tone import ARGUING_RE, INSULT_RE, SARCASM_RE, plain

FRAGMENTS = [
    "Kirjasto on auki. ", "HETI!!! ", "Oletko väärässä? ", "Olette väärässä ", "idiootti ",
    "IDIOOTTI ", "Idiootti ", "no jopas ", "NO JOPAS ", ":P ", ":p ", "kiitos vaan ", "ſ", "ı",
    "İ", "K", "ẞ", "https://kunta.fi/a ", "HTTP://KUNTA.FI ", "www.kunta.fi ", "kunta.fi/x ",
    "htp://rikki ", "@kunta ", "@anna@mastodon.social ", "#kirjasto ", "\r\n", "\n",
    "040 123 4567 ",
    "ko. ", "KO. ", "EU:n ", "KVTES-asia ", "😀", "é", "e\u0301", "!! ", "?! ", "??? ", " ",
]  # fmt: skip
texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=40).map("".join)


def reference_length(doc: Document, platform: str) -> tuple[int, int]:
    units = counted(doc, platform)
    total = 0
    over = -1
    for start, _end, weight in units:
        total += weight
        if total > LIMITS[platform] and over < 0:
            over = start
    return total, over


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from(["x", "mastodon", "bluesky"]), st.integers(0, 60))
def test_quick_length_counts_like_graphemes(text: str, platform: str, limit: int) -> None:
    doc = Document(text)
    quick = quick_length(doc, platform, limit)
    if quick is None:
        assert re.search(r"[^\x00-\u02ff]", text)
        return
    total, over = quick
    expected_total, _ = reference_length(doc, platform)
    assert total == expected_total
    running = 0
    expected_over = -1
    for start, _end, weight in counted(doc, platform):
        running += weight
        if running > limit:
            expected_over = start
            break
    assert over == expected_over


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_case_insensitive_patterns_match_as_before(text: str) -> None:
    doc = Document(text)
    for pattern in (INSULT_RE, SARCASM_RE, ARGUING_RE):
        fast = [m.span() for m in doc.finditer_ci(plain(pattern), pattern)]
        assert fast == [m.span() for m in pattern.finditer(text)]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_prefiltered_tokens_match_plain_scans(text: str) -> None:
    doc = Document(text)
    assert {m.start() for m in URL_RE.finditer(text)} <= {u.start for u in doc.urls}
    assert [m.span() for m in MENTION_RE.finditer(text)] == [(t.start, t.end) for t in doc.mentions]
    tags = [m.span() for m in HASHTAG_RE.finditer(text) if not doc.in_url(m.start())]
    assert tags == [(t.start, t.end) for t in doc.hashtags]


def test_tone_findings_keep_original_spelling() -> None:
    findings = check("Olette VÄÄRÄSSÄ, IDIOOTTI!!", CheckContext.build(categories={"tone"}))
    texts_found = {(f.rule, f.text) for f in findings}
    assert ("tone.insult", "IDIOOTTI") in texts_found
    assert ("tone.arguing", "Olette VÄÄRÄSSÄ") in texts_found
    assert ("tone.shouting", "!!") in texts_found


def test_long_post_overflow_on_x_starts_where_it_stops_fitting() -> None:
    text = "Kirjasto on auki. " * 20 + "https://www.kunta.fi/hyvin/pitka/osoite/joka/jatkuu"
    finding = next(
        f for f in check(text, CheckContext.build(channel="x")) if f.rule == "channel.length"
    )
    assert finding.start == 280 and finding.end == len(text)


needs_voikko = pytest.mark.skipif(not voikko.available(), reason="Voikko not installed")


@needs_voikko
@pytest.mark.parametrize(
    ("typo", "word"),
    [("hvyin", "hyvin"), ("uuitnen", "uutinen"), ("uimahallissaa", "uimahallissa")],
)
def test_common_typing_slips_are_corrected_quickly(typo: str, word: str) -> None:
    assert word in voikko.suggest(typo)


@needs_voikko
def test_suggestions_are_spelled_right() -> None:
    for typo in ("kirjastoon", "kirjstoon", "kirjastoonn", "ktrjastoon"):
        assert all(voikko.spell(s) for s in voikko.suggest(typo) if " " not in s and "-" not in s)
