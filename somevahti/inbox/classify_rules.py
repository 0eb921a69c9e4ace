"""Matching a message against the organisation's classification rules (no writes here).

Words are compared by base form: Voikko (the checker's handle, loaded once per process) gives
each word's base forms and, for compounds, its parts, so "toimittajalta" matches the rule
"toimittaja" and "lehdistötiedotteessa" matches "tiedote" (and "lehdistö"). Every part of a
compound matches, not only the head: "haastattelupyyntö" is a media inquiry through
"haastattelu". Words Voikko does not know, and Swedish or English messages, are compared in
lower case, with a few common Swedish/English endings taken off ("journalisten" → "journalist").
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from somevahti.checks import voikko
from somevahti.checks.text import TLD_RE, WORD_RE, Document

# The order that breaks ties between equal scores (and picks a conversation's class).
PRIORITY: tuple[str, ...] = (
    "crisis", "official", "media", "negative", "question", "feedback", "spam", "other",
)  # fmt: skip
RANK = {klass: i for i, klass in enumerate(PRIORITY)}
WORD_KINDS = frozenset({"keyword", "sentiment"})
# Endings taken off words Voikko does not know: Swedish definite and plural forms, English plurals.
FOREIGN_ENDINGS = (
    "arnas", "ernas", "ornas", "arna", "erna", "orna", "ens", "ets", "en", "et", "na", "ar",
    "er", "or", "es", "s", "n",
)  # fmt: skip
NON_FINNISH = frozenset({"sv", "en"})
SPIKE_RECHECK = dt.timedelta(seconds=10)
RULES_TTL = 60.0  # seconds: rules edited in another process are seen within this time


def rank(klass: str) -> int:
    return RANK.get(klass, len(PRIORITY))


# --- words -----------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _analyses(word: str) -> tuple[tuple[str, str], ...]:
    """(base form, structure) pairs. Uses the checker's Voikko handle and lock: one handle
    per process. (``checks.voikko.analyze`` drops STRUCTURE, which compounds need.)"""
    handle = voikko._voikko()
    if handle is None or len(word) > 60:
        return ()
    with voikko._lock:
        result = handle.analyze(word)
    return tuple((a.get("BASEFORM", ""), a.get("STRUCTURE", "")) for a in result)


def _segments(word: str, structure: str) -> list[str]:
    """The word cut where Voikko's STRUCTURE marks a compound boundary ("=") or a hyphen."""
    segments: list[str] = []
    current: list[str] = []
    i = 0
    for mark in structure:
        if mark == "=" or i >= len(word):
            if current:
                segments.append("".join(current))
                current = []
            continue
        ch = word[i]
        i += 1
        if mark == "-" or ch in "-'’":
            if current:
                segments.append("".join(current))
                current = []
            continue
        current.append(ch)
    if current:
        segments.append("".join(current))
    return segments


def _compound_parts(word: str, base: str, structure: str) -> set[str]:
    """Base forms of every run of a compound's parts: "asiakirjapyyntöön" gives asia, kirja,
    pyyntö, asiakirja and kirjapyyntö. A run that ends the word takes its base form from the
    whole word's (the inflection is at the end); earlier parts are looked up on their own."""
    segs = _segments(word, structure)
    if len(segs) < 2:
        return set()
    parts: set[str] = set()
    low_base = base.lower()
    for i in range(len(segs)):
        # The run from part i to the end: the base form without the earlier parts.
        rest = low_base
        for seg in segs[:i]:
            rest = rest[len(seg) :].lstrip("-'’") if rest.startswith(seg.lower()) else ""
        if i and rest:
            parts.add(rest)
        for j in range(i + 1, len(segs)):
            run = "".join(segs[i:j])
            parts.add(run.lower())
            parts.update(b.lower() for b, _s in _analyses(run) if b)
    return parts


def _foreign_forms(low: str) -> set[str]:
    forms = {low}
    for ending in FOREIGN_ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 3:
            forms.add(low[: -len(ending)])
    if "-" in low:
        forms.update(p for p in low.split("-") if p)
    return forms


