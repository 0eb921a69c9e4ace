"""Channel fit: length as each platform counts it, media accessibility, hashtags, links."""

import re
import unicodedata
from collections.abc import Iterator

from somevahti.checks.findings import CheckContext
from somevahti.checks.i18n import _, tr
from somevahti.checks.text import Document, graphemes

Raw = tuple[str, int, int, str, str]

LIMITS = {
    "bluesky": 300, "x": 280, "twitter": 280, "mastodon": 500, "threads": 500,
    "instagram": 2200, "linkedin": 3000, "youtube": 100, "facebook": 63206, "tiktok": 2200,
}  # fmt: skip
HASHTAG_SOFT = {"x": 2, "twitter": 2, "bluesky": 3, "threads": 3, "mastodon": 5, "linkedin": 5,
                "facebook": 3, "youtube": 3, "tiktok": 5, "instagram": 30}  # fmt: skip
SHORTENERS = re.compile(
    r"(?:^|//|\b)(?:bit\.ly|tinyurl\.com|ow\.ly|goo\.gl|is\.gd|buff\.ly|rebrand\.ly|cutt\.ly"
    r"|shorturl\.at|tiny\.cc|lnkd\.in|t\.ly|rb\.gy|s\.id|v\.gd|bl\.ink|short\.io|t\.co)/",
    re.IGNORECASE,
)
BROKEN_SCHEME = re.compile(r"^(?:htp|htps|hhtp|hhtps|http:/[^/]|https:/[^/]|https?;|https?//)",
                           re.IGNORECASE)  # fmt: skip
PLACEHOLDER_RE = re.compile(
    r"\[(?:linkki|link|url|lisää linkki)[^\]]*\]|<(?:linkki|link|url)>|linkki tähän|link here"
    r"|(?<!\w)(?:https?://)?(?:www\.)?example\.(?:com|org|fi)\S*|https?://(?=\s|$)",
    re.IGNORECASE,
)
X_ONE = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _x_weight(cluster: str) -> int:
    if len(cluster) > 1 and any(unicodedata.category(c) == "So" for c in cluster):
        return 2  # emoji sequences count as two
    o = ord(cluster[0])
    return 1 if any(a <= o <= b for a, b in X_ONE) else 2


def counted(doc: Document, platform: str) -> list[tuple[int, int, int]]:
    """(start, end, weight) units as the platform counts them."""
    text = doc.text
    units: list[tuple[int, int, int]] = []
    url_at = {u.start: u for u in doc.urls} if platform in ("x", "twitter", "mastodon") else {}
    # Mastodon counts a remote mention as its user part only (@name, not @name@server).
    mention_at = {m.start: m for m in doc.mentions} if platform == "mastodon" else {}
    pos = 0
    for start, end in graphemes(text):
        if start < pos:
            continue
        url = url_at.get(start)
        if url is not None:
            units.append((url.start, url.end, 23))
            pos = url.end
            continue
        mention = mention_at.get(start)
        if mention is not None and mention.text.count("@") > 1:
            units.append((mention.start, mention.end, mention.text.index("@", 1)))
            pos = mention.end
            continue
        weight = _x_weight(text[start:end]) if platform in ("x", "twitter") else 1
        units.append((start, end, weight))
    return units


SIMPLE_RE = re.compile(r"[^\x00-\u02ff]")


def quick_length(doc: Document, platform: str, limit: int) -> tuple[int, int] | None:
    """(count, start of the first unit past ``limit`` or -1) without walking graphemes, for
    text of simple letters only (most posts): there every character is one unit of weight
    one except CR LF, URLs (X, Mastodon) and remote mentions (Mastodon). None otherwise."""
    text = doc.text
    if SIMPLE_RE.search(text):
        return None
    # Units longer than one character as (start, precedence, end, weight), chosen exactly as
    # counted() chooses them: the last URL of a start, a URL before a mention.
    special: list[tuple[int, int, int, int]] = []
    if platform in ("x", "twitter", "mastodon"):
        special += [(u.start, 0, u.end, 23) for u in {u.start: u for u in doc.urls}.values()]
    if platform == "mastodon":
        mentions = {m.start: m for m in doc.mentions}.values()
        special += [
            (m.start, 1, m.end, m.text.index("@", 1)) for m in mentions if m.text.count("@") > 1
        ]
    if "\r\n" in text:
        special += [(m.start(), 2, m.start() + 2, 1) for m in CRLF_RE.finditer(text)]
    special.sort()
    total = 0
    pos = 0
    over = -1
    for start, _precedence, end, weight in special:
        if start < pos:
            continue
        if over < 0 and total + start - pos > limit:
            over = pos + limit - total
        total += start - pos + weight
        if over < 0 and total > limit:
            over = start
        pos = end
    if over < 0 and total + len(text) - pos > limit:
        over = pos + limit - total
    return total + len(text) - pos, over


