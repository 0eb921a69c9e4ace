"""Plain-language and spelling rules for Finnish."""

import re
from collections.abc import Iterator

from somevahti.checks import hunspell, voikko
from somevahti.checks.findings import CheckContext
from somevahti.checks.i18n import _, tr
from somevahti.checks.text import Document, wordset

# (rule, start, end, message, suggestion)
Raw = tuple[str, int, int, str, str]

LONG_SENTENCE_WORDS = 20
LONG_COMPOUND_LETTERS = 20

MINEN_RE = re.compile(
    r"(?<!\w)[a-zåäö]{3,}(?:minen|misen|mista|mistä|miseen|misessa|misessä|misesta|misestä"
    r"|miselle|misella|misellä|misten|misia|misiä|misiin|misin)(?!\w)"
)
PASSIVE_RE = re.compile(
    r"(?<!\w)[a-zåäö]{2,}(?:[td]aan|[td]ään|ttiin|tiin|diin|ttaisiin|ttäisiin|ttava|ttävä"
    r"|ttu|tty|ttuja|ttyjä)(?!\w)"
)
NOT_PASSIVE = wordset(
    "mitään ketään yhtään kenttään ollenkaan lainkaan vaan maan taan tään kuitenkaan "
    "paluu vastaan aikaan poikaan puuttuu tuttu tutu kuulu ainakaan siltään kiltti"
)
ABBR_RE = re.compile(r"(?<![\w#@/.-])[A-ZÅÄÖ]{2,6}(?:-\w+)?(?![\w@/])")
COMMON_ABBR = wordset(
    "EU YK OK TV PDF URL FAQ PS HUOM IT GDPR USA UK WC LED DVD CD SMS MMS PIN QR ID HR IBAN "
    "COVID EM MM SM NHL NBA FIFA ALV"
)
DOTTED_ABBR_RE = re.compile(r"(?<!\w)(?:ko|em|ao|ns|ks|ym|yms|tms|vrt|mm|ts|ym)\.", re.IGNORECASE)
DOTTED_ABBR_PLAIN = re.compile(DOTTED_ABBR_RE.pattern)  # its lower-case twin (finditer_ci)
CAPS2_RE = re.compile(r"[A-ZÅÄÖ]{2}")  # every ABBR_RE match has two capitals in a row

BUREAUCRATIC: list[tuple[str, str]] = [
    (r"toimesta", _('Say who does it: "the city repairs" instead of "repaired by the city".')),
    (r"taholta", _("Name the actor directly or use the -lta ending.")),
    (
        r"suorit(?:taa|tavat|taminen|tamaan|etaan|ettiin|ettu|ti|tivat|etaan)\w*",
        _("Use a plain verb: tehdä, maksaa, käydä."),
    ),
    (r"kysei\w+", _('Use "tämä" or "se".')),
    (r"oma(?:ta|avat|ava|avan)", _('Use "olla jollakin": "hänellä on".')),
    (r"informoi\w*", _('Use "kertoa" or "tiedottaa".')),
    (r"implementoi\w*", _('Use "toteuttaa" or "ottaa käyttöön".')),
    (r"mikäli", _('Use "jos".')),
    (r"(?:tämän |sen )?johdosta", _('Use "siksi" or "vuoksi".')),
    (r"toimenpi\w+", _("Say what is actually done.")),
    (r"vastaanot(?:taa|etaan|ettiin|ettu)\w*", _('Use "saada" or "ottaa vastaan".')),
    (r"ajankohta\w*", _('Use "aika" or "päivä".')),
    (r"(?:asian|kyseisen|tämän) osalta", _('Say it directly without "osalta".')),
    (r"edellytt\w+", _('Use "vaatia" or "tarvita".')),
    (r"tulee (?:olla|toimittaa|täyttää|ilmoittaa)", _('Use "pitää" or "täytyy".')),
    (r"hoitaa asia\w*", _("Say what exactly is done.")),
    (r"lukuun ottamatta", _('Use "paitsi".')),
    (r"täten", _('Leave it out or use "näin".')),
    (r"asianomai\w+|asianosai\w+", _('Name who is meant: "hakija", "sinä".')),
]
BUREAUCRATIC_RES = [
    (re.compile(r"(?<!\w)(?:" + p + r")(?!\w)", re.IGNORECASE), re.sub(r"[^\wäö].*", "", p[:5]), s)
    for p, s in BUREAUCRATIC
]


def _spelling(doc: Document, ctx: CheckContext, names: set[int]) -> Iterator[Raw]:
    text = doc.text
    for w in doc.words:
        word = w.text
        if (
            len(word) < 3
            or w.start in names
            or word[0].isupper()
            or word.lower() in ctx.allow_words
            or (w.start > 0 and text[w.start - 1] in ":'’@.-_/\\")
            or (w.end < len(text) and text[w.end] in "@_/\\")
        ):
            continue
        if voikko.spell(word):
            continue
        if w.end < len(text) and text[w.end] == "." and voikko.spell(word + "."):
            continue
        options = voikko.suggest(word)
        yield (
            "language.spelling",
            w.start,
            w.end,
            tr(_('Check the spelling of "{word}": typos make a text look careless.'), word=word),
            ", ".join(options),
        )


