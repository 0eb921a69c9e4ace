"""The checker applied to a post: one result per channel variant, with overrides applied."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from somevahti.checks import Finding
from somevahti.checks.adapter import check_for
from somevahti.content.models import CheckOverride, Post, PostMedia, PostVariant
from somevahti.core.models import User

LENGTH_RULE = "channel.length"


def text_hash(post_id: int, channel_id: int, rule: str, text: str) -> str:
    """Keyed, so a short identity code cannot be recovered from the hash by trying them all."""
    message = f"{post_id}:{channel_id}:{rule}:{text.strip()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def media_items(media: Iterable[PostMedia]) -> list[dict[str, Any]]:
    return [{"type": m.kind, "alt": m.alt_text, "captions": bool(m.captions)} for m in media]


@dataclass
class Row:
    finding: Finding
    hash: str
    overridden: bool = False


@dataclass
class VariantResult:
    variant: PostVariant
    rows: list[Row] = field(default_factory=list)

    @property
    def blocking(self) -> list[Row]:
        """Block findings nobody has overridden: these stop submission and scheduling."""
        return [r for r in self.rows if r.finding.severity == "block" and not r.overridden]

    @property
    def too_long(self) -> list[Row]:
        """Over the platform's length: the platform would refuse it, no override helps."""
        return [r for r in self.rows if r.finding.rule == LENGTH_RULE]


def check_text(
    user: User, post_id: int, variant: PostVariant, text: str, media: list[dict[str, Any]]
) -> VariantResult:
    result = check_for(user, text, variant.channel.platform, media)
    return VariantResult(
        variant,
        [Row(f, text_hash(post_id, variant.channel_id, f.rule, f.text)) for f in result.findings],
    )


def check_post(user: User, post: Post) -> list[VariantResult]:
    """Every variant of the saved post. Expects variants with channels and media prefetched
    (or pays one query for each)."""
    media = media_items(post.media.all())
    done = {
        (o.channel_id, o.rule, o.text_hash)
        for o in CheckOverride.objects.filter(post=post).only("channel_id", "rule", "text_hash")
    }
    results = []
    for variant in post.variants.all():
        res = check_text(user, post.pk, variant, variant.text(post), media)
        for row in res.rows:
            row.overridden = (variant.channel_id, row.finding.rule, row.hash) in done
        results.append(res)
    return results
