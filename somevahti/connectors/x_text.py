"""How X counts and shows text: weighted length and the text as written, from the API's form."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# twitter-text v3: these code points weigh 1, all others 2; a link weighs 23 (t.co).
LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def weighted_length(text: str) -> int:
    """X's character count, simplified: links 23, Latin/Cyrillic etc. 1, CJK and emoji 2.

    Emoji sequences joined with ZWJ count every part (X counts one), so long emoji chains
    are refused a little early; bare domains without "www." or a scheme count as text.
    """
    text = unicodedata.normalize("NFC", text)
    rest = URL.sub("", text)
    light = sum(any(lo <= ord(ch) <= hi for lo, hi in LIGHT) for ch in rest)
    return 23 * len(URL.findall(text)) + light + 2 * (len(rest) - light)


def plain_text(tweet: dict[str, Any]) -> str:
    """The text as written: X escapes &<> and swaps links for t.co, adding one per media."""
    text = str(tweet.get("text", ""))
    for url in (tweet.get("entities") or {}).get("urls") or []:
        original = "" if url.get("media_key") else url.get("expanded_url", url.get("url", ""))
        text = text.replace(url.get("url", "\0"), original)
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())
