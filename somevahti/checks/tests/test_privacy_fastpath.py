"""The fast privacy scan finds exactly what the plain one does.

The reference below is the scan as first written: every digit run (``\\d+``), every
candidate tried with its pattern, the context and local-part regexes searched at every
position, each IBAN prefix checked, every hit's URL test computing the document's URLs.
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from somevahti.checks import CheckContext
from somevahti.checks.checksums import IBAN_LENGTHS, hetu_status
from somevahti.checks.privacy import (
    COMPILED,
    LOCAL_PART,
    PLATE_HEAD,
    STREET_TAIL,
    WORD_STARTS,
    Hit,
    check_address,
    check_email,
    check_hetu,
    check_plate,
    normalise_phone,
    phone_digits_ok,
    scan,
    scan_many,
)
from somevahti.checks.privacy import _looks_like_date as looks_like_date
from somevahti.checks.scan import NUMBER_CONTEXT, local_part_start, number_context
from somevahti.checks.text import Document

MONEY_AFTER = re.compile(r"\s?(?:€|e\b|eur|euro|%|kpl|m2|m²|km|kg|hlö|henk)", re.IGNORECASE)


def ref_iban_ok(compact: str) -> bool:
    if len(compact) < 15 or len(compact) > 34 or not compact[:2].isalpha():
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    try:
        number = int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4]))
    except ValueError:
        return False
    return number % 97 == 1


def ref_ytunnus_ok(digits: str) -> bool:
    if len(digits) != 8 or not digits.isdigit():
        return False
    rest = sum(int(d) * w for d, w in zip(digits[:7], (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return rest != 1 and int(digits[7]) == (0 if rest == 0 else 11 - rest)


def ref_phone(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    if NUMBER_CONTEXT.search(text[max(0, start - 30) : start]):
        return None
    raw = text[start:end]
    cuts = {end} | {start + m.start() for m in re.finditer(r"[ \u00a0-]", raw)}
    for cut in sorted(cuts, reverse=True):
        stop = cut
        while stop > start and text[stop - 1] in " \u00a0-":
            stop -= 1
        cand = text[start:stop]
        digits = normalise_phone(cand)
        if not digits:
            continue
        groups = re.findall(r"\d+", cand)
        if looks_like_date(groups):
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


def ref_iban(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    chars = [(i, c) for i, c in enumerate(text[start:end], start) if not c.isspace()]
    for n in range(len(chars), 14, -1):
        last = chars[n - 1][0]
        if n < len(chars) and not text[last + 1].isspace():
            continue
        compact = "".join(c for _, c in chars[:n])
        if ref_iban_ok(compact):
            return None if compact in ctx.allow_ibans else ("privacy.iban", start, last + 1, "")
    return None


def ref_business_id(text: str, start: int, end: int, ctx: CheckContext) -> Hit | None:
    if ref_ytunnus_ok(re.sub(r"\D", "", text[start:end])):
        return ("privacy.business_id", start, end, "")
    return None


REF_VALIDATORS = {
    "email": check_email, "iban": ref_iban, "hetu": check_hetu,
    "business_id": ref_business_id, "phone": ref_phone, "plate": check_plate,
    "address": check_address,
}  # fmt: skip


def ref_candidates(text: str, s: int, e: int) -> list[tuple[str, int]]:
    run = e - s
    prev = text[s - 1] if s else " "
    out: list[tuple[str, int]] = []
    if prev.isupper() and s >= 2 and re.compile(r"[A-Z]{2}$").search(text, s - 2, s):
        out.append(("iban", s - 2))
    if run == 6:
        out.append(("hetu", s))
    elif run == 7:
        out.append(("business_id", s))
    elif run == 8 and text[max(0, s - 3) : s].rstrip().endswith("FI"):
        out.append(("business_id", s - 2 if text[s - 2 : s] == "FI" else s - 3))
    if text[s] == "0":
        out.append(("phone", s - 1 if prev == "(" else s))
    elif prev == "+" and text.startswith("358", s):
        out.append(("phone", s - 1))
    if prev == "-" and s >= 3 and text[s] != "0":
        head = PLATE_HEAD.search(text, max(0, s - 4), s)
        if head:
            out.append(("plate", head.start()))
    if prev == " " and run <= 3 and STREET_TAIL.search(text, max(0, s - 16), s):
        starts = [m.start() for m in WORD_STARTS.finditer(text, max(0, s - 60), s - 1)][-3:]
        out.extend(("address", st) for st in starts)
    return out


def reference_scan(doc: Document, ctx: CheckContext) -> list[Hit]:
    text = doc.text
    hits: list[Hit] = []
    for m in re.finditer(r"@|\(at\)|\[at\]", text):
        local = LOCAL_PART.search(text, max(0, m.start() - 65), m.start())
        if local is None:
            continue
        em = COMPILED["email"].match(text, local.start())
        if em is not None and not doc.in_url(em.start()):
            hit = check_email(text, em.start(), em.end(), ctx)
            if hit is not None:
                hits.append(hit)
    emails = [(h[1], h[2]) for h in hits]
    until = 0
    for d in re.finditer(r"\d+", text):
        s, e = d.span()
        if s < until or any(a <= s < b for a, b in emails):
            continue
        for name, start in ref_candidates(text, s, e):
            if start < until:
                continue
            found = COMPILED[name].match(text, start)
            if found is None or found.end() <= s:
                continue
            hit = REF_VALIDATORS[name](text, found.start(), found.end(), ctx)
            if hit is not None:
                if not doc.in_url(hit[1]):
                    hits.append(hit)
                until = hit[2]
                break
    hits.sort(key=lambda h: h[1])
    return hits


FRAGMENTS = [
    "131052-308T", "131052A308T", "131052-308X", "010101Y1234", "290201A123J", "311299+999X",
    "0201256-6", "0201256-5", "FI 02012566", "FI02012566", "FI21 1234 5600 0007 85",
    "FI2112345600000785", "FI21 1234 5600 0007 86", "DE89 3704 0044 0532 0130 00",
    "NO93 8601 1117 947", "GB82WEST12345698765432", "040 123 4567", "+358 40 1234567",
    "+358 (0)9 310 1234", "(09) 310 1234", "09-310 1234", "0401234567", "050-123 45 67",
    "anna.virtanen@gmail.com", "matti (at) kunta.fi", "x[at]y.org", "@kunta", "ABC-123",
    "XY-12", "KLM-9", "EU-1", "auto ", "Koivukuja 3 B 12", "Mannerheimintie 12 A 5, 00100 Helsinki",
    "Rantatie 4", "Valtatie 4", "Kirkkokadulla 7", "dnro 040 123 4567", "ISBN 978-951-1",
    "12.05.2024", "klo 10.00", "5,00 €", "10 km", "2 kpl", "https://kunta.fi/040-1234567",
    "www.kunta.fi/a?b=0401234567", "kunta.fi/131052-308T", "٣٤٥٦٧٨", "０４０", "–", "€",
    "\n", " ", " ", ", ", ". ", "-", "(", ")", "+", ":", "#", "§ ", "nro: ", "Lasku ", "İ", "ı",
]  # fmt: skip
texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=24).map("".join)
CONTEXTS = [
    CheckContext.build(categories={"privacy"}),
    CheckContext.build(
        categories={"privacy"},
        allow_phones=["09 310 1234"],
        allow_domains=["kunta.fi"],
        allow_ibans=["FI21 1234 5600 0007 85"],
        allow_addresses=["koivukuja 3"],
    ),
]


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(texts, st.sampled_from(CONTEXTS))
def test_fast_scan_equals_reference(text: str, ctx: CheckContext) -> None:
    expected = reference_scan(Document(text), ctx)
    assert list(scan(Document(text), ctx)) == expected
    assert next(scan_many([text], ctx)) == expected


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_context_and_local_part_match_their_regexes(text: str) -> None:
    for end in range(len(text) + 1):
        window = text[max(0, end - 30) : end]
        assert number_context(text, end) == (NUMBER_CONTEXT.search(window) is not None)
        lo = max(0, end - 65)
        found = LOCAL_PART.search(text, lo, end)
        assert local_part_start(text, lo, end) == (found.start() if found else None)


def test_hits_and_batch_agree_on_a_known_text() -> None:
    ctx = CONTEXTS[0]
    text = "Soita 040 123 4567 tai kirjoita anna@gmail.com, hetu 131052-308T."
    rules = [h[0] for h in scan(Document(text), ctx)]
    assert rules == ["privacy.phone", "privacy.email", "privacy.hetu"]
    assert list(scan_many(["ei numeroita täällä", text], ctx)) == [
        [],
        list(scan(Document(text), ctx)),
    ]
    assert hetu_status("131052-308T") == "valid"
    assert phone_digits_ok("0401234567")
