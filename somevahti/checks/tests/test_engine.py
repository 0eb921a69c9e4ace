"""Language, tone and channel rules; robustness over arbitrary Unicode."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from somevahti.checks import CheckContext, Media, check
from somevahti.checks.channel import counted
from somevahti.checks.i18n import set_translator
from somevahti.checks.text import Document, graphemes


def rules(text: str, **kw: object) -> list[tuple[str, str]]:
    ctx = CheckContext.build(**kw)  # type: ignore[arg-type]
    return [(f.rule, f.text) for f in check(text, ctx)]


def test_spelling_skips_urls_mentions_hashtags_and_names() -> None:
    text = "Tämä on kirjotusvirhe. @kunta #kirjastovinkki https://kunta.fi/sivuu Virtasen luona."
    found = [t for r, t in rules(text, categories={"language"}) if r == "language.spelling"]
    assert found == ["kirjotusvirhe"]


def test_plain_language_rules() -> None:
    text = (
        "Kadun kunnostaminen ja valaistuksen parantaminen suoritetaan kaupungin toimesta. "
        "Asiasta päätettiin, sitä valmisteltiin ja nyt se toteutetaan. "
        "Lisätietoja antaa KVTES-asiantuntija."
    )
    found = {r for r, _t in rules(text, categories={"language"})}
    assert {
        "language.nominal_style",
        "language.bureaucratic",
        "language.passive_chain",
        "language.abbreviation",
    } <= found


def test_explained_abbreviation_is_fine() -> None:
    text = "Terveyden ja hyvinvoinnin laitos (THL) suosittelee. THL kertoo lisää."
    assert not [r for r, _t in rules(text, categories={"language"}) if r == "language.abbreviation"]


def test_tone_is_advice() -> None:
    found = rules("TÄMÄ EI KÄY!!! Olette väärässä, typerä ehdotus. Joo joo.", categories={"tone"})
    kinds = {r for r, _t in found}
    assert {"tone.shouting", "tone.arguing", "tone.insult", "tone.sarcasm"} <= kinds


def test_x_counts_urls_as_23_and_wide_characters_double() -> None:
    url = "https://example.org/" + "a" * 100
    doc = Document("Lue " + url)
    assert sum(w for _s, _e, w in counted(doc, "x")) == 4 + 23
    assert sum(w for _s, _e, w in counted(Document("日本"), "x")) == 4


def test_length_finding_marks_what_does_not_fit() -> None:
    text = "a" * 310
    [finding] = [
        f for f in check(text, CheckContext.build(channel="bluesky")) if f.rule == "channel.length"
    ]
    assert (finding.start, finding.end) == (300, 310)
    assert not [
        f
        for f in check("👍🏽" * 300, CheckContext.build(channel="bluesky"))
        if f.rule == "channel.length"
    ]


def test_graphemes_of_emoji_sequences() -> None:
    assert len(graphemes("👨‍👩‍👧🇫🇮e\u0301")) == 3


def test_media_hashtags_and_links() -> None:
    ctx = CheckContext.build(
        channel="instagram",
        media=[Media("image", alt=""), {"type": "video", "captions": False}],
    )
    text = "Katso https://bit.ly/x ja htps//kunta.fi " + " ".join(f"#t{i}" for i in range(31))
    kinds = {f.rule for f in check(text, ctx)}
    assert {
        "channel.alt_text",
        "channel.captions",
        "channel.link_shortener",
        "channel.broken_link",
        "channel.hashtags",
    } <= kinds


def test_messages_go_through_the_translator() -> None:
    set_translator(lambda s: "FI:" + s)
    try:
        [finding] = check("Soita 040 123 4567", CheckContext.build(categories={"privacy"}))
    finally:
        set_translator(None)
    assert finding.message.startswith("FI:")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_never_crashes_and_offsets_are_valid(text: str) -> None:
    ctx = CheckContext.build(channel="x", media=[{"type": "image", "alt": ""}])
    for f in check(text, ctx):
        assert 0 <= f.start <= f.end <= len(text)
        assert text[f.start : f.end] == f.text


alphabet = st.sampled_from(list("0123456789 -+()@.,:ABCFUYXabcäöÅÄÖ\n!?#/") + ["Virtanen"])


@settings(max_examples=150, deadline=None)
@given(st.lists(alphabet, max_size=80).map("".join))
def test_number_like_noise_keeps_offsets(text: str) -> None:
    for f in check(text, CheckContext()):
        assert text[f.start : f.end] == f.text
