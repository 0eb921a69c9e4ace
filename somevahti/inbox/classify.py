"""Explainable classification of incoming items by the organisation's own rules.

Every class comes with its reasons, stored as data ({"kind", "pattern", "matched", "klass",
"weight", "rule"}) and put into words by ``describe_reason`` in the reader's language. Scores
are the sum of the matching rules' weights per class; ties go to the more urgent class. A spike
(many messages on one topic in a short time) turns the item into a crisis signal. Staff can
correct a class; ``suggestions`` turns repeated corrections into words worth a rule.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from somevahti.core import clock
from somevahti.core.models import Organisation
from somevahti.inbox import classify_rules as cr
from somevahti.inbox.classify_corrections import (
    Suggestion,
    conversation_class,
    correct,
    suggestions,
)
from somevahti.inbox.classify_defaults import DEFAULT_RULES, DEFAULT_SPIKE
from somevahti.inbox.models import ClassificationRule, Conversation, InboxItem
from somevahti.inbox.models.items import Klass

__all__ = [
    "Suggestion",
    "classify_item",
    "conversation_class",
    "correct",
    "describe_reason",
    "ensure_default_rules",
    "forget_rules",
    "suggestions",
]

IN = InboxItem.Direction.IN
# Classes whose words are everyday words, not topics of a possible crisis.
NOT_TOPICS = frozenset({"question", "feedback", "spam"})
SPIKE_SCAN = 500
_rules = cr.RuleCache()
_memo = cr.SpikeMemo()


def _forget_rules(sender: Any, instance: Any, **kwargs: Any) -> None:
    _rules.forget(getattr(instance, "organisation_id", None) or instance.pk)
    _memo.forget()  # new rules, or an organisation id reused by the test database


post_save.connect(
    _forget_rules, sender=ClassificationRule, dispatch_uid="inbox_classify_rule_saved"
)
post_delete.connect(
    _forget_rules, sender=ClassificationRule, dispatch_uid="inbox_classify_rule_del"
)
post_save.connect(_forget_rules, sender=Organisation, dispatch_uid="inbox_classify_org_saved")


def forget_rules(org_id: int | None = None) -> None:
    """Call after changing rules without ``save()`` (``QuerySet.update``, ``bulk_create``):
    those send no signals. Other processes see any change within RULES_TTL seconds."""
    _rules.forget(org_id)
    _memo.forget()


def rules_for(org_id: int) -> cr.RuleSet:
    """The organisation's enabled rules, compiled; cached per process."""
    rs = _rules.get(org_id)
    if rs is None:
        # An organisation starts from the defaults (as routing does); after that its own
        # edits stand, and deleting every rule brings the defaults back.
        if not ClassificationRule.objects.filter(organisation_id=org_id).exists():
            ensure_default_rules(Organisation.objects.get(pk=org_id))
        rows = ClassificationRule.objects.filter(organisation_id=org_id, enabled=True).values_list(
            "id", "kind", "klass", "pattern", "weight", "params"
        )
        rs = cr.build_ruleset(rows)
        _rules.put(org_id, rs)
    return rs


# --- classifying -----------------------------------------------------------------------


def classify_item(item: InboxItem) -> None:
    """Set the item's class and reasons and its conversation's class; saves both."""
    if item.direction != IN:
        return
    rs = rules_for(item.organisation_id)
    language = item.language or item.conversation.language
    reasons = cr.match(rs, item.text, item.author_handle, item.source, language)
    klass = cr.decide(reasons)
    for rule in rs.spikes:
        if klass == rule.klass:
            break
        spike = _spike(item, rule, reasons, klass)
        if spike is not None:
            reasons.append(spike)
            klass = rule.klass  # a spike decides, whatever the scores
            break
    if not reasons:
        reasons = [cr.reason("none", None, "other", "", "")]
        reasons[0]["weight"] = 0
    previous = item.klass
    item.klass = klass
    item.class_reasons = cr.order_reasons(reasons, klass)
    item.save(update_fields=["klass", "class_reasons"])
    _update_conversation(item.conversation, klass, previous)


