"""Exact fast paths of the privacy scan: each function gives the same answer as the plain
regex or method named in its docstring, without trying every position of the text."""

import re

from somevahti.checks.text import Document

NUMBER_CONTEXT = re.compile(
    r"(?:dnro|diaari\w*|asia(?:numero|nro)|isbn|issn|viite\w*|tilaus\w*|nro|numero|"
    r"tunnus|kohde\w*|pykälä|§|lasku\w*)[\s:.#]*$",
    re.IGNORECASE,
)
# NUMBER_CONTEXT's keywords that end the word, and those that may go on (``\w*``).
NUMBER_WORDS = ("nro", "numero", "isbn", "issn", "tunnus", "pykälä")
NUMBER_STEMS = ("diaari", "viite", "tilaus", "kohde", "lasku")
DIGIT = re.compile(r"\d")


def has_trigger(text: str) -> bool:
    """False when no privacy pattern can match: every one needs a digit, except e-mail,
    which needs "@", "(at)" or "[at]". Substring tests are far cheaper than a regex."""
    if (
        "0" in text or "1" in text or "2" in text or "3" in text or "4" in text
        or "5" in text or "6" in text or "7" in text or "8" in text or "9" in text
        or "@" in text or "(at)" in text or "[at]" in text
    ):  # fmt: skip
        return True
    return not latin1(text) and DIGIT.search(text) is not None  # other scripts' digits


def last_word_starts(text: str, lo: int, hi: int) -> list[int]:
    r"""The last three of ``[m.start() for m in re.finditer(r"(?:^|(?<=\s))\S", text, lo,
    hi)]`` (``^`` is the start of the text only), from one rsplit instead of a regex walk."""
    window = text[lo:hi]
    parts = window.rsplit(None, 3)
    out = []
    pos = len(window)
    for part in reversed(parts[-3:]):
        pos = window.rfind(part, 0, pos)  # a word has no space: the rightmost is this one
        out.append(lo + pos)
    out.reverse()
    if out and out[0] == lo and lo > 0 and not text[lo - 1].isspace():
        out.pop(0)  # the window cut a word: its piece does not start a word
    return out


def latin1(text: str) -> bool:
    """True when ``\\d`` can only mean 0-9 in text (no other script's digits possible)."""
    if text.isascii():
        return True
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def local_part_start(text: str, lo: int, at: int) -> int | None:
    r"""``LOCAL_PART.search(text, lo, at).start()`` without trying every start position:
    the leftmost start of a run of up to 64 ``[\w.+-]`` characters followed by an optional
    space and the end of the window (``$`` also matches before a final newline)."""
    best: int | None = None
    stops = (at, at - 1) if at - 1 >= lo and text[at - 1] == "\n" else (at,)
    for stop in stops:
        end = stop
        if end > lo and text[end - 1].isspace():
            end -= 1  # the optional \s
        i = end
        floor = max(lo, end - 64)
        while i > floor:
            c = text[i - 1]
            if not (c.isalnum() or c in "_.+-"):
                break
            i -= 1
        if i < end and (best is None or i < best):
            best = i
    return best


NON_SPACE = re.compile(r"\S*")


def in_url(doc: Document, pos: int) -> bool:
    """``doc.in_url(pos)`` without finding the document's URLs when it cannot be true. A URL
    has no white space and holds ":", ";", "/" or a "." or "," with more after it, so a
    chunk of non-space characters around ``pos`` without those is not in any URL."""
    text = doc.text
    start = pos
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    found = NON_SPACE.match(text, pos)  # always matches (maybe empty)
    end = found.end() if found else pos
    chunk = text[start:end]
    body = chunk[:-1]
    if ":" in chunk or ";" in chunk or "/" in chunk or "." in body or "," in body:
        return doc.in_url(pos)
    return False


def number_context(text: str, start: int) -> bool:
    r"""``NUMBER_CONTEXT.search`` of the 30 characters before ``start``, without trying every
    position: after the keyword come only ``[\s:.#]`` up to the end, and a keyword is letters
    (with ``\w*`` after some) or "§", so it is the end of the last word once those are cut."""
    window = text[max(0, start - 30) : start]
    if not latin1(window):  # lower() folds Latin-1 exactly as re.IGNORECASE does
        return NUMBER_CONTEXT.search(window) is not None
    end = len(window)
    while end and (window[end - 1].isspace() or window[end - 1] in ":.#"):
        end -= 1
    if end and window[end - 1] == "§":
        return True
    tail = window[:end].lower()
    if tail.endswith(NUMBER_WORDS):
        return True
    for stem in NUMBER_STEMS:  # rare: a stem must sit in the last word
        i = tail.rfind(stem)
        if i >= 0:
            rest = tail[i + len(stem) :]
            if not rest or rest.replace("_", "a").isalnum():
                return True
    return False
