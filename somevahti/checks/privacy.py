"""Pattern-based privacy rules: one combined scan, checksums and context as filters."""

import re
from collections.abc import Callable, Iterable, Iterator

from somevahti.checks.checksums import IBAN_LENGTHS, hetu_status, iban_ok, ytunnus_ok
from somevahti.checks.findings import CheckContext
from somevahti.checks.scan import (
    has_trigger,
    in_url,
    last_word_starts,
    local_part_start,
    number_context,
)
from somevahti.checks.text import Document, wordset

# (rule, span start, span end, kind) — kind refines the message (e.g. hetu "bad_check").
Hit = tuple[str, int, int, str]

SEP = r"[ \u00a0-]"
PATTERNS: dict[str, str] = {
    "email": r"(?<![\w.@+-])[\w+-]+(?:\.[\w+-]+)*\s?(?:@|\(at\)|\[at\])\s?"
    r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w@-])",
    "iban": r"(?<![\w-])[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]){11,30}(?![\w-])",
    "hetu": r"(?<![\w+-])\d{6}[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y](?![\w-])",
    "business_id": r"(?<![\w-])(?:\d{7}-\d|FI\s?\d{8})(?![\w-]|[.,]\d)",
    "phone": r"(?<![\w+/.,=%-])(?:(?:\+|00)358" + SEP + r"?(?:\(0\)" + SEP + r"?)?\(?0?"
    r"|\(?0)[1-9](?:\)?" + SEP + r"?\d|\d){4,10}(?![\w/%]|[.,:]\d|-\d)",
    "plate": r"(?<![\w-])[A-ZÅÄÖ]{2,3}-[1-9]\d{0,2}(?![\w-]|[.,:]\d)",
    "address": r"(?<![\w-])(?:(?:[A-ZÅÄÖ][a-zåäöéü]+\s){1,2}[a-zåäö]*?|[A-ZÅÄÖ][a-zåäöéü-]*?)"
    r"(?:katu|kadu|tie|kuja|polku|polu|väylä|raitti|raiti|kaari|kaare|rinne|rintee|piha|"
    r"puistikko|bulevardi|esplanadi|ranta|rann|aukio|kaarre|kaartee|penger|pengere|tori|"
    r"mäki|mäe|kallio|kumpu|kummu|ahde|ahtee|portti|porti|vainio|niitty|niity|reitti|reiti|"
    r"kaarto|kaarro|gatan|gata|vägen|väg|gränd|gränden|stigen|backen|torget|allé)"
    r"(?:n|lla|llä|lle|lta|ltä)?\s\d{1,3}(?:[a-z](?!\w))?(?:\s?[-–]\s?\d{1,3})?"
    r"(?:\s(?:[A-ZÅÄÖa-z](?:\s?\d{1,3})?|(?:as\.?|asunto|rappu|porras)\s?\d{1,3})(?![\w-]))?"
    r"(?::\s?[a-zåäö]{1,4})?(?:,?\s\d{5}(?:\s[A-ZÅÄÖ][a-zåäö]+)?)?(?![\w-]|[.,]\d)",
}
ORDER = ("email", "iban", "hetu", "business_id", "phone", "plate", "address")
COMPILED = {name: re.compile(PATTERNS[name]) for name in ORDER}

PLATE_ACRONYMS = wordset(
    """EU YK UN HUS HSL KKV THL STM OKM TEM YLE STT EKP ISO MTV SDP KOK KES PS VAS RKP KD
    ALV LVI VPK ICT API USB CPU GDP WHO NHL NBA EKG KPL EUR USD SEK NRO PVM KLO TAI JA
    OK TV PC IT HR TE VR MP KELA LOL ECTS EHS AMK YO KKK SOTE LTO CD DVD BT NATO HPV
    RSV KHO HAO EIT EY WWF IPCC FIS FIFA UEFA SM MM EM GT RS ST PK NY UK US USA BMI LED
    PDF ID MRI CT PET DNA RNA HIV COP"""
)
PLATE_CONTEXT = re.compile(
    r"auto|rekister|rekkari|kilpi|kilve|ajoneuvo|pysäk|pysäköi|parkk|mopo|moottoripyör"
    r"|kuorma|pakettiau|ajokki|peräkär|traktori|kulkuneuvo|hinat|kolari",
    re.IGNORECASE,
)
ROADS = wordset(
    "valtatie kantatie seututie maantie moottoritie yhdystie ohikulkutie tie katu "
    "väylä kehä kehätie tori kuja polku rinne ranta mäki aukio kallio piha"
)
UNIT_AFTER = re.compile(
    r"\s?(?:km|m|min|h|kpl|%|€|e\b|euroa|metri|kilometri|minuutt|tunti)", re.IGNORECASE
)
MONEY_AFTER = re.compile(r"\s?(?:€|e\b|eur|euro|%|kpl|m2|m²|km|kg|hlö|henk)", re.IGNORECASE)


