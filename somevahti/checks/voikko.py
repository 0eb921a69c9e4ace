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


@lru_cache(maxsize=5_000)
def suggest(word: str) -> tuple[str, ...]:
    v = _voikko()
    if v is None or len(word) > 60:
        return ()
    with _lock:
        return tuple(v.suggest(word)[:3])
