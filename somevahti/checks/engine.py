"""``check(text, context)``: runs every rule over one shared tokenisation."""

from collections.abc import Iterable

from somevahti.checks import channel, language, names, privacy, tone
from somevahti.checks.findings import CheckContext, Finding
from somevahti.checks.i18n import _, tr
from somevahti.checks.text import Document

# Rule id → default severity. Ids are a contract (API, settings, other tools).
RULES: dict[str, str] = {
    "privacy.hetu": "block",
    "privacy.business_id": "warn",
    "privacy.iban": "block",
    "privacy.phone": "warn",
    "privacy.email": "warn",
    "privacy.address": "warn",
    "privacy.plate": "warn",
    "privacy.person_name": "warn",
    "privacy.sensitive": "block",
    "language.spelling": "warn",
    "language.long_sentence": "info",
    "language.long_compound": "info",
    "language.nominal_style": "info",
    "language.passive_chain": "info",
    "language.bureaucratic": "info",
    "language.abbreviation": "info",
    "tone.shouting": "warn",
    "tone.insult": "warn",
    "tone.sarcasm": "warn",
    "tone.arguing": "warn",
    "channel.length": "warn",
    "channel.hashtags": "warn",
    "channel.alt_text": "warn",
    "channel.captions": "warn",
    "channel.link_shortener": "warn",
    "channel.broken_link": "warn",
}
RANK = {"info": 0, "warn": 1, "block": 2}

PRIVACY_MESSAGES: dict[str, tuple[str, str]] = {
    "privacy.hetu": (
        _(
            "This looks like a personal identity code. Publishing one exposes the person to "
            "identity theft."
        ),
        _("Remove the identity code."),
    ),
    "privacy.business_id": (
        _("This is a business ID. A sole trader's business ID points to a person."),
        _("Check that publishing it is needed."),
    ),
    "privacy.iban": (
        _("This is a bank account number (IBAN). Private account numbers must not be published."),
        _("Remove it, or add the organisation's own account to the allowed list."),
    ),
    "privacy.phone": (
        _("This is a phone number. Publish only the organisation's own service numbers."),
        _("Remove it or use the service's public number."),
    ),
    "privacy.email": (
        _("This is an e-mail address. A personal address invites spam and shares personal data."),
        _("Use the service's shared address instead."),
    ),
    "privacy.address": (
        _("This is a street address. A home address tells where someone lives."),
        _("Leave out the house number or the whole address."),
    ),
    "privacy.plate": (
        _("This looks like a vehicle registration plate, which can identify its owner."),
        _("Remove the plate or blur it in images."),
    ),
    "privacy.person_name": (
        _("This looks like the name of a private person. Publish it only with their consent."),
        _('Leave the name out or write "a customer".'),
    ),
    "privacy.sensitive": (
        _(
            "Special category data (health, social welfare, origin, religion or crime) next to a "
            "name. This must never be published."
        ),
        _("Remove the name or the sensitive detail."),
    ),
}
BAD_CHECK = _(
    "This looks like a personal identity code, but its check character is wrong. It may still "
    "be a real code with a typo."
)
SENSITIVE_WINDOW = 120


def _privacy(doc: Document, ctx: CheckContext) -> Iterable[tuple[str, int, int, str, str, str]]:
    for rule, start, end, kind in privacy.scan(doc, ctx):
        message, suggestion = PRIVACY_MESSAGES[rule]
        sev = ""
        if rule == "privacy.hetu" and kind == "bad_check":
            message, sev = BAD_CHECK, "warn"
        yield rule, start, end, tr(message), tr(suggestion), sev


def check(text: str, context: CheckContext | None = None) -> list[Finding]:
    """All findings for ``text``, sorted by position."""
    ctx = context or CheckContext()
    doc = Document(text)
    raw: list[tuple[str, int, int, str, str, str]] = []
    want = ctx.categories
    private: list[names.NameSpan] = []
    name_starts: set[int] = set()
    if "privacy" in want or "language" in want:
        for span in names.find_names(doc):
            name_starts.update(w.start for w in doc.words if span.start <= w.start < span.end)
            if not span.official and not names.is_staff(span, ctx):
                private.append(span)
    if "privacy" in want:
        raw.extend(_privacy(doc, ctx))
        message, suggestion = PRIVACY_MESSAGES["privacy.person_name"]
        for span in private:
            raw.append(
                ("privacy.person_name", span.start, span.end, tr(message), tr(suggestion), "")
            )
        if private:
            message, suggestion = PRIVACY_MESSAGES["privacy.sensitive"]
            for start, end in names.sensitive_terms(doc):
                if any(
                    s.start - SENSITIVE_WINDOW <= start and end <= s.end + SENSITIVE_WINDOW
                    for s in private
                ):
                    raw.append(("privacy.sensitive", start, end, tr(message), tr(suggestion), ""))
    if "language" in want:
        raw.extend((*r, "") for r in language.run(doc, ctx, name_starts))
    if "tone" in want:
        raw.extend((*r, "") for r in tone.run(doc))
    if "channel" in want:
        raw.extend((*r, "") for r in channel.run(doc, ctx))

    findings: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    for rule, start, end, message, suggestion, forced in raw:
        configured = ctx.severities.get(rule, RULES.get(rule, "warn"))
        if configured == "off" or (rule, start, end) in seen:
            continue
        seen.add((rule, start, end))
        severity = configured
        if forced and RANK.get(forced, 1) < RANK.get(configured, 1):
            severity = forced
        findings.append(
            Finding(
                rule=rule,
                category=rule.split(".", 1)[0],
                severity=severity,
                start=start,
                end=end,
                text=text[start:end],
                message=message,
                suggestion=suggestion,
            )
        )
    findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return findings


def blocked(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "block" for f in findings)