NON_DIGITS = re.compile(r"\D")


def normalise_phone(raw: str) -> str:
    """Digits of a Finnish number in national form (0401234567), or '' if it is not one."""
    digits = raw.replace("(0)", "").replace(" ", "").replace("-", "")
    if not digits.isdecimal():  # str.replace is cheaper than re.sub for the usual spaces
        digits = NON_DIGITS.sub("", digits)
    if raw.lstrip().startswith("+358"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("00358"):
        digits = "0" + digits[5:].lstrip("0")
    return digits if phone_digits_ok(digits) else ""


def phone_digits_ok(d: str) -> bool:
    n = len(d)
    if not d.startswith("0") or n < 8:
        return False
    if d.startswith(("04", "050")):
        return 9 <= n <= 11
    if d.startswith(("0600", "0700", "0800", "0100", "0200")):
        return 8 <= n <= 11
    if d.startswith(("010", "020", "029", "030", "039", "071", "073", "075")):
        return 9 <= n <= 10
    if d.startswith(("013", "014", "015", "016", "017", "018", "019")):
        return 8 <= n <= 10
    if d[1] in "235689":
        return 8 <= n <= 10
    return False


def _looks_like_date(groups: list[str]) -> bool:
    if len(groups) == 3 and len(groups[0]) <= 2 and len(groups[1]) <= 2 and len(groups[2]) == 4:
        return int(groups[0]) <= 31 and int(groups[1]) <= 12
    return False


def check_phone(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    if number_context(text, start):
        return None
    raw = text[start:end]
    # Try the whole run, then shorter ones: "040 123 4567 2 kpl" ends at 4567.
    cuts = {end} | {start + m.start() for m in PHONE_CUTS.finditer(raw)}
    for cut in sorted(cuts, reverse=True):
        stop = cut
        while stop > start and text[stop - 1] in " \u00a0-":
            stop -= 1
        cand = text[start:stop]
        digits = normalise_phone(cand)
        if not digits:
            continue
        groups = DIGITS.findall(cand)
        if _looks_like_date(groups):
            return None
        if MONEY_AFTER.match(text, stop):
            continue
        short_tail = cut == end and len(groups) > 2 and len(groups[-1]) <= 2
        if short_tail and normalise_phone(cand[: cand.rfind(groups[-1])]):
            continue
        if digits in ctx.allow_phones:
            return None
        first = start + 1 if text[start] == "(" and ")" not in cand else start
        return ("privacy.phone", first, stop, "")
    return None


def check_iban(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    whole = "".join(text[start:end].split())
    # A known country has one length: only that prefix can pass the checksum. The match
    # ends with a letter or digit, so a whole match of that length ends at ``end``.
    expected = IBAN_LENGTHS.get(whole[:2])
    if expected == len(whole):
        if not iban_ok(whole) or whole in ctx.allow_ibans:
            return None
        return ("privacy.iban", start, end, "")
    chars = [(i, c) for i, c in enumerate(text[start:end], start) if not c.isspace()]
    lengths = range(len(chars), 14, -1) if expected is None else (expected,)
    # Cut at a group boundary: try the longest valid prefix.
    for n in lengths:
        if n > len(chars) or n < 15:
            continue
        last = chars[n - 1][0]
        if n < len(chars) and not text[last + 1].isspace():
            continue
        compact = whole[:n]
        if iban_ok(compact):
            if compact in ctx.allow_ibans:
                return None
            return ("privacy.iban", start, last + 1, "")
    return None


def check_hetu(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    status = hetu_status(text[start:end])
    if status == "invalid":
        return None
    return ("privacy.hetu", start, end, status)


def check_business_id(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    raw = text[start:end]
    digits = NON_DIGITS.sub("", raw)
    if ytunnus_ok(digits):
        return ("privacy.business_id", start, end, "")
    return None


def check_email(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    raw = text[start:end]
    domain = re.split(r"@|\(at\)|\[at\]", raw)[-1].strip().lower()
    if any(domain == d or domain.endswith("." + d) for d in ctx.allow_domains):
        return None
    return ("privacy.email", start, end, "")


def check_plate(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    letters = text[start:end].split("-")[0]
    if letters in PLATE_ACRONYMS:
        return None
    if len(letters) == 2:
        window = text[max(0, start - 80) : end + 60]
        if not PLATE_CONTEXT.search(window):
            return None
    return ("privacy.plate", start, end, "")


def check_address(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    raw = text[start:end]
    words = raw.split()
    # "Valtatie 4" or "Tie 5" is a road or a heading, not somebody's address.
    street_idx = next(i for i, w in enumerate(words) if re.match(r"\d", words[i + 1]))
    if street_idx == 0 and words[0].lower() in ROADS:
        return None
    if UNIT_AFTER.match(text, end):
        return None  # "Ulkoilureitti 7 km" is a distance, not a house number
    norm = " ".join(raw.lower().split())
    if any(norm.startswith(a) for a in ctx.allow_addresses):
        return None
    return ("privacy.address", start, end, "")


VALIDATORS: dict[str, Callable[[str, int, int, CheckContext], Hit | None]] = {
    "email": check_email,
    "iban": check_iban,
    "hetu": check_hetu,
    "business_id": check_business_id,
    "phone": check_phone,
    "plate": check_plate,
    "address": check_address,
}


AT_SIGN = re.compile(r"@|\(at\)|\[at\]")
LOCAL_PART = re.compile(r"[\w.+-]{1,64}\s?$")
# The same runs as \d+, but a pattern that starts with a plain class lets re skip ahead fast.
DIGITS = re.compile(r"\d\d*")
PLATE_HEAD = re.compile(r"(?<![\w-])[A-ZÅÄÖ]{2,3}-$")
WORD_STARTS = re.compile(r"(?:^|(?<=\s))\S")
STREET_SUFFIXES = PATTERNS["address"].split("(?:katu|", 1)[1].split(")", 1)[0]
STREET_ENDINGS = ("", "n", "lla", "llä", "lle", "lta", "ltä")
STREET_TAIL = re.compile(r"(?:katu|" + STREET_SUFFIXES + r")(?:n|lla|llä|lle|lta|ltä)?\s$")
# Every street word form (suffix and case ending) by its last three letters (all forms have
# at least three): a dict lookup and one endswith replace searching STREET_TAIL.
STREET_FORMS: dict[str, tuple[str, ...]] = {}
for _form in sorted(
    {
        suffix + ending
        for suffix in ("katu|" + STREET_SUFFIXES).split("|")
        for ending in STREET_ENDINGS
    }
):
    STREET_FORMS[_form[-3:]] = (*STREET_FORMS.get(_form[-3:], ()), _form)
STREET_TAIL3 = frozenset(STREET_FORMS)
# Digit runs where some pattern could start, found by re in one pass so that the many other
# numbers (dates, prices, times) cost no Python. Each alternative is a necessary condition of
# one kind of _candidates, tested at the run's first digit: IBAN (country code, two digits),
# phone (a 0 not glued to a word or number, or +358), plate (letter, "-", 1-9), address
# (a street word's last three letters, a space, at most three digits), identity code and
# business ID (6, 7 or 8 digits and what follows).
RUNS = re.compile(
    r"\d(?<!\d\d)(?:(?<=[A-Z]{2}\d)(?=\d)|(?<=0)(?<![\w+/.,=%-]0)|(?<=\+3)(?=58)"
    r"|(?<=[A-ZÅÄÖ]-[1-9])|(?<=(?:" + "|".join(sorted(STREET_TAIL3)) + r") \d)(?!\d{3})"
    r"|(?=\d{5}[-+A-FU-Ya-fu-y]|\d{6}-|\d{7}(?!\d)))\d*"
)
UPPER_AZ = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
UPPER_FI = UPPER_AZ | frozenset("ÅÄÖ")
HETU_SIGNS = frozenset("-+ABCDEFUVWXYabcdefuvwxy")
PHONE_CUTS = re.compile(r"[ \u00a0-]")


def scan(doc: Document, ctx: CheckContext) -> Iterator[Hit]:
    """Find privacy hits. Every pattern but e-mail needs a digit, so the text is walked digit
    run by digit run and only the patterns that could start there are tried (anchored
    ``match``, after cheap character tests); checksums then filter. E-mail is anchored at
    its @ sign. Texts with neither digits nor an @ sign return at once."""
    text = doc.text
    if not has_trigger(text):
        return iter(())
    hits: list[Hit] = []
    if "@" in text or "(at)" in text or "[at]" in text:
        for m in AT_SIGN.finditer(text):
            local = local_part_start(text, max(0, m.start() - 65), m.start())
            if local is None:
                continue
            em = COMPILED["email"].match(text, local)
            if em is not None and not in_url(doc, em.start()):
                hit = check_email(text, em.start(), em.end(), ctx)
                if hit is not None:
                    hits.append(hit)
    emails = [(h[1], h[2]) for h in hits]
    until = 0
    n = len(text)
    for d in RUNS.finditer(text):
        s, e = d.span()
        if s < until or (emails and any(a <= s < b for a, b in emails)):
            continue
        cands = _candidates(text, s, e, n)
        if not cands:
            continue
        for name, start in cands:
            if start < until:
                continue
            found = COMPILED[name].match(text, start)
            if found is None or found.end() <= s:
                continue
            hit = VALIDATORS[name](text, found.start(), found.end(), ctx)
            if hit is not None:
                if not in_url(doc, hit[1]):
                    hits.append(hit)
                until = hit[2]
                break
    if len(hits) > 1:
        hits.sort(key=lambda h: h[1])
    return iter(hits)


def scan_many(texts: Iterable[str], ctx: CheckContext) -> Iterator[list[Hit]]:
    """The hits of each text in turn (a stream: constant memory). Texts without a digit or
    an @ sign, most of a real feed, cost one substring test and no Document."""
    for text in texts:
        yield list(scan(Document(text), ctx)) if has_trigger(text) else []


def _candidates(text: str, s: int, e: int, n: int) -> list[tuple[str, int]]:
    """Where each pattern could start, given a digit run text[s:e]. Only starts whose
    pattern can match are returned: the character tests are the patterns' own first steps."""
    run = e - s
    prev = text[s - 1] if s else " "
    after = text[e] if e < n else ""
    out: list[tuple[str, int]] = []
    if run >= 2 and s >= 2 and prev in UPPER_AZ and text[s - 2] in UPPER_AZ:
        out.append(("iban", s - 2))
    if run == 6:
        if after in HETU_SIGNS:
            out.append(("hetu", s))
    elif run == 7:
        if after == "-":
            out.append(("business_id", s))
    elif run == 8 and text[max(0, s - 3) : s].rstrip().endswith("FI"):
        out.append(("business_id", s - 2 if text[s - 2 : s] == "FI" else s - 3))
    first = text[s]
    if first == "0":
        out.append(("phone", s - 1 if prev == "(" else s))
    elif prev == "+" and text.startswith("358", s):
        out.append(("phone", s - 1))
    if prev == "-":
        if s >= 3 and first != "0" and text[s - 2] in UPPER_FI:
            head = PLATE_HEAD.search(text, max(0, s - 4), s)
            if head:
                out.append(("plate", head.start()))
    elif prev == " " and run <= 3:
        # STREET_TAIL.search(text, s - 16, s): a street word form ends just before the space.
        forms = STREET_FORMS.get(text[max(0, s - 4) : s - 1])
        if forms and text.endswith(forms, max(0, s - 16), s - 1):
            # Street names are one to three words before the number; they start with a capital.
            starts = last_word_starts(text, max(0, s - 60), s - 1)
            out.extend(("address", st) for st in starts if text[st] in UPPER_FI)
    return out