@lru_cache(maxsize=200_000)
def word_forms(word: str, finnish: bool = True) -> frozenset[str]:
    """Everything a rule pattern may equal for this word: itself in lower case, its base
    forms and compound parts (Finnish), or its lower case without common endings."""
    low = word.lower()
    analyses = _analyses(word) if finnish else ()
    if not analyses:
        return frozenset(_foreign_forms(low))
    forms = {low}
    for base, structure in analyses:
        if base:
            forms.add(base.lower())
            forms |= _compound_parts(word, base, structure)
    return frozenset(forms)


def scan(text: str) -> tuple[list[str], bool]:
    """The words outside URLs and mentions (hashtags count: #tulipalo is a topic) and
    whether a question mark stands outside a URL. Plain texts skip the URL search."""
    lower = text.lower()
    if "@" not in text and "/" not in text and "www" not in lower and not TLD_RE.search(text):
        words: list[str] = WORD_RE.findall(text)
        question = "?" in text
        doc = Document(text) if "#" in text else None
    else:
        doc = Document(text)
        words = [t.text for t in doc.words]
        question = False
        pos = text.find("?")
        while pos >= 0 and not question:
            question = not doc.in_url(pos)
            pos = text.find("?", pos + 1)
    if doc is not None and "#" in text:
        words += [t.text[1:] for t in doc.hashtags]
    return words, question


def text_words(text: str) -> list[str]:
    return scan(text)[0]


# --- rules -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    kind: str
    klass: str
    pattern: str  # normalised: lower case; handles without "@"; bare domains
    weight: int
    params: dict[str, Any]


@dataclass
class RuleSet:
    words: dict[str, list[Rule]] = field(default_factory=dict)
    senders: dict[str, list[Rule]] = field(default_factory=dict)
    domains: list[Rule] = field(default_factory=list)  # longest first
    spikes: list[Rule] = field(default_factory=list)
    word_keys: frozenset[str] = frozenset()


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def normalise_domain(domain: str) -> str:
    d = domain.strip().lower()
    for prefix in ("https://", "http://", "@", "www."):
        d = d.removeprefix(prefix)
    return d.split("/", 1)[0].strip(".")


def build_ruleset(rows: Iterable[tuple[int, str, str, str, int, Any]]) -> RuleSet:
    """From (id, kind, klass, pattern, weight, params) rows of enabled rules."""
    rs = RuleSet()
    for rule_id, kind, klass, pattern, weight, params in rows:
        if kind in WORD_KINDS:
            norm = pattern.strip().lower()
        elif kind == "sender":
            norm = normalise_handle(pattern)
        elif kind == "domain":
            norm = normalise_domain(pattern)
        else:
            norm = ""
        rule = Rule(rule_id, kind, klass, norm, weight, dict(params or {}))
        if kind in WORD_KINDS and norm:
            rs.words.setdefault(norm, []).append(rule)
        elif kind == "sender" and norm:
            rs.senders.setdefault(norm, []).append(rule)
        elif kind == "domain" and norm:
            rs.domains.append(rule)
        elif kind == "spike":
            rs.spikes.append(rule)
    rs.domains.sort(key=lambda r: -len(r.pattern))
    rs.word_keys = frozenset(rs.words)
    return rs


