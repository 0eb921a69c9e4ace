"""The checked text as HTML with every finding marked in place.

Findings may overlap, so the text is cut at every finding's start and end and each
piece covered by any finding becomes its own <mark>: the HTML always nests correctly
and no offset moves. Each finding starts with a visually hidden label (its number and
category) that the findings list links to, and ends with a visible numbered link back
to the list, so nothing relies on colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from somevahti.checks import Finding
from somevahti.checks.labels import CATEGORY_LABELS


def _text(piece: str) -> str:
    return str(escape(piece)).replace("\n", "<br>\n")


def highlight(text: str, findings: Sequence[Finding]) -> SafeString:
    """HTML of ``text``; finding number n (1-based, in ``findings`` order) is marked."""
    spans = [(n, f) for n, f in enumerate(findings, 1) if 0 <= f.start < f.end <= len(text)]
    cuts = sorted({0, len(text), *(f.start for _n, f in spans), *(f.end for _n, f in spans)})
    starts: dict[int, list[tuple[int, Finding]]] = {}
    ends: dict[int, list[tuple[int, Finding]]] = {}
    for n, f in spans:
        starts.setdefault(f.start, []).append((n, f))
        ends.setdefault(f.end, []).append((n, f))
    out: list[str] = []
    active: set[int] = set()
    severity = {n: f.severity for n, f in spans}
    for a, b in zip(cuts, cuts[1:], strict=False):
        for n, _f in ends.get(a, []):
            active.discard(n)
        out.extend(_end_ref(n) for n, _f in ends.get(a, []))
        labels = "".join(_start_label(n, f) for n, f in starts.get(a, []))
        active.update(n for n, _f in starts.get(a, []))
        piece = _text(text[a:b])
        if active:
            classes = " ".join(sorted({f"finding-{severity[n]}" for n in active}))
            out.append(f'<mark class="{classes}">{labels}{piece}</mark>')
        else:
            out.append(labels + piece)
    out.extend(_end_ref(n) for n, _f in ends.get(len(text), []))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def _start_label(n: int, f: Finding) -> str:
    category = CATEGORY_LABELS.get(f.category, f.category)
    return str(
        format_html(
            '<span class="visually-hidden" id="mark-{n}">[{label}] </span>',
            n=n,
            label=_("%(n)d. %(category)s begins") % {"n": n, "category": category},
        )
    )


def _end_ref(n: int) -> str:
    return str(
        format_html(
            '<sup><a href="#finding-{n}" class="finding-ref">'
            '<span class="visually-hidden">{hidden} </span>{n}</a></sup>',
            n=n,
            hidden=_("finding"),
        )
    )
