"""The checker's data: findings, media and the context a check runs in."""

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["block", "warn", "info"]
SEVERITIES: tuple[str, ...] = ("block", "warn", "info")
CATEGORIES: tuple[str, ...] = ("privacy", "language", "tone", "channel")


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    category: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class Media:
    type: str  # "image" | "video"
    alt: str = ""
    captions: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Media":
        return cls(
            type=str(data.get("type", "")),
            alt=str(data.get("alt") or ""),
            captions=bool(data.get("captions", False)),
        )


@dataclass(slots=True)
class CheckContext:
    """Everything a check needs besides the text.

    Allowlists hold the organisation's own published data; ``severities`` maps a
    rule id to ``block|warn|info`` or ``off``; ``categories`` limits the check.
    """

    lang: str = "fi"
    channel: str = ""
    media: list[Media] = field(default_factory=list)
    categories: frozenset[str] = frozenset(CATEGORIES)
    severities: dict[str, str] = field(default_factory=dict)
    allow_phones: frozenset[str] = frozenset()  # digits only, national form (0401234567)
    allow_domains: frozenset[str] = frozenset()  # lower case; subdomains included
    allow_ibans: frozenset[str] = frozenset()  # compact, upper case
    allow_addresses: frozenset[str] = frozenset()  # lower case, single spaces
    staff_names: frozenset[str] = frozenset()  # lower case base forms, "anna virtanen"
    allow_words: frozenset[str] = frozenset()  # lower case, skipped by spelling

    @classmethod
    def build(
        cls,
        *,
        lang: str = "fi",
        channel: str = "",
        media: list[Media] | list[dict[str, Any]] | None = None,
        categories: set[str] | frozenset[str] | None = None,
        severities: dict[str, str] | None = None,
        allow_phones: list[str] | tuple[str, ...] = (),
        allow_domains: list[str] | tuple[str, ...] = (),
        allow_ibans: list[str] | tuple[str, ...] = (),
        allow_addresses: list[str] | tuple[str, ...] = (),
        staff_names: list[str] | tuple[str, ...] = (),
        allow_words: list[str] | tuple[str, ...] = (),
    ) -> "CheckContext":
        """Build a context from loosely written values (normalising them)."""
        from somevahti.checks.privacy import normalise_phone

        items = [m if isinstance(m, Media) else Media.from_dict(m) for m in media or []]
        return cls(
            lang=lang,
            channel=(channel or "").lower(),
            media=items,
            categories=frozenset(categories) if categories else frozenset(CATEGORIES),
            severities=dict(severities or {}),
            allow_phones=frozenset(p for p in (normalise_phone(x) for x in allow_phones) if p),
            allow_domains=frozenset(d.strip().lower().lstrip("@") for d in allow_domains if d),
            allow_ibans=frozenset("".join(i.split()).upper() for i in allow_ibans if i),
            allow_addresses=frozenset(" ".join(a.lower().split()) for a in allow_addresses if a),
            staff_names=frozenset(" ".join(n.lower().split()) for n in staff_names if n),
            allow_words=frozenset(w.lower() for w in allow_words if w),
        )
