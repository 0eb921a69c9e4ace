"""LinkedIn's "little" text format for post commentary.

The characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are markup (mentions, hashtags, templates):
unescaped, LinkedIn silently cuts the post at the first one. Links and #hashtags are left as
they are so that they stay live.
"""

from __future__ import annotations

import re
import unicodedata

LITTLE_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
LITTLE_ESCAPED = re.compile(r"\\([\\|{}@\[\]()<>#*_~])")
KEEP_AS_IS = re.compile(r"https?://\S+|(?<![\w#])#\w+")  # links and hashtags stay live


def little_text(text: str) -> str:
    """Escape reserved characters for ``commentary`` but keep links and #hashtags working."""
    out: list[str] = []
    pos = 0
    for m in KEEP_AS_IS.finditer(text):
        kept = m.group()
        while kept.startswith("http") and kept[-1] in ").,;:!?":
            if kept[-1] == ")" and kept.count("(") >= kept.count(")"):
                break  # a balanced ")" is part of the link, e.g. Wikipedia's
            kept = kept[:-1]  # closing punctuation belongs to the sentence
        out.append(LITTLE_RESERVED.sub(r"\\\1", text[pos : m.start()]) + kept)
        pos = m.start() + len(kept)
    out.append(LITTLE_RESERVED.sub(r"\\\1", text[pos:]))
    return "".join(out)


def plain_text(commentary: str) -> str:
    return LITTLE_ESCAPED.sub(r"\1", commentary)


def same_text(commentary: str, text: str) -> bool:
    """Whether LinkedIn's stored commentary is this text, ignoring spacing differences."""

    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).split())

    return norm(plain_text(commentary)) == norm(text)
