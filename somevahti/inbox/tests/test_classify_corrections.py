"""Reasons in the reader's language, corrections by staff, and suggestions from corrections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import trans_real

from conftest import Town
from somevahti.audit.models import AuditEvent
from somevahti.checks import voikko
from somevahti.inbox.classify import (
    Suggestion,
    classify_item,
    correct,
    describe_reason,
    ensure_default_rules,
    suggestions,
)
from somevahti.inbox.models import Correction, InboxItem
from somevahti.inbox.tests.test_classify_helpers import conversation, item, rule

needs_voikko = pytest.mark.skipif(not voikko.available(), reason="Voikko not installed")


def classified(town: Town, text: str, **kw: object) -> InboxItem:
    it = item(town.unit, text, **kw)  # type: ignore[arg-type]
    classify_item(it)
    it.refresh_from_db()
    return it


# --- reasons in words ------------------------------------------------------------------


@needs_voikko
def test_reasons_read_as_sentences_in_english(town: Town) -> None:
    ensure_default_rules(town.org)
    it = classified(town, "Sain toimittajalta kysymyksen. Onko tämä totta?")
    with translation.override("en"):
        sentences = [describe_reason(r) for r in it.class_reasons]
    assert sentences == [
        "The word “toimittaja” (here “toimittajalta”) suggests a media inquiry.",
        "The message has a question mark: this suggests a question.",
    ]


@pytest.fixture
def finnish_catalogue() -> Iterator[None]:
    """Finnish wordings for a few reasons, as the lead's catalogue will have them: shows the
    sentences go through gettext with their placeholders intact."""
    catalogue = trans_real.translation("fi")._catalog._catalogs[0]  # type: ignore[attr-defined]
    added = {
        "The word “%(word)s” (here “%(form)s”) suggests %(klass)s.": (
            "Sana ”%(word)s” (tässä ”%(form)s”) viittaa: %(klass)s."
        ),
        "suggests\x04a media inquiry": "mediakysely",
        (
            "%(count)d message with the word “%(word)s” arrived within %(minutes)d minutes: "
            "this suggests %(klass)s.",
            1,
        ): "%(count)d viestiä sanalla ”%(word)s” %(minutes)d minuutissa: %(klass)s.",
        "suggests\x04a crisis signal": "kriisin merkki",
    }
    saved = {k: catalogue[k] for k in added if k in catalogue}
    catalogue.update(added)
    yield
    for k in added:
        catalogue.pop(k, None)
    catalogue.update(saved)


@needs_voikko
def test_reasons_read_in_finnish_from_the_catalogue(town: Town, finnish_catalogue: None) -> None:
    ensure_default_rules(town.org)
    it = classified(town, "Toimittajalta tuli kysely")
    spike = {
        "kind": "spike",
        "pattern": "häiriö",
        "matched": "häiriö",
        "klass": "crisis",
        "weight": 1,
        "rule": 1,
        "count": 12,
        "minutes": 60,
        "by": "word",
    }
    with translation.override("fi"):
        assert describe_reason(it.class_reasons[0]) == (
            "Sana ”toimittaja” (tässä ”Toimittajalta”) viittaa: mediakysely."
        )
        assert (
            describe_reason(spike) == "12 viestiä sanalla ”häiriö” 60 minuutissa: kriisin merkki."
        )


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_kind_of_reason_has_a_sentence(language: str) -> None:
    base = {"pattern": "yle.fi", "matched": "uutiset.yle.fi", "klass": "media", "weight": 1}
    kinds = [
        {**base, "kind": "keyword", "pattern": "juttu", "matched": "jutussa"},
        {**base, "kind": "keyword", "pattern": "juttu", "matched": "juttu"},
        {**base, "kind": "sentiment", "pattern": "huono", "matched": "huonoa"},
        {**base, "kind": "sender", "pattern": "a@b.fi", "matched": "A@b.fi"},
        {**base, "kind": "domain"},
        {**base, "kind": "spike", "count": 1, "minutes": 5, "by": "word"},
        {**base, "kind": "spike", "pattern": "negative", "count": 11, "minutes": 60, "by": "class"},
        {**base, "kind": "question_mark", "klass": "question"},
        {**base, "kind": "correction", "pattern": "spam", "klass": "feedback"},
        {**base, "kind": "none", "klass": "other"},
    ]
    with translation.override(language):
        sentences = [describe_reason(r) for r in kinds]
    assert all(s and "%(" not in s for s in sentences)
    assert len(set(sentences)) == len(sentences)
    if language == "en":
        assert (
            sentences[4]
            == "The sender's domain uutiset.yle.fi (under yle.fi) suggests a media inquiry."
        )
        assert sentences[5] == (
            "1 message with the word “yle.fi” arrived within 5 minutes: "
            "this suggests a media inquiry."
        )
        assert sentences[8] == "Staff changed the class from “Spam” to “Feedback”."


# --- corrections -----------------------------------------------------------------------


def test_correction_is_recorded_audited_and_changes_both_classes(town: Town) -> None:
    rule(town.org, "crisis", "keyword", "tulipalo", 3)
    conv = conversation(town.unit)
    question = item(town.unit, "Milloin grillikatos on vapaana?", conv=conv)
    classify_item(question)
    fire = item(town.unit, "Tulipalo-harjoitus oli hieno, kiitos!", conv=conv)
    classify_item(fire)
    conv.refresh_from_db()
    assert (fire.klass, conv.klass) == ("crisis", "crisis")
    staff = town.users["communications"]

    c = correct(staff, fire, "feedback", note="Harjoitus, ei oikea palo")

    fire.refresh_from_db()
    conv.refresh_from_db()
    assert (c.from_class, c.to_class, c.by, c.note) == (
        "crisis",
        "feedback",
        staff,
        "Harjoitus, ei oikea palo",
    )
    assert fire.klass == "feedback"
    assert fire.class_reasons[0]["kind"] == "correction"
    assert fire.class_reasons[1]["pattern"] == "tulipalo"  # what the rules thought stays
    assert conv.klass == "question"  # the most urgent class left in the conversation
    event = AuditEvent.objects.get(verb="inbox.class_corrected")
    assert (event.actor, event.organisation, event.reason) == (staff, town.org, c.note)
    assert event.data == {"item": fire.pk, "from": "crisis", "to": "feedback"}


@pytest.mark.parametrize("role", ["communications", "unit_director", "channel_owner"])
def test_people_who_handle_the_unit_may_correct(town: Town, role: str) -> None:
    it = classified(town, "Hei")
    correct(town.users[role], it, "spam")
    assert Correction.objects.filter(item=it, to_class="spam").count() == 1


@pytest.mark.parametrize("role", ["content_producer", "elected_official", "it"])
def test_others_may_not_correct(town: Town, role: str) -> None:
    it = classified(town, "Hei")
    with pytest.raises(PermissionDenied):
        correct(town.users[role], it, "spam")
    assert not Correction.objects.exists()


def test_another_organisations_staff_may_not_correct(town: Town, other_town: Town) -> None:
    it = classified(town, "Hei")
    with pytest.raises(PermissionDenied):
        correct(other_town.users["communications"], it, "spam")


def test_unknown_or_unchanged_class_is_refused(town: Town) -> None:
    it = classified(town, "Hei")
    with pytest.raises(ValueError):
        correct(town.users["communications"], it, "urgent")
    with pytest.raises(ValueError):
        correct(town.users["communications"], it, "other")
    assert not Correction.objects.exists()


# --- suggestions -----------------------------------------------------------------------


@needs_voikko
def test_words_of_corrected_items_become_suggestions(town: Town) -> None:
    ensure_default_rules(town.org)
    staff = town.users["communications"]
    texts = [
        "Milloin kaavoitusta koskeva päätös tehdään",
        "Kaavoituksen päätös kiinnostaa, Pirkko Virtanen",
        "Kaavoitus etenee liian hitaasti, Pirkko Virtanen",
    ]
    for text in texts:
        correct(staff, classified(town, text), "official")
    # A word found as often in items corrected elsewhere is no sign of a class.
    for text in ["Päätös oli hyvä", "Päätös tuli nopeasti"]:
        correct(staff, classified(town, text), "feedback")

    found = suggestions(town.org)

    assert Suggestion("official", "kaavoitus", 3, 0) in found
    official = [s.word for s in found if s.klass == "official"]
    assert "virtanen" not in official and "pirkko" not in official  # names are never suggested
    assert "päätös" not in [s.word for s in found]  # two official, two feedback
    rule(town.org, "official", "keyword", "kaavoitus", 2)
    assert "kaavoitus" not in [s.word for s in suggestions(town.org)]


@needs_voikko
def test_words_a_rule_already_covers_are_not_suggested(town: Town) -> None:
    rule(town.org, "media", "keyword", "tiedote", 1, enabled=False)
    staff = town.users["communications"]
    for _ in range(2):
        correct(staff, classified(town, "lehdistötiedote kirjastosta"), "media")
    assert [s.word for s in suggestions(town.org)] == ["kirjasto"]
