"""Voikko, loaded once per process on first use, with cached answers.

Without libvoikko or its Finnish dictionary the checker still runs: morphology
answers nothing and every word is spelled right.
"""

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_handle: Any = None
_failed = False

# (class, baseform, case) triples of one word form.
Analysis = tuple[tuple[str, str, str], ...]


def _voikko() -> Any:
    global _handle, _failed
    if _handle is None and not _failed:
        with _lock:
            if _handle is None and not _failed:
                try:
                    import libvoikko

                    _handle = libvoikko.Voikko("fi")
                except Exception:  # library or dictionary missing: degrade, never crash
                    _failed = True
    return _handle


def available() -> bool:
    return _voikko() is not None


@lru_cache(maxsize=200_000)
def analyze(word: str) -> Analysis:
    v = _voikko()
    if v is None or len(word) > 60:
        return ()
    with _lock:
        result = v.analyze(word)
    return tuple(
        (a.get("CLASS", ""), a.get("BASEFORM", ""), a.get("SIJAMUOTO", "")) for a in result
    )


@lru_cache(maxsize=200_000)
def spell(word: str) -> bool:
    v = _voikko()
    if v is None or len(word) > 60:
        return True
    with _lock:
        return bool(v.spell(word))


@lru_cache(maxsize=20_000)
def suggest(word: str) -> tuple[str, ...]:
    """Up to three corrections. Voikko's own search takes about 10 ms a word, so the
    commonest typing slips are tried first (about 0.05 ms per candidate)."""
    v = _voikko()
    if v is None or len(word) > 60:
        return ()
    with _lock:
        quick = _one_slip(v, word)
        return quick or tuple(v.suggest(word)[:3])


def _one_slip(v: Any, word: str) -> tuple[str, ...]:
    """Spelled-right words one slip away: swapped neighbours, a missed double letter, an
    extra letter (in that order)."""
    n = len(word)
    candidates = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(n - 1)]
    candidates += [word[: i + 1] + word[i:] for i in range(n) if word[i].isalpha()]
    candidates += [word[:i] + word[i + 1 :] for i in range(n)]
    found: list[str] = []
    for cand in candidates:
        if cand != word and len(cand) > 1 and cand not in found and v.spell(cand):
            found.append(cand)
            if len(found) == 3:
                break
    return tuple(found)
