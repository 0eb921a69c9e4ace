"""Swedish and English spelling with Hunspell dictionaries read by spylls (pure Python).

Each dictionary loads once per process on first use (about 2 s). Without spylls or a
dictionary file that language simply gets no spelling findings; the other checks run.
"""

import logging
import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from somevahti.checks.findings import CheckContext
from somevahti.checks.i18n import _, tr
from somevahti.checks.text import Document

# Debian's hunspell-sv and hunspell-en-us; Finland-Swedish first for Finnish municipalities.
DICT_DIRS: tuple[Path, ...] = (Path("/usr/share/hunspell"), Path("/usr/share/myspell/dicts"))
DICT_NAMES: dict[str, tuple[str, ...]] = {
    "sv": ("sv_FI", "sv_SE"),
    "en": ("en_US", "en_GB"),
}
# spylls' full suggest can take seconds a word (its n-gram pass scans the whole
# dictionary), so only its cheap one-edit candidates are tried, within a time box.
SUGGEST_SECONDS = 0.05
SUGGEST_TEXT_SECONDS = 0.15  # for all the misspelt words of one text together
SUGGEST_MAX_LEN = 16
MAX_WORD_LEN = 60

log = logging.getLogger(__name__)
_lock = threading.Lock()
_dicts: dict[str, Any] = {}  # lang → spylls Dictionary, or None when unavailable


def _dictionary(lang: str) -> Any:
    if lang not in _dicts:
        with _lock:
            if lang not in _dicts:
                _dicts[lang] = _load(lang)
    return _dicts[lang]


def _load(lang: str) -> Any:
    try:
        from spylls.hunspell import Dictionary
    except ImportError:
        return None
    for name in DICT_NAMES.get(lang, ()):
        for folder in DICT_DIRS:
            base = folder / name
            if base.with_suffix(".dic").is_file() and base.with_suffix(".aff").is_file():
                try:
                    return Dictionary.from_files(str(base))
                except Exception:  # a broken file must not break the checker
                    log.warning("Cannot read Hunspell dictionary %s", base, exc_info=True)
    return None


def available(lang: str) -> bool:
    return _dictionary(lang) is not None


def reset() -> None:
    """Forget loaded dictionaries and cached answers (tests change DICT_DIRS)."""
    with _lock:
        _dicts.clear()
    spell.cache_clear()
    suggest.cache_clear()


@lru_cache(maxsize=200_000)
def spell(lang: str, word: str) -> bool:
    d = _dictionary(lang)
    if d is None or len(word) > MAX_WORD_LEN:
        return True
    return bool(d.lookup(word.replace("’", "'")))


@lru_cache(maxsize=20_000)
def suggest(lang: str, word: str) -> tuple[str, ...]:
    """Up to three dictionary words one edit away, found within SUGGEST_SECONDS."""
    d = _dictionary(lang)
    if d is None or len(word) > SUGGEST_MAX_LEN:
        return ()
    from spylls.hunspell.algo.suggest import MultiWordSuggestion

    deadline = time.perf_counter() + SUGGEST_SECONDS
    found: list[str] = []
    for edit in d.suggester.edits(word):
        if time.perf_counter() > deadline:
            break
        if isinstance(edit, MultiWordSuggestion):
            continue  # split suggestions need several lookups each: not cheap
        cand = edit.text
        if cand == word or cand in found or " " in cand:
            continue
        forms = d.lookuper.good_forms(
            cand, capitalization=False, allow_nosuggest=False, compound_forms=False
        )
        if any(forms):
            found.append(cand)
            if len(found) == 3:
                break
    return tuple(found)


def run(
    doc: Document, ctx: CheckContext, names: set[int]
) -> Iterator[tuple[str, int, int, str, str]]:
    """``language.spelling`` findings for a Swedish or English text (same shape as Finnish)."""
    lang = ctx.lang
    if lang not in DICT_NAMES or _dictionary(lang) is None:
        return
    text = doc.text
    budget_end = time.perf_counter() + SUGGEST_TEXT_SECONDS
    for w in doc.words:
        word = w.text
        if (
            len(word) < 3
            or w.start in names
            or word[0].isupper()  # names, sentence starts: Hunspell has few proper nouns
            or word.lower() in ctx.allow_words
            or (w.start > 0 and text[w.start - 1] in ":'’@.-_/\\")
            or (w.end < len(text) and text[w.end] in "@_/\\")
        ):
            continue
        if spell(lang, word):
            continue
        if w.end < len(text) and text[w.end] == "." and spell(lang, word + "."):
            continue  # an abbreviation with its dot ("bl.a.", "etc.")
        # A text full of typos gets suggestions for its first ones only.
        options = suggest(lang, word) if time.perf_counter() < budget_end else ()
        yield (
            "language.spelling",
            w.start,
            w.end,
            tr(_('Check the spelling of "{word}": typos make a text look careless.'), word=word),
            ", ".join(options),
        )
