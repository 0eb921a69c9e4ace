"""Translation hook for the engine, which must not import Django.

Messages are written in English and marked with ``_`` (an identity marker, like
gettext_noop) so ``makemessages`` finds them. They are translated when a finding
is built, through ``translate``; the Django adapter and the command install
Django's gettext there, and without Django the English text is used.
"""

from collections.abc import Callable


def _(message: str) -> str:
    """Mark a message for extraction; translation happens in ``tr``."""
    return message


gettext_noop = _

_translate: Callable[[str], str] = _


def set_translator(func: Callable[[str], str] | None) -> None:
    """Install the translation function (``None`` restores English)."""
    global _translate
    _translate = func or _


def tr(message: str, **params: object) -> str:
    """Translate a marked message and fill in its ``{named}`` parameters."""
    text = _translate(message)
    return text.format(**params) if params else text