class RuleCache:
    """Each organisation's compiled rules, kept for RULES_TTL seconds; saving or deleting a
    rule (or creating an organisation, whose id may be reused in tests) forgets them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[int, tuple[float, RuleSet]] = {}

    def get(self, org_id: int) -> RuleSet | None:
        hit = self._sets.get(org_id)
        if hit is None or time.monotonic() - hit[0] > RULES_TTL:
            return None
        return hit[1]

    def put(self, org_id: int, rs: RuleSet) -> None:
        with self._lock:
            self._sets[org_id] = (time.monotonic(), rs)

    def forget(self, org_id: int | None = None) -> None:
        with self._lock:
            if org_id is None:
                self._sets.clear()
            else:
                self._sets.pop(org_id, None)


class SpikeMemo:
    """Counts from the last spike query per (organisation, rule, topic), carried forward for
    SPIKE_RECHECK of arrival time: in a burst the query runs once per topic every few seconds
    instead of once per item. Items other processes classify in between, and items leaving
    the window, are seen at the next query, so a spike is noticed at most that much late."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[Any, ...], tuple[dt.datetime, int]] = {}

    def next_count(self, key: tuple[Any, ...], at: dt.datetime) -> int | None:
        """The carried count with this item added, or None when a query is due."""
        with self._lock:
            hit = self._counts.get(key)
            if hit is None or not hit[0] <= at <= hit[0] + SPIKE_RECHECK:
                return None
            self._counts[key] = (hit[0], hit[1] + 1)
            return hit[1] + 1

    def store(self, key: tuple[Any, ...], at: dt.datetime, count: int) -> None:
        with self._lock:
            if len(self._counts) > 50_000:
                self._counts.clear()
            self._counts[key] = (at, count)

    def forget(self) -> None:
        with self._lock:
            self._counts.clear()


# --- matching --------------------------------------------------------------------------


def reason(kind: str, rule: Rule | None, klass: str, pattern: str, matched: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "pattern": pattern,
        "matched": matched,
        "klass": klass,
        "weight": rule.weight if rule else 1,
        "rule": rule.id if rule else None,
    }


def sender_domain(handle: str, source: str) -> str:
    """The domain of an e-mail address or a Mastodon handle (user@server), or a Bluesky
    handle itself (Bluesky handles are domains). Other platforms' handles have none."""
    h = normalise_handle(handle)
    if "@" in h:
        domain = h.rsplit("@", 1)[1]
        return domain if "." in domain else ""
    if source == "bluesky" and "." in h and not h.startswith("did:"):
        return h
    return ""


def match(rs: RuleSet, text: str, handle: str, source: str, language: str) -> list[dict[str, Any]]:
    """Reasons from word, sender and domain rules and the question mark (no spikes: those
    need the database). Each rule counts once, at its first matching word."""
    reasons: list[dict[str, Any]] = []
    seen: set[int] = set()
    words, question = scan(text)
    if rs.words:
        keys = rs.word_keys
        finnish = language.lower()[:2] not in NON_FINNISH
        for word in words:
            hits = word_forms(word, finnish) & keys
            for form in sorted(hits):
                for rule in rs.words[form]:
                    if rule.id not in seen:
                        seen.add(rule.id)
                        reasons.append(reason(rule.kind, rule, rule.klass, rule.pattern, word))
    who = normalise_handle(handle)
    for rule in rs.senders.get(who, []) if who else []:
        reasons.append(reason("sender", rule, rule.klass, rule.pattern, handle.strip()))
    domain = sender_domain(handle, source) if rs.domains else ""
    if domain:
        # Only the most specific domain rule counts: yle.fi and svenska.yle.fi are one sender.
        for rule in rs.domains:
            if domain == rule.pattern or domain.endswith("." + rule.pattern):
                reasons.append(reason("domain", rule, rule.klass, rule.pattern, domain))
                break
    if question:
        reasons.append(reason("question_mark", None, "question", "?", "?"))
    return reasons


def decide(reasons: list[dict[str, Any]]) -> str:
    """The class with the highest total weight; ties go to the higher priority."""
    scores: dict[str, int] = {}
    for r in reasons:
        scores[r["klass"]] = scores.get(r["klass"], 0) + int(r["weight"])
    if not scores:
        return "other"
    return min(scores, key=lambda k: (-scores[k], rank(k)))


def order_reasons(reasons: list[dict[str, Any]], klass: str) -> list[dict[str, Any]]:
    """The chosen class's reasons first, then the rest by weight."""
    return sorted(reasons, key=lambda r: (r["klass"] != klass, -int(r["weight"]), rank(r["klass"])))
