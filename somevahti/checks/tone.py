"""Tone rules, worded as advice."""

import re
from collections.abc import Iterator

from somevahti.checks.i18n import _, tr
from somevahti.checks.text import Document

Raw = tuple[str, int, int, str, str]

CAPS_RUN_RE = re.compile(
    r"(?<!\w)[A-ZÅÄÖ]{3,}(?:[\s,]+[A-ZÅÄÖ]{2,})+(?!\w)|(?<!\w)[A-ZÅÄÖ]{7,}(?!\w)"
)
MARKS_RE = re.compile(r"[!?]*!{2,}[!?1]*|[!?]*\?!+[!?]*|\?{3,}")
INSULT_RE = re.compile(
    r"(?<!\w)(?:idioot|tyhm|typer|ääliö|hölmö|urpo|tollo|aivot(?:on|tom)|naurettav|säälittäv"
    r"|surke|paska|vittu|perkele|saatana|helvet|valehtelij|luuseri|pelle|kusipää|mulkku"
    r"|dille|nynny|hullu|sekopää|trolli|kiukuttelij|valittaj|besserwisser|pöljä|tampio"
    r"|uuno|junttii?|moron|stupid|idiot|dumb|loser|pathetic)\w*",
    re.IGNORECASE,
)
NOT_INSULT = frozenset({"pellet", "pelletti", "pellettiä", "hullunkurinen", "surkeasti"})
SARCASM_RE = re.compile(
    r"(?<!\w)(?:/s|joo joo|no jopas|vai niin|kiitos vaan|kiitti vaan|onneksi olkoon vaan"
    r"|ihan kuin|kyllä kyllä|hah(?:ah)+|heh(?:eh)+|ai ku(?:n|in) kivaa?|wau mikä|no niin no"
    r"|varmasti joo|just joo|aivan varmasti|nerokasta|loistavaa\.{2,}|mahtavaa\.{2,})(?!\w)"
    r"|[;:]-?[)P](?!\w)|\.\.\.\s*not\b|(?<!\w)[\"“”][a-zåäö]+[\"“”](?!\w)",
    re.IGNORECASE,
)
ARGUING_RE = re.compile(
    r"(?<!\w)(?:olet(?:te)? väärässä|et(?:te)? (?:nyt )?ymmärrä|et(?:te)? ole lukenut"
    r"|kuten (?:jo )?(?:aiemmin )?(?:sanoimme|totesimme|kerroimme|kirjoitimme|mainittiin)"
    r"|lue(?:kaa)? (?:ohjeet|tiedote|teksti)|ei pidä paikkaansa|olisi(?:tte)? pitänyt"
    r"|(?:oma|omaa) vika\w*|turha valittaa|jos olisit(?:te)? lukenut|emme ole velvollisia"
    r"|se ei ole meidän ongelma|ei kuulu meille|väität(?:te)? väärin|ette selvästikään"
    r"|et selvästikään|tämä on jo selitetty|käsittämätöntä että|valitatte turhaan)\w*",
    re.IGNORECASE,
)


CAPS2_RE = re.compile(r"[A-ZÅÄÖ]{2}")  # every CAPS_RUN_RE match has two capitals in a row


def plain(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The lower-case twin of a case-insensitive pattern, for Document.finditer_ci."""
    return re.compile(pattern.pattern.lower())


INSULT_PLAIN, SARCASM_PLAIN, ARGUING_PLAIN = plain(INSULT_RE), plain(SARCASM_RE), plain(ARGUING_RE)


def run(doc: Document) -> Iterator[Raw]:
    text = doc.text
    for m in CAPS_RUN_RE.finditer(text) if CAPS2_RE.search(text) else ():
        if doc.skipped(m.start()):
            continue
        yield (
            "tone.shouting",
            m.start(),
            m.end(),
            tr(_("Capital letters read as shouting.")),
            tr(_("Use normal letters; bold or a short first sentence works better.")),
        )
    marks = "!!" in text or "?!" in text or "???" in text  # one of these is in every match
    for m in MARKS_RE.finditer(text) if marks else ():
        if doc.skipped(m.start()):
            continue
        yield (
            "tone.shouting",
            m.start(),
            m.end(),
            tr(_("Several exclamation marks can sound agitated or angry.")),
            tr(_("One exclamation mark is enough.")),
        )
    for m in doc.finditer_ci(INSULT_PLAIN, INSULT_RE):
        word = text[m.start() : m.end()]
        if word.lower() in NOT_INSULT or doc.skipped(m.start()):
            continue
        yield (
            "tone.insult",
            m.start(),
            m.end(),
            tr(_('"{word}" may hurt or provoke, and screenshots live forever.'), word=word),
            tr(_("Describe the matter, not the person, in calm words.")),
        )
    for m in doc.finditer_ci(SARCASM_PLAIN, SARCASM_RE):
        if doc.skipped(m.start()):
            continue
        yield (
            "tone.sarcasm",
            m.start(),
            m.end(),
            tr(_("This may read as sarcasm; irony is easily misunderstood in writing.")),
            tr(_("Say it straight and friendly.")),
        )
    for m in doc.finditer_ci(ARGUING_PLAIN, ARGUING_RE):
        yield (
            "tone.arguing",
            m.start(),
            m.end(),
            tr(_("This can sound like arguing with the customer, which tends to escalate.")),
            tr(_('Thank them, give the facts and offer help: "Here is how it works…".')),
        )
