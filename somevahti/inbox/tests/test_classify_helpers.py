"""Small builders for the classification tests: conversations, items and rules."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from somevahti.core import clock
from somevahti.core.models import Organisation, Unit
from somevahti.inbox.models import ClassificationRule, Conversation, InboxItem

_seq = itertools.count(1)


def conversation(unit: Unit, handle: str = "matti.m", **fields: Any) -> Conversation:
    now = clock.now()
    n = next(_seq)
    fields.setdefault("kind", Conversation.Kind.COMMENT)
    return Conversation.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        thread_key=f"test:{n}:{handle}",
        author_handle=handle,
        last_item_at=now,
        created_at=now,
        **fields,
    )


def item(
    unit: Unit,
    text: str,
    *,
    handle: str = "matti.m",
    source: str = "facebook",
    language: str = "",
    conv: Conversation | None = None,
    at: dt.datetime | None = None,
) -> InboxItem:
    """An incoming item as ingest creates it: unclassified, received now (or ``at``)."""
    when = at or clock.now()
    conv = conv or conversation(unit, handle)
    return InboxItem.objects.create(
        organisation_id=unit.organisation_id,
        conversation=conv,
        external_id=f"ext-{next(_seq)}",
        source=source,
        author_handle=handle,
        text=text,
        language=language,
        sent_at=when,
        received_at=when,
    )


def rule(
    org: Organisation,
    klass: str,
    kind: str,
    pattern: str = "",
    weight: int = 1,
    **fields: Any,
) -> ClassificationRule:
    return ClassificationRule.objects.create(
        organisation=org,
        klass=klass,
        kind=kind,
        pattern=pattern,
        weight=weight,
        updated_at=clock.now(),
        **fields,
    )


def reasons_by_kind(it: InboxItem) -> dict[str, list[tuple[str, str, str]]]:
    """{kind: [(pattern, matched, class), ...]} of the item's stored reasons."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for r in it.class_reasons:
        out.setdefault(r["kind"], []).append((r["pattern"], r["matched"], r["klass"]))
    return out
