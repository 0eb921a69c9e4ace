"""The engine in the product: the organisation's allowlists and severities, messages in
the user's language."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from django.utils import translation

from somevahti.checks import CheckContext, Finding, check
from somevahti.checks.findings import Media
from somevahti.checks.i18n import set_translator
from somevahti.checks.models import CheckSettings
from somevahti.core.models import Organisation, User

LANGS = ("fi", "sv", "en")
_CACHE_ATTR = "_somevahti_check_context"


def text_language(lang: str | None = None) -> str:
    """The engine language: the given one, else the active interface language."""
    code = (lang or translation.get_language() or "fi")[:2].lower()
    return code if code in LANGS else "fi"


def settings_of(organisation: Organisation) -> CheckSettings:
    """The saved settings, or unsaved defaults when none were saved yet."""
    found = CheckSettings.objects.filter(organisation=organisation).first()
    return found or CheckSettings(organisation=organisation)


def staff_names(organisation: Organisation) -> list[str]:
    """First and last names of the organisation's active users."""
    rows = User.objects.filter(organisation=organisation, is_active=True).values_list(
        "first_name", "last_name"
    )
    return [f"{first} {last}" for first, last in rows if first.strip() and last.strip()]


def _base(organisation: Organisation) -> CheckContext:
    """The organisation's part of the context: two queries, then cached on the instance
    (one request usually holds one organisation object, so the cache lives as long)."""
    cached: CheckContext | None = getattr(organisation, _CACHE_ATTR, None)
    if cached is None:
        s = settings_of(organisation)
        cached = CheckContext.build(
            severities=dict(s.severities or {}),
            allow_phones=list(s.phones),
            allow_domains=list(s.email_domains),
            allow_ibans=list(s.ibans),
            allow_addresses=list(s.addresses),
            staff_names=[*staff_names(organisation), *s.staff_names],
            allow_words=list(s.words),
        )
        setattr(organisation, _CACHE_ATTR, cached)
    return cached


def forget(organisation: Organisation) -> None:
    """Drop the cached context after the settings change."""
    if hasattr(organisation, _CACHE_ATTR):
        delattr(organisation, _CACHE_ATTR)


def context_for(
    organisation: Organisation | None,
    channel: str | None = None,
    media: Sequence[Media | dict[str, Any]] | None = None,
    lang: str | None = None,
) -> CheckContext:
    """A CheckContext with the organisation's allowlists and severities."""
    base = _base(organisation) if organisation is not None else CheckContext()
    items = [m if isinstance(m, Media) else Media.from_dict(m) for m in media or []]
    return replace(base, lang=text_language(lang), channel=(channel or "").lower(), media=items)


# The engine's translator is process-wide; Django's gettext follows each thread's active
# language, so it stays installed while any thread is checking and English returns after.
_lock = threading.Lock()
_active = 0


@contextmanager
def django_messages() -> Iterator[None]:
    global _active
    with _lock:
        _active += 1
        set_translator(translation.gettext)
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                set_translator(None)


@dataclass(frozen=True)
class Result:
    findings: list[Finding]
    blocked: bool

    def as_dict(self) -> dict[str, Any]:
        return {"findings": [f.as_dict() for f in self.findings], "blocked": self.blocked}


def check_for(
    user: User,
    text: str,
    channel: str | None = None,
    media: Sequence[Media | dict[str, Any]] | None = None,
    lang: str | None = None,
) -> Result:
    """Check ``text`` with the user's organisation settings; messages in the active language."""
    organisation = user.organisation if user.is_authenticated else None
    ctx = context_for(organisation, channel, media, lang)
    with django_messages():
        findings = check(text, ctx)
    return Result(findings, any(f.severity == "block" for f in findings))