def _shares_topic(topic: str) -> Q:
    """Items whose stored reasons name ``topic``. PostgreSQL tests jsonb containment; SQLite
    keeps the JSON as text, with non-ASCII letters \\u-escaped the way Django wrote them."""
    if connection.vendor == "postgresql":
        return Q(class_reasons__contains=[{"pattern": topic}])
    return Q(reasons_text__contains='"pattern": ' + json.dumps(topic))


def _spike(
    item: InboxItem, rule: cr.Rule, reasons: list[dict[str, Any]], klass: str
) -> dict[str, Any] | None:
    """A crisis reason when enough recent items of the organisation share one of this item's
    matched words (or its class, for the classes the rule names). Everyday words (questions,
    thanks, spam) are no topic. One aggregate query counts them all; in a burst its counts
    are carried forward for a few seconds (``SpikeMemo``) instead of asked again per item."""
    minutes = int(rule.params.get("minutes", 60))
    need = max(1, int(rule.params.get("items", 10)))
    topics = sorted(
        {
            r["pattern"]
            for r in reasons
            if r["kind"] in cr.WORD_KINDS and r["klass"] not in NOT_TOPICS
        }
    )
    keys = [("word", t) for t in topics]
    if klass in rule.params.get("classes", []):
        keys.append(("class", klass))
    if not keys:
        return None
    memo = [(item.organisation_id, rule.id, minutes, *k) for k in keys]
    carried = [_memo.next_count(m, item.received_at) for m in memo]
    if None in carried:
        counts = _spike_query(item, minutes, keys)
        for m, count in zip(memo, counts, strict=True):
            _memo.store(m, item.received_at, count)
    else:
        counts = [c or 0 for c in carried]
    count, (by, topic) = max(zip(counts, keys, strict=True), key=lambda f: (f[0], f[1][0]))
    if count < need:
        return None
    r = cr.reason("spike", rule, rule.klass, topic, topic)
    r.update(count=count, minutes=minutes, by=by)
    return r


def _spike_query(item: InboxItem, minutes: int, keys: list[tuple[str, str]]) -> list[int]:
    """Items in the window per (by, topic) key, this one included, in one query. Only the
    newest SPIKE_SCAN items of the window are read, so the cost stays bounded when
    thousands arrive within the window."""
    since = item.received_at - dt.timedelta(minutes=minutes)
    newest = (
        InboxItem.objects.filter(
            organisation_id=item.organisation_id,
            direction=IN,
            received_at__gt=since,
            received_at__lte=item.received_at,
        )
        .exclude(pk=item.pk)
        .order_by("-received_at")
        .values("pk")[:SPIKE_SCAN]
    )
    window = InboxItem.objects.filter(pk__in=newest)
    if connection.vendor != "postgresql" and any(by == "word" for by, _t in keys):
        window = window.annotate(reasons_text=Cast("class_reasons", TextField()))
    aggregates = {
        f"k{i}": Count("pk", filter=_shares_topic(t) if by == "word" else Q(klass=t))
        for i, (by, t) in enumerate(keys)
    }
    counts = window.aggregate(**aggregates)
    # This item counts too: it is in the window but its reasons are not saved yet.
    return [int(counts[f"k{i}"]) + 1 for i in range(len(keys))]


def _update_conversation(conv: Conversation, klass: str, previous: str) -> None:
    if cr.rank(klass) < cr.rank(conv.klass):
        new = klass
    elif previous == conv.klass and cr.rank(klass) > cr.rank(previous):
        new = conversation_class(conv)  # this item may have been the one that set it
    else:
        return
    if new != conv.klass:
        conv.klass = new
        conv.save(update_fields=["klass"])


# --- reasons in words ------------------------------------------------------------------


