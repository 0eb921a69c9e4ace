"""Tokenise a text once; every rule shares the result."""

import re
import unicodedata
from collections.abc import Iterator
from functools import cached_property
from typing import NamedTuple

URL_RE = re.compile(
    r"(?:(?:https?|ftp|htps?|htp|hhtps?)(?:[:;]/{0,3}|//)|www\d?[.,])[^\s<>\"'”“]+", re.IGNORECASE
)
# Bare domains ("kunta.fi/palvelut") are found from their top-level domain backwards:
# scanning for ".fi" is far cheaper than trying a host pattern at every word.
TLD_RE = re.compile(
    r"\.(?:fi|com|org|net|io|eu|ly|at|gl|gd|in|co|cc|me|social|app)(?![\w-])", re.IGNORECASE
)
HOST_BACK_RE = re.compile(r"(?<![\w@./-])[a-z0-9][a-z0-9.-]*$", re.IGNORECASE)
PATH_RE = re.compile(r"/[^\s<>\"'”“]*")
MENTION_RE = re.compile(r"(?<![\w@])@[\w.-]+(?:@[\w-]+(?:\.[\w-]+)+)?")
HASHTAG_RE = re.compile(r"(?<![\w#&])#\w+")
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
SENTENCE_END_RE = re.compile(r"[.!?…]+[\"”’)]*(?=\s|$)|\n\s*\n|\n(?=\s*[-*•–])")
# Characters that re.IGNORECASE matches to a plain letter although lower() keeps them apart
# (dotless i, long s): with one of these present, case-insensitive patterns run as written.
FOLD_SPECIAL_RE = re.compile("[\u0131\u017f]")
TRAILING_PUNCT = ".,;:!?)]}\"'”’…"


class Token(NamedTuple):
    """A word, URL, mention or hashtag (a tuple: built for every word, so it must be cheap)."""

    start: int
    end: int
    text: str


def url_end(text: str, start: int, end: int) -> int:
    """Drop punctuation that ends a sentence rather than the URL."""
    while end > start and text[end - 1] in TRAILING_PUNCT:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


class Document:
    """A text with its URLs, mentions, hashtags, words and sentences (computed lazily)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def folded(self) -> str | None:
        """The lower-cased text when it keeps every offset and case-folds like re.IGNORECASE
        (nearly always): case-insensitive patterns then run on it as plain, faster ones."""
        low = self.lower
        if len(low) != len(self.text) or FOLD_SPECIAL_RE.search(self.text):
            return None
        return low

    def finditer_ci(
        self, plain: re.Pattern[str], ignorecase: re.Pattern[str]
    ) -> Iterator[re.Match[str]]:
        """Matches of a case-insensitive pattern; ``plain`` is its lower-case twin without
        the flag. Offsets are the same; take matched text from ``self.text``."""
        folded = self.folded
        if folded is None:
            return ignorecase.finditer(self.text)
        return plain.finditer(folded)

    @cached_property
    def urls(self) -> list[Token]:
        found: list[Token] = []
        low = self.lower
        # Every URL_RE alternative contains one of these; a substring test is far cheaper
        # than trying the case-insensitive pattern at every position.
        schemes = "htp" in low or "http" in low or "ftp" in low or "www" in low
        for m in URL_RE.finditer(self.text) if schemes else ():
            end = url_end(self.text, m.start(), m.end())
            found.append(Token(m.start(), end, self.text[m.start() : end]))
        text = self.text
        for m in TLD_RE.finditer(text) if "." in text else ():
            host = HOST_BACK_RE.search(text, max(0, m.start() - 80), m.start())
            if host is None or any(u.start <= m.start() < u.end for u in found):
                continue
            end = m.end()
            path = PATH_RE.match(text, end)
            if path:
                end = path.end()
            end = url_end(text, host.start(), end)
            found.append(Token(host.start(), end, text[host.start() : end]))
        found.sort(key=lambda t: t.start)
        return found

    @cached_property
    def mentions(self) -> list[Token]:
        if "@" not in self.text:
            return []
        return [Token(m.start(), m.end(), m.group()) for m in MENTION_RE.finditer(self.text)]

    @cached_property
    def hashtags(self) -> list[Token]:
        if "#" not in self.text:
            return []
        return [
            Token(m.start(), m.end(), m.group())
            for m in HASHTAG_RE.finditer(self.text)
            if not self.in_url(m.start())
        ]

    @cached_property
    def skip_spans(self) -> list[tuple[int, int]]:
        """URLs, mentions and hashtags: not prose, skipped by language rules."""
        spans = [(t.start, t.end) for t in self.urls + self.mentions + self.hashtags]
        spans.sort()
        return spans

    def in_url(self, pos: int) -> bool:
        return any(u.start <= pos < u.end for u in self.urls)

    def skipped(self, pos: int) -> bool:
        for start, end in self.skip_spans:
            if start > pos:
                return False
            if pos < end:
                return True
        return False

    @cached_property
    def words(self) -> list[Token]:
        """Words of letters (hyphenated compounds kept whole), outside URLs and tags."""
        spans = self.skip_spans
        words = [Token(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(self.text)]
        if spans:
            words = [w for w in words if not self.skipped(w.start)]
        return words

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        bounds: list[tuple[int, int]] = []
        pos = 0
        for m in SENTENCE_END_RE.finditer(self.text):
            if self.in_url(m.start()):
                continue
            bounds.append((pos, m.end()))
            pos = m.end()
        if pos < len(self.text):
            bounds.append((pos, len(self.text)))
        return [(s, e) for s, e in bounds if self.text[s:e].strip()]

    def sentence_of(self, pos: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= pos < end:
                return start, end
        return 0, len(self.text)

    def sentence_initial(self, pos: int) -> bool:
        """True when only punctuation, bullets or quotes stand between pos and a sentence start."""
        i = pos - 1
        while i >= 0 and (self.text[i].isspace() or self.text[i] in "\"'“”‘’«»(-–—*•>:"):
            if self.text[i] == "\n":
                return True
            if self.text[i] == ":" and i < pos - 1:
                return True
            i -= 1
        return i < 0 or self.text[i] in ".!?…"


def is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def graphemes(text: str) -> list[tuple[int, int]]:
    """Extended grapheme clusters (close approximation of UAX #29) as (start, end)."""
    out: list[tuple[int, int]] = []
    n = len(text)
    i = 0
    while i < n:
        start = i
        ch = text[i]
        i += 1
        if ch == "\r" and i < n and text[i] == "\n":
            out.append((start, i + 1))
            i += 1
            continue
        if 0x1F1E6 <= ord(ch) <= 0x1F1FF and i < n and 0x1F1E6 <= ord(text[i]) <= 0x1F1FF:
            i += 1  # a flag is a pair of regional indicators
        while i < n:
            c = text[i]
            o = ord(c)
            if unicodedata.category(c) in ("Mn", "Me", "Mc") or 0xFE00 <= o <= 0xFE0F:
                i += 1
            elif 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F:
                i += 1  # skin tones, tag sequences
            elif o == 0x200D and i + 1 < n:
                i += 2  # zero-width joiner glues the next character
            else:
                break
        out.append((start, i))
    return out


def wordset(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (keeps long lists readable)."""
    return frozenset(words.split())
