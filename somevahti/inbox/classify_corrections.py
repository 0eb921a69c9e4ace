"""Corrections by staff and what they teach: an item's class changed by hand is recorded and
audited; ``suggestions`` lists words that keep appearing in corrected items and that no rule
covers yet, for an admin to turn into rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.checks import voikko
from somevahti.checks.text import wordset
from somevahti.core import clock
from somevahti.core.models import Organisation, User
from somevahti.core.permissions import has_perm
from somevahti.core.roles import Perm
from somevahti.inbox import classify_rules as cr
from somevahti.inbox.models import ClassificationRule, Conversation, Correction, InboxItem
from somevahti.inbox.models.items import Klass

IN = InboxItem.Direction.IN


def conversation_class(conversation: Conversation) -> str:
    """The most urgent class among the conversation's incoming items."""
    classes = set(
        InboxItem.objects.filter(conversation=conversation, direction=IN)
        .values_list("klass", flat=True)
        .distinct()
    )
    return min(classes, key=cr.rank) if classes else Klass.OTHER


def correct(actor: User, item: InboxItem, to_class: str, note: str = "") -> Correction:
    """Staff who may handle the conversation change an item's class; recorded and audited.
    Raises PermissionDenied, or ValueError with a message for the user."""
    conv = item.conversation
    if not has_perm(actor, Perm.EDIT_CHANNEL, conv.unit):
        raise PermissionDenied
    if to_class not in Klass.values:
        raise ValueError(_("Choose one of the classes."))
    if item.direction != IN:
        raise ValueError(_("Only received messages have a class."))
    from_class = item.klass
    if to_class == from_class:
        raise ValueError(_("The message already has this class."))
    with transaction.atomic():
        correction = Correction.objects.create(
            item=item, from_class=from_class, to_class=to_class, by=actor, note=note, at=clock.now()
        )
        mark = cr.reason("correction", None, to_class, from_class, "")
        mark.update(weight=0, by=actor.pk)
        kept = [r for r in item.class_reasons if r.get("kind") != "correction"]
        item.klass = to_class
        item.class_reasons = [mark, *kept]
        item.save(update_fields=["klass", "class_reasons"])
        new = conversation_class(conv)
        if new != conv.klass:
            conv.klass = new
            conv.save(update_fields=["klass"])
        # The conversation is the audit target: an item's text may be personal data.
        record(
            actor,
            "inbox.class_corrected",
            conv,
            reason=note,
            data={"item": item.pk, "from": from_class, "to": to_class},
        )
    return correction


@dataclass(frozen=True)
class Suggestion:
    klass: str
    word: str  # a base form, ready to be a keyword rule's pattern
    items: int  # corrected items of this class that contain it
    elsewhere: int  # corrected items of other classes that contain it


CONTENT_CLASSES = frozenset({"nimisana", "laatusana", "nimisana_laatusana", "teonsana", "nimi"})
COMMON_WORDS = wordset(
    "olla voida saada tulla mennä pitää tehdä ei kaupunki kunta asia hyvä päivä "
    "och att det som för med den har inte till the and for that this with have from"
)


def _suggestable(word: str, finnish: bool) -> str | None:
    """A word's base form if it could make a rule: content words only, never names."""
    analyses = voikko.analyze(word) if finnish else ()
    if analyses:
        word_class, base, _case = analyses[0]
        base = base.lower()
        if word_class not in CONTENT_CLASSES or base in COMMON_WORDS or len(base) < 3:
            return None
        return base
    low = word.lower()
    if (
        len(low) < 4
        or low in COMMON_WORDS
        or (finnish and voikko.available() and word[0].isupper())
    ):
        return None  # short words, common words, and unknown capitalised words (names)
    return low


def suggestions(
    organisation: Organisation, *, min_items: int = 2, per_class: int = 10
) -> list[Suggestion]:
    """Words that keep appearing in items staff corrected into a class, more often there
    than in items corrected into other classes, and that no rule covers yet."""
    rows = (
        Correction.objects.filter(item__organisation=organisation, item__direction=IN)
        .order_by("-at", "-id")
        .values_list("item_id", "to_class", "item__text", "item__language")[:1000]
    )
    latest: dict[int, tuple[str, str, str]] = {}
    for item_id, to_class, text, language in rows:
        latest.setdefault(item_id, (to_class, text, language))
    known = {
        p.strip().lower()
        for p in ClassificationRule.objects.filter(
            organisation=organisation, kind__in=cr.WORD_KINDS
        ).values_list("pattern", flat=True)
    }
    per: dict[str, Counter[str]] = {}
    for to_class, text, language in latest.values():
        finnish = (language or "fi")[:2] not in cr.NON_FINNISH
        words = set()
        for w in cr.text_words(text):
            base = _suggestable(w, finnish)
            if base is not None and not (cr.word_forms(w, finnish) & known):
                words.add(base)
        per.setdefault(to_class, Counter()).update(words)
    total: Counter[str] = Counter()
    for counter in per.values():
        total.update(counter)
    out: list[Suggestion] = []
    for klass in sorted(per, key=cr.rank):
        if klass == Klass.OTHER:
            continue
        found = [
            Suggestion(klass, w, n, total[w] - n)
            for w, n in per[klass].items()
            if n >= min_items and n > total[w] - n
        ]
        found.sort(key=lambda s: (-s.items, s.elsewhere, s.word))
        out.extend(found[:per_class])
    return out
