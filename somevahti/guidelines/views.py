"""Guideline pages: list, current version, any version, history, diff, and new versions."""

from __future__ import annotations

import difflib
import re

import markdown
import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import has_perm, user_of
from somevahti.core.roles import Perm
from somevahti.guidelines import actions
from somevahti.guidelines.forms import DiffForm, GuidelineForm, VersionForm
from somevahti.guidelines.models import Guideline, GuidelineVersion
from somevahti.guidelines.queries import (
    current_version,
    guidelines_visible_to,
    upcoming_version,
    with_versions,
)

ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "a",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML with raw HTML disabled, then sanitised with nh3.

    Headings start at h2: the page's own title is the only h1.
    """
    md = markdown.Markdown(
        extensions=["sane_lists", "tables", "toc"],
        extension_configs={"toc": {"baselevel": 2}},
    )
    # Raw HTML in the text is shown as text, never interpreted.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert(text)
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}})
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def _mark(tag: str, text: str) -> SafeString:
    label = _("added") if tag == "ins" else _("removed")
    return format_html(
        '<{tag}><span class="visually-hidden">[{label}] </span>{text}</{tag}>',
        tag=tag,
        label=label,
        text=text,
    )


def _word_diff(old: str, new: str) -> str:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(_mark("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(_mark("ins", "".join(b[j1:j2])))
    return "".join(out)


def diff_html(old: str, new: str) -> tuple[SafeString, int, int]:
    """Line diff, with a word diff inside changed lines. Returns (html, added, removed)."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[str] = []
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(escape(line) for line in a[i1:i2])
            continue
        old_lines, new_lines = a[i1:i2], b[j1:j2]
        removed += len(old_lines)
        added += len(new_lines)
        if tag == "replace":
            pairs = min(len(old_lines), len(new_lines))
            lines.extend(
                _word_diff(o, n) for o, n in zip(old_lines[:pairs], new_lines[:pairs], strict=True)
            )
            old_lines, new_lines = old_lines[pairs:], new_lines[pairs:]
        lines.extend(_mark("del", line) for line in old_lines)
        lines.extend(_mark("ins", line) for line in new_lines)
    return mark_safe("\n".join(lines)), added, removed  # noqa: S308 - every part escaped


def _guideline(user: User, slug: str) -> Guideline:
    return get_object_or_404(with_versions(guidelines_visible_to(user)), slug=slug)


def _version(guideline: Guideline, number: int) -> GuidelineVersion:
    for version in guideline.versions.all():
        if version.number == number:
            return version
    raise Http404


def _can_edit(user: User, guideline: Guideline) -> bool:
    return has_perm(user, Perm.EDIT_GUIDELINES, actions.unit_of(guideline))


@login_required
@require_GET
def guideline_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    guidelines = list(with_versions(guidelines_visible_to(user)))
    rows = [{"guideline": g, "current": current_version(g)} for g in guidelines]
    return render(
        request,
        "guidelines/list.html",
        {"rows": rows, "can_create": has_perm(user, Perm.EDIT_GUIDELINES)},
    )


@login_required
def guideline_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not has_perm(user, Perm.EDIT_GUIDELINES):
        raise PermissionDenied
    form = GuidelineForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            guideline = actions.create_guideline(user, data["title"], data["slug"], data["unit"])
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The guideline was created. Now add its first version."))
            return redirect("guidelines:new_version", slug=guideline.slug)
    return render(request, "guidelines/new.html", {"form": form})


def _render_version(
    request: HttpRequest, guideline: Guideline, version: GuidelineVersion | None
) -> HttpResponse:
    user = user_of(request)
    current = current_version(guideline)
    context = {
        "guideline": guideline,
        "version": version,
        "is_current": version is not None and current is not None and version.pk == current.pk,
        "current": current,
        "upcoming": upcoming_version(guideline),
        "body": render_markdown(version.body) if version else "",
        "can_edit": _can_edit(user, guideline),
    }
    return render(request, "guidelines/detail.html", context)


@login_required
@require_GET
def guideline_detail(request: HttpRequest, slug: str) -> HttpResponse:
    guideline = _guideline(user_of(request), slug)
    return _render_version(request, guideline, current_version(guideline))


@login_required
@require_GET
def guideline_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    guideline = _guideline(user_of(request), slug)
    return _render_version(request, guideline, _version(guideline, number))


@login_required
@require_GET
def guideline_history(request: HttpRequest, slug: str) -> HttpResponse:
    guideline = _guideline(user_of(request), slug)
    versions = list(guideline.versions.all())
    current = current_version(guideline)
    numbers = [v.number for v in versions]
    form = DiffForm(
        initial={
            "a": numbers[1] if len(numbers) > 1 else None,
            "b": numbers[0] if numbers else None,
        }
    )
    return render(
        request,
        "guidelines/history.html",
        {
            "guideline": guideline,
            "versions": versions,
            "current": current,
            "form": form,
            "can_edit": _can_edit(user_of(request), guideline),
        },
    )


@login_required
@require_GET
def guideline_diff(request: HttpRequest, slug: str) -> HttpResponse:
    guideline = _guideline(user_of(request), slug)
    form = DiffForm(request.GET)
    context: dict[str, object] = {"guideline": guideline, "form": form}
    if not form.is_valid():
        return render(request, "guidelines/diff.html", context, status=400)
    older = _version(guideline, form.cleaned_data["a"])
    newer = _version(guideline, form.cleaned_data["b"])
    html, added, removed = diff_html(older.body, newer.body)
    context.update(older=older, newer=newer, diff=html, added=added, removed=removed)
    return render(request, "guidelines/diff.html", context)


@login_required
def guideline_new_version(request: HttpRequest, slug: str) -> HttpResponse:
    user = user_of(request)
    guideline = _guideline(user, slug)
    if not _can_edit(user, guideline):
        raise PermissionDenied
    current = current_version(guideline)
    latest = max(guideline.versions.all(), key=lambda v: v.number, default=None)
    initial = {"body": latest.body} if latest else {}
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.add_guideline_version(user, guideline, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Version %(n)s was saved.") % {"n": version.number})
            return redirect("guidelines:version", slug=guideline.slug, number=version.number)
    return render(
        request,
        "guidelines/new_version.html",
        {"guideline": guideline, "form": form, "current": current, "latest": latest},
    )