CRLF_RE = re.compile(r"\r\n")


def _length(doc: Document, platform: str) -> Iterator[Raw]:
    limit = LIMITS.get(platform)
    if limit is None:
        return
    quick = quick_length(doc, platform, limit)
    if quick is not None:
        count, over = quick
    else:
        units = counted(doc, platform)
        count = sum(w for _s, _e, w in units)
        over = -1
        total = 0
        for start, _end, weight in units:
            total += weight
            if total > limit:
                over = start
                break
    if over < 0:
        return
    yield (
        "channel.length",
        over,
        len(doc.text),
        tr(
            _(
                "The text is {count} characters long as {platform} counts them; the limit "
                "is {limit}. The highlighted part does not fit."
            ),
            count=count,
            platform=platform,
            limit=limit,
        ),
        tr(_("Shorten the text or split it into a thread.")),
    )


def _hashtags(doc: Document, platform: str) -> Iterator[Raw]:
    tags = doc.hashtags
    soft = HASHTAG_SOFT.get(platform, 5)
    if len(tags) > soft:
        first = tags[soft]
        if platform == "instagram":
            message = tr(_("Instagram allows at most 30 hashtags; this text has {n}."), n=len(tags))
        else:
            message = tr(
                _("{n} hashtags make the text hard to read and look like spam."), n=len(tags)
            )
        yield (
            "channel.hashtags",
            first.start,
            tags[-1].end,
            message,
            tr(_("Keep one to three hashtags that people really follow.")),
        )


def _links(doc: Document) -> Iterator[Raw]:
    text = doc.text
    for url in doc.urls:
        if SHORTENERS.search(url.text):
            yield (
                "channel.link_shortener",
                url.start,
                url.end,
                tr(_("Short links hide where they lead, so careful readers do not click them.")),
                tr(_("Use the full address of the page.")),
            )
        host = re.sub(r"^[a-z]+[:;]/*", "", url.text, flags=re.IGNORECASE).split("/")[0]
        if (
            BROKEN_SCHEME.match(url.text)
            or ".." in host
            or "," in host
            or host.endswith((".", "-"))
            or ("." not in host and not host.lower().startswith("localhost"))
            or host.lower().startswith("localhost")
            or url.text.count("(") < url.text.count(")")
        ):
            yield (
                "channel.broken_link",
                url.start,
                url.end,
                tr(_("This link looks broken.")),
                tr(_("Copy the address again from the browser and test it.")),
            )
    for m in PLACEHOLDER_RE.finditer(text):
        yield (
            "channel.broken_link",
            m.start(),
            m.end(),
            tr(_("This looks like a placeholder, not a real link.")),
            tr(_("Add the real address before publishing.")),
        )


def _media(ctx: CheckContext) -> Iterator[Raw]:
    for n, media in enumerate(ctx.media, 1):
        if media.type == "image" and len(media.alt.strip()) < 3:
            yield (
                "channel.alt_text",
                0,
                0,
                tr(_("Image {n} has no alt text, so screen reader users miss it."), n=n),
                tr(_("Describe what the image shows and why it matters, in a sentence or two.")),
            )
        if media.type == "video" and not media.captions:
            yield (
                "channel.captions",
                0,
                0,
                tr(
                    _(
                        "Video {n} has no captions. Public bodies must caption videos, and many "
                        "people watch without sound."
                    ),
                    n=n,
                ),
                tr(_("Add captions before publishing.")),
            )


def run(doc: Document, ctx: CheckContext) -> Iterator[Raw]:
    platform = ctx.channel
    if platform:
        yield from _length(doc, platform)
    yield from _hashtags(doc, platform)
    yield from _links(doc)
    yield from _media(ctx)