def _sentences(doc: Document) -> Iterator[Raw]:
    for start, end in doc.sentences:
        count = sum(1 for w in doc.words if start <= w.start < end)
        if count > LONG_SENTENCE_WORDS:
            s, e = _trim(doc.text, start, end)
            yield (
                "language.long_sentence",
                s,
                e,
                tr(
                    _(
                        "This sentence has {count} words. Short sentences are easier to read on "
                        "a phone screen."
                    ),
                    count=count,
                ),
                tr(_("Split it into two or three sentences.")),
            )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _compounds(doc: Document) -> Iterator[Raw]:
    for w in doc.words:
        if len(w.text) >= LONG_COMPOUND_LETTERS and "-" not in w.text and not w.text[0].isupper():
            yield (
                "language.long_compound",
                w.start,
                w.end,
                tr(_('"{word}" is a very long word and slow to read.'), word=w.text),
                tr(_("Open it up into several words, or add a hyphen.")),
            )


def _chains(doc: Document, pattern: re.Pattern[str], rule: str, minimum: int) -> Iterator[Raw]:
    text = doc.text
    for start, end in doc.sentences:
        hits = [
            m
            for m in pattern.finditer(text, start, end)
            if m.group().lower() not in NOT_PASSIVE and not doc.skipped(m.start())
        ]
        if len(hits) < minimum:
            continue
        if rule == "language.nominal_style":
            message = tr(
                _(
                    "Several -minen nouns in one sentence make the text heavy. Verbs say who "
                    "does what."
                ),
            )
            suggestion = tr(_('Turn the nouns into verbs: "we renovate", not "renovation".'))
        else:
            message = tr(
                _("Many passive verbs in a row hide who does what. Readers want to know who acts."),
            )
            suggestion = tr(_('Name the actor: "we", "the library", "you".'))
        yield (rule, hits[0].start(), hits[-1].end(), message, suggestion)


def _bureaucratic(doc: Document) -> Iterator[Raw]:
    lower = doc.text.lower()
    for regex, key, advice in BUREAUCRATIC_RES:
        if key and key not in lower:
            continue  # a plain substring test is much cheaper than the regex
        for m in regex.finditer(doc.text):
            if doc.skipped(m.start()):
                continue
            yield (
                "language.bureaucratic",
                m.start(),
                m.end(),
                tr(
                    _('"{phrase}" is official jargon; plain words reach more readers.'),
                    phrase=m.group(),
                ),
                tr(advice),
            )


def _abbreviations(doc: Document) -> Iterator[Raw]:
    text = doc.text
    seen: set[str] = set()
    for m in ABBR_RE.finditer(text) if CAPS2_RE.search(text) else ():
        abbr = m.group().split("-")[0]
        if abbr in seen or abbr in COMMON_ABBR or doc.skipped(m.start()):
            continue
        if len(abbr) >= 4 and voikko.spell(abbr.lower()):
            continue  # an ordinary word in capitals ("HETI") is shouting, not an abbreviation
        seen.add(abbr)
        if _shouting_context(text, m.start(), m.end()):
            continue
        explained = f"({abbr})" in text or re.search(
            re.escape(abbr) + r"\w*\s*(?:\(|eli\s|=|–|-\s)", text
        )
        if explained:
            continue
        yield (
            "language.abbreviation",
            m.start(),
            m.start() + len(abbr),
            tr(_('Not every reader knows what "{abbr}" means.'), abbr=abbr),
            tr(_('Write it out the first time, e.g. "full name (ABC)".')),
        )
    for m in doc.finditer_ci(DOTTED_ABBR_PLAIN, DOTTED_ABBR_RE):
        if doc.skipped(m.start()):
            continue
        yield (
            "language.abbreviation",
            m.start(),
            m.end(),
            tr(_('Abbreviations like "{abbr}" slow reading down.'), abbr=text[m.start() : m.end()]),
            tr(_("Write the words out.")),
        )


def _shouting_context(text: str, start: int, end: int) -> bool:
    """An all-caps word next to other all-caps words is shouting, not an abbreviation."""
    window = text[max(0, start - 15) : end + 15]
    return len(re.findall(r"(?<!\w)[A-ZÅÄÖ]{2,}(?!\w)", window)) >= 3


def run(doc: Document, ctx: CheckContext, name_starts: set[int]) -> Iterator[Raw]:
    if ctx.lang != "fi":
        # Swedish and English get spelling only; the other rules are about Finnish.
        yield from hunspell.run(doc, ctx, name_starts)
        return
    yield from _spelling(doc, ctx, name_starts)
    yield from _sentences(doc)
    yield from _compounds(doc)
    yield from _chains(doc, MINEN_RE, "language.nominal_style", 2)
    yield from _chains(doc, PASSIVE_RE, "language.passive_chain", 3)
    yield from _bureaucratic(doc)
    yield from _abbreviations(doc)