def _suggests(klass: str) -> str:
    """The class as the object of "suggests …" (one grammatical slot for translators)."""
    phrases = {
        # Translators: completes "… suggests %(klass)s"; use the form that fits every reason.
        "question": pgettext("suggests", "a question"),
        "feedback": pgettext("suggests", "feedback"),
        "negative": pgettext("suggests", "negative feedback"),
        "media": pgettext("suggests", "a media inquiry"),
        "crisis": pgettext("suggests", "a crisis signal"),
        "official": pgettext("suggests", "an official matter"),
        "spam": pgettext("suggests", "spam"),
        "other": pgettext("suggests", "something else"),
    }
    return phrases.get(klass, klass)


def _label(klass: str) -> str:
    return str(dict(Klass.choices).get(klass, klass))


def describe_reason(reason: dict[str, Any]) -> str:
    """One reason as a sentence in the active language."""
    kind = reason.get("kind", "")
    klass = str(reason.get("klass", ""))
    pattern = str(reason.get("pattern", ""))
    matched = str(reason.get("matched", ""))
    v: dict[str, Any] = {"word": pattern, "form": matched, "klass": _suggests(klass)}
    same = matched.lower() == pattern.lower()
    if kind == "keyword":
        if same:
            return _("The word “%(word)s” suggests %(klass)s.") % v
        return _("The word “%(word)s” (here “%(form)s”) suggests %(klass)s.") % v
    if kind == "sentiment":
        if same:
            return _("The negative word “%(word)s” suggests %(klass)s.") % v
        return _("The negative word “%(word)s” (here “%(form)s”) suggests %(klass)s.") % v
    if kind == "sender":
        return _("The sender %(form)s is a known sender: this suggests %(klass)s.") % v
    if kind == "domain":
        if same:
            return _("The sender's domain %(word)s suggests %(klass)s.") % v
        return _("The sender's domain %(form)s (under %(word)s) suggests %(klass)s.") % v
    if kind == "spike":
        v.update(count=int(reason.get("count", 0)), minutes=int(reason.get("minutes", 0)))
        if reason.get("by") == "class":
            v["of"] = _label(pattern)
            return (
                ngettext(
                    "%(count)d message of the class “%(of)s” arrived within %(minutes)d minutes: "
                    "this suggests %(klass)s.",
                    "%(count)d messages of the class “%(of)s” arrived within %(minutes)d minutes: "
                    "this suggests %(klass)s.",
                    v["count"],
                )
                % v
            )
        return (
            ngettext(
                "%(count)d message with the word “%(word)s” arrived within %(minutes)d minutes: "
                "this suggests %(klass)s.",
                "%(count)d messages with the word “%(word)s” arrived within %(minutes)d minutes: "
                "this suggests %(klass)s.",
                v["count"],
            )
            % v
        )
    if kind == "question_mark":
        return _("The message has a question mark: this suggests %(klass)s.") % v
    if kind == "correction":
        v.update({"from": _label(pattern), "to": _label(klass)})
        return _("Staff changed the class from “%(from)s” to “%(to)s”.") % v
    if kind == "none":
        return _("No rule matched, so the class is “%(label)s”.") % {"label": _label(klass)}
    return _("Rule %(word)s suggests %(klass)s.") % v


# --- defaults --------------------------------------------------------------------------


def ensure_default_rules(organisation: Organisation) -> None:
    """Add the default rules the organisation does not have yet (edited or disabled rules
    are left as they are)."""
    have = set(
        ClassificationRule.objects.filter(organisation=organisation).values_list(
            "klass", "kind", "pattern"
        )
    )
    now = clock.now()
    wanted: list[tuple[str, str, str, int, dict[str, Any]]] = [
        (k, kind, p, w, {}) for k, kind, p, w in DEFAULT_RULES
    ]
    wanted.append(("crisis", "spike", "", 1, dict(DEFAULT_SPIKE)))
    ClassificationRule.objects.bulk_create(
        [
            ClassificationRule(
                organisation=organisation,
                klass=k,
                kind=kind,
                pattern=p,
                weight=w,
                params=params,
                updated_at=now,
            )
            for k, kind, p, w, params in wanted
            if (k, kind, p) not in have
        ],
        ignore_conflicts=True,
    )
    forget_rules(organisation.pk)  # bulk_create sends no signals
