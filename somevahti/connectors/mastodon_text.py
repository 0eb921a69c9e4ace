"""Text as Mastodon sees it: the length its validator counts, and plain text from ``content``.

``countable_length`` follows Mastodon's ``StatusLengthValidator`` (app/validators/
status_length_validator.rb): the length is counted in grapheme clusters, every URL that
starts with a scheme counts as ``characters_reserved_per_url`` (23), and a remote mention
``@name@server`` counts as ``@name``. URLs are found as Mastodon's twitter-text extractor
finds them with ``extract_url_without_protocol: false`` (config/initializers/twitter_regex.rb):
a known scheme, a host with a dot, and no sentence punctuation at the end.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from somevahti.checks.text import graphemes

URL_CHARS = 23
URL_RE = re.compile(
    r"(?<![A-Za-z0-9@$#＠＃])(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
    r"[\w-]+(?:\.[\w-]+)+[^\s<>\"]*",
    re.IGNORECASE,
)
# Characters twitter-text does not let a URL end with (valid_url_path_ending_chars).
URL_TAIL = "()?!*\"'「」<>;:=,.$%[]~&|@"
MENTION_RE = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[\w]+(?:[.-]+[\w]+)*", re.IGNORECASE
)


def _url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in URL_TAIL:
            if text[end - 1] == ")" and text.count("(", m.start(), end) >= text.count(
                ")", m.start(), end
            ):
                break  # a balanced parenthesis belongs to the URL (…/Turku_(kaupunki))
            end -= 1
        spans.append((m.start(), end))
    return spans


def countable_text(text: str, url_chars: int = URL_CHARS) -> str:
    """The text with URLs replaced by placeholders and remote mentions cut to ``@name``."""
    out: list[str] = []
    pos = 0
    for start, end in _url_spans(text):
        out.append(MENTION_RE.sub(lambda m: "@" + m.group(1), text[pos:start]))
        out.append("x" * url_chars)
        pos = end
    out.append(MENTION_RE.sub(lambda m: "@" + m.group(1), text[pos:]))
    return "".join(out)


def countable_length(text: str, spoiler_text: str = "", url_chars: int = URL_CHARS) -> int:
    """Length as Mastodon's validator counts it (content warning included)."""
    if not text.strip():
        return len(graphemes(spoiler_text))
    return len(graphemes(spoiler_text + countable_text(text, url_chars)))


class _PlainText(HTMLParser):
    """Mastodon's ``content`` HTML back to text: paragraphs and line breaks become
    newlines, link spans (including the ``invisible`` parts of long URLs) are kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content_html: str) -> str:
    parser = _PlainText()
    parser.feed(content_html)
    parser.close()
    return unescape("".join(parser.parts))


def same_text(a: str, b: str) -> bool:
    """Equal after whitespace is normalised (Mastodon folds blank-line runs into paragraphs)."""
    return " ".join(a.split()) == " ".join(b.split())
