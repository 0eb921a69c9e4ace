"""Classification by the organisation's rules: inflected Finnish, compounds, senders, domains,
sentiment, ties, spikes, and rules of other organisations or switched off never used."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import Town
from somevahti.checks import voikko
from somevahti.core import clock
from somevahti.inbox.classify import classify_item, ensure_default_rules
from somevahti.inbox.models import ClassificationRule, InboxItem
from somevahti.inbox.tests.test_classify_helpers import conversation, item, reasons_by_kind, rule

needs_voikko = pytest.mark.skipif(not voikko.available(), reason="Voikko not installed")
T0 = dt.datetime(2025, 3, 12, 9, 0, tzinfo=clock.HELSINKI)


def classified(town: Town, text: str, **kw: object) -> InboxItem:
    it = item(town.unit, text, **kw)  # type: ignore[arg-type]
    classify_item(it)
    it.refresh_from_db()
    return it


@pytest.fixture
def defaults(town: Town) -> Town:
    ensure_default_rules(town.org)
    return town


@needs_voikko
@pytest.mark.parametrize(
    ("text", "pattern", "form"),
    [
        ("Sain toimittajalta kysymyksen eilisestä päätöksestä.", "toimittaja", "toimittajalta"),
        ("Toimittajat haluavat tietää lisää uudesta koulusta.", "toimittaja", "Toimittajat"),
        ("Pääsisikö rehtori haastatteluun ensi viikolla?", "haastattelu", "haastatteluun"),
    ],
)
def test_inflected_forms_match_the_base_form(
    defaults: Town, text: str, pattern: str, form: str
) -> None:
    it = classified(defaults, text)
    assert it.klass == "media"
    assert (pattern, form, "media") in reasons_by_kind(it)["keyword"]
    assert it.class_reasons[0]["rule"] == (
        ClassificationRule.objects.get(organisation=defaults.org, pattern=pattern).pk
    )


@needs_voikko
def test_compound_words_match_their_parts(town: Town) -> None:
    rule(town.org, "media", "keyword", "tiedote", 2)
    it = classified(town, "Lähetättekö lehdistötiedotteessa mainitut luvut")
    assert it.klass == "media"
    assert reasons_by_kind(it)["keyword"] == [("tiedote", "lehdistötiedotteessa", "media")]
    # A first part counts too: a request for an interview is a media inquiry.
    ensure_default_rules(town.org)
    it = classified(town, "Haastattelupyyntö kaupunginjohtajalle")
    assert it.klass == "media"
    assert ("haastattelu", "Haastattelupyyntö", "media") in reasons_by_kind(it)["keyword"]


@needs_voikko
def test_a_compound_part_is_looked_up_in_its_base_form(town: Town) -> None:
    # "kaupungin" (genitive) inside "kaupunginvaltuustolle" is the word "kaupunki".
    rule(town.org, "official", "keyword", "kaupunki", 1)
    it = classified(town, "Vetoomus kaupunginvaltuustolle")
    assert reasons_by_kind(it)["keyword"] == [("kaupunki", "kaupunginvaltuustolle", "official")]


def test_a_word_inside_another_word_is_not_a_match(town: Town) -> None:
    rule(town.org, "spam", "keyword", "bitcoin", 2)
    assert classified(town, "bitcoins").klass == "spam"  # an English plural
    assert classified(town, "xbitcoinx vaan").klass == "other"


def test_swedish_and_english_fall_back_to_lower_case_words(defaults: Town) -> None:
    it = classified(defaults, "Hej! Jag är JOURNALISTEN på tidningen.", language="sv")
    assert it.klass == "media"
    assert ("journalist", "JOURNALISTEN", "media") in reasons_by_kind(it)["keyword"]
    it = classified(defaults, "Two complaints about the park.", language="en")
    assert it.klass == "official"
    assert reasons_by_kind(it)["keyword"] == [("complaint", "complaints", "official")]


def test_sender_rule_matches_the_handle_exactly_in_any_case(town: Town) -> None:
    r = rule(town.org, "media", "sender", "@Paikallislehti.Toimitus", 3)
    it = classified(town, "Hei, pari kysymystä", handle="paikallislehti.toimitus")
    assert it.klass == "media"
    assert it.class_reasons[0] == {
        "kind": "sender",
        "pattern": "paikallislehti.toimitus",
        "matched": "paikallislehti.toimitus",
        "klass": "media",
        "weight": 3,
        "rule": r.pk,
    }
    assert classified(town, "Hei", handle="paikallislehti.toimitus2").klass == "other"


@pytest.mark.parametrize(
    ("handle", "source", "media"),
    [
        ("etunimi.sukunimi@yle.fi", "ingest", True),  # e-mail
        ("uutiset.yle.fi", "bluesky", True),  # Bluesky handles are domains
        ("@reportteri@yle.fi", "mastodon", True),  # Mastodon: user@server
        ("toimitus@mtvuutiset.fi", "ingest", True),
        ("matti@notyle.fi", "ingest", False),  # not a subdomain
        ("yle.fi", "instagram", False),  # an Instagram username is no domain
        ("yle.fi.example.com", "bluesky", False),
    ],
)
def test_domain_rules_match_email_and_handle_domains(
    defaults: Town, handle: str, source: str, media: bool
) -> None:
    it = classified(defaults, "Hei", handle=handle, source=source)
    assert (it.klass == "media") is media
    if media:
        assert [r["kind"] for r in it.class_reasons] == ["domain"]


def test_the_most_specific_domain_counts_once(defaults: Town) -> None:
    it = classified(defaults, "Hej", handle="reporter@svenska.yle.fi", source="ingest")
    assert reasons_by_kind(it)["domain"] == [("svenska.yle.fi", "svenska.yle.fi", "media")]
    assert it.class_reasons[0]["weight"] == 3


@needs_voikko
def test_negative_words_add_up_to_negative_feedback(defaults: Town) -> None:
    it = classified(defaults, "Olen todella pettynyt, uimahallin siivous oli surkeaa ja huonoa.")
    assert it.klass == "negative"
    assert sorted(reasons_by_kind(it)["sentiment"]) == [
        ("huono", "huonoa", "negative"),
        ("pettynyt", "pettynyt", "negative"),
        ("surkea", "surkeaa", "negative"),
    ]


def test_question_mark_makes_a_question_but_not_inside_a_link(defaults: Town) -> None:
    it = classified(defaults, "Onko kirjasto auki juhannuksena?")
    assert it.klass == "question"
    assert reasons_by_kind(it)["question_mark"] == [("?", "?", "question")]
    assert classified(defaults, "Tässä linkki https://esimerkki.fi/haku?q=kirjasto").klass == (
        "other"
    )


def test_nothing_matched_is_other_with_a_reason(defaults: Town) -> None:
    it = classified(defaults, "Aurinkoista viikonloppua kaikille")
    assert it.klass == "other"
    assert it.class_reasons == [
        {"kind": "none", "pattern": "", "matched": "", "klass": "other", "weight": 0, "rule": None}
    ]


def test_weights_add_up_and_ties_go_to_the_more_urgent_class(town: Town) -> None:
    rule(town.org, "feedback", "keyword", "ehdotus", 1)
    rule(town.org, "feedback", "keyword", "palaute", 1)
    rule(town.org, "negative", "sentiment", "kurja", 1)
    # Feedback 2 against negative 1: the sum wins.
    it = classified(town, "palaute ja ehdotus: kurja")
    assert it.klass == "feedback"
    assert [r["klass"] for r in it.class_reasons] == ["feedback", "feedback", "negative"]
    # Question 1 against feedback 1: a tie goes to the question.
    assert classified(town, "palaute?").klass == "question"
    rule(town.org, "media", "keyword", "lehti", 2)
    rule(town.org, "negative", "sentiment", "kamala", 2)
    assert classified(town, "lehti kamala").klass == "media"
    rule(town.org, "crisis", "keyword", "tulva", 2)
    assert classified(town, "tulva lehti").klass == "crisis"


def test_disabled_rules_are_ignored(town: Town) -> None:
    r = rule(town.org, "media", "keyword", "toimittaja", 2)
    assert classified(town, "toimittaja").klass == "media"
    r.enabled = False
    r.save()
    it = classified(town, "toimittaja")
    assert it.klass == "other"
    assert [x["kind"] for x in it.class_reasons] == ["none"]


def test_another_organisations_rules_are_never_used(town: Town, other_town: Town) -> None:
    ensure_default_rules(other_town.org)
    rule(other_town.org, "media", "keyword", "kirjasto", 5)
    rule(town.org, "spam", "keyword", "bitcoin")  # its own (only) rule: no defaults seeded
    it = classified(town, "Toimittaja kysyy kirjastosta", handle="x@yle.fi", source="ingest")
    assert it.klass == "other"


def test_ensure_default_rules_is_idempotent_and_keeps_edits(town: Town) -> None:
    ensure_default_rules(town.org)
    count = ClassificationRule.objects.filter(organisation=town.org).count()
    assert count > 50
    ClassificationRule.objects.filter(organisation=town.org, pattern="lehti").update(enabled=False)
    ensure_default_rules(town.org)
    assert ClassificationRule.objects.filter(organisation=town.org).count() == count
    assert not ClassificationRule.objects.get(organisation=town.org, pattern="lehti").enabled
    spike = ClassificationRule.objects.get(organisation=town.org, kind="spike")
    assert (spike.klass, spike.params["minutes"], spike.params["items"]) == ("crisis", 60, 10)


def test_conversation_takes_its_most_urgent_class(town: Town) -> None:
    rule(town.org, "crisis", "keyword", "tulipalo", 3)
    conv = conversation(town.unit)
    first = item(town.unit, "Milloin kirjasto aukeaa?", conv=conv)
    classify_item(first)
    conv.refresh_from_db()
    assert conv.klass == "question"
    classify_item(item(town.unit, "Tulipalo kirjaston takana!", conv=conv))
    conv.refresh_from_db()
    assert conv.klass == "crisis"
    classify_item(item(town.unit, "Kiitos", conv=conv))
    conv.refresh_from_db()
    assert conv.klass == "crisis"


# --- spikes ----------------------------------------------------------------------------


def spike_town(town: Town, **params: object) -> None:
    rule(town.org, "negative", "sentiment", "häiriö", 1)
    rule(town.org, "crisis", "spike", "", 1, params={"minutes": 60, "items": 10, **params})


@needs_voikko
def test_many_messages_on_one_word_within_the_window_make_a_crisis(
    town: Town, other_town: Town
) -> None:
    spike_town(town)
    forms = ["häiriö", "häiriöstä", "häiriöitä", "Häiriö", "häiriön"]
    # Another organisation's messages on the same word never count.
    rule(other_town.org, "negative", "sentiment", "häiriö", 1)
    for n in range(5):
        classify_item(item(other_town.unit, "häiriö", at=T0 + dt.timedelta(minutes=n)))
    results = []
    for n in range(10):
        with clock.frozen(T0 + dt.timedelta(minutes=5 * n)):
            it = classified(town, f"Taas {forms[n % 5]} vesijohdossa")
            results.append(it.klass)
    assert results == ["negative"] * 9 + ["crisis"]
    spike = reasons_by_kind(it)["spike"]
    assert spike == [("häiriö", "häiriö", "crisis")]
    assert it.class_reasons[0]["count"] == 10
    assert it.class_reasons[0]["minutes"] == 60
    # Two hours later the window holds only the new message.
    with clock.frozen(T0 + dt.timedelta(hours=3)):
        assert classified(town, "häiriö taas").klass == "negative"


def test_a_run_of_one_class_makes_a_crisis_when_the_rule_names_it(town: Town) -> None:
    spike_town(town, classes=["negative"], items=3)
    rule(town.org, "negative", "sentiment", "kamala", 1)
    rule(town.org, "negative", "sentiment", "kauhea", 1)
    with clock.frozen(T0):
        assert classified(town, "kamala").klass == "negative"
        assert classified(town, "kauhea").klass == "negative"
        it = classified(town, "häiriö")
    assert it.klass == "crisis"
    spike = [r for r in it.class_reasons if r["kind"] == "spike"][0]
    assert (spike["by"], spike["pattern"], spike["count"]) == ("class", "negative", 3)


def test_spam_words_and_disabled_spike_rules_make_no_crisis(town: Town) -> None:
    rule(town.org, "spam", "keyword", "bitcoin", 2)
    spike = rule(town.org, "crisis", "spike", "", 1, params={"minutes": 60, "items": 2})
    rule(town.org, "negative", "sentiment", "kamala", 1)
    with clock.frozen(T0):
        assert [classified(town, "bitcoin").klass for _ in range(3)] == ["spam"] * 3
        spike.enabled = False
        spike.save()
        assert [classified(town, "kamala").klass for _ in range(3)] == ["negative"] * 3


@needs_voikko
def test_in_a_burst_the_spike_count_is_carried_forward_without_queries(
    town: Town, django_assert_num_queries: Any
) -> None:
    spike_town(town)
    with clock.frozen(T0):
        assert classified(town, "häiriö").klass == "negative"  # counted by a query
        for _ in range(8):
            it = item(town.unit, "häiriöitä taas")
            with django_assert_num_queries(2):  # the item and its conversation, no count
                classify_item(it)
            assert it.klass == "negative"
        assert classified(town, "häiriö").klass == "crisis"


@needs_voikko
def test_items_other_workers_classified_are_counted_at_the_next_query(town: Town) -> None:
    spike_town(town)
    with clock.frozen(T0):
        assert classified(town, "häiriö").klass == "negative"
    # Nine items another worker process classified meanwhile.
    reason = {"kind": "sentiment", "pattern": "häiriö", "matched": "häiriö", "klass": "negative"}
    for _ in range(9):
        other = item(town.unit, "häiriö", at=T0 + dt.timedelta(seconds=1))
        InboxItem.objects.filter(pk=other.pk).update(klass="negative", class_reasons=[reason])
    with clock.frozen(T0 + dt.timedelta(seconds=2)):
        assert classified(town, "häiriö").klass == "negative"  # this worker's count: 2
    with clock.frozen(T0 + dt.timedelta(seconds=15)):
        it = classified(town, "häiriö")
    assert it.klass == "crisis"
    assert it.class_reasons[0]["count"] == 12
