"""Inbox pages: the list with its filters, and one conversation with everything done to it.

The composer's posts live in ``views_replies``, settings pages in ``views_admin``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.checks.labels import CATEGORY_LABELS, SEVERITY_LABELS, rule_label
from somevahti.content.crisis import can_switch, crisis_for
from somevahti.content.models import CrisisMode
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import has_perm, require, user_of
from somevahti.core.roles import Perm
from somevahti.inbox import actions, classify, hours, queries, replies, routing
from somevahti.inbox.forms import (
    AssignForm,
    ConversationFilterForm,
    CorrectForm,
    NoteForm,
    ReplyForm,
    SavedReplyPickForm,
)
from somevahti.inbox.models import Conversation, InboxItem

PAGE_SIZE = 50
DELIVERY_LABELS = {
    queries.AWAITING: gettext_lazy("Waiting for the crisis owner's approval"),
    queries.QUEUED: gettext_lazy("Waiting to be sent"),
    queries.SENDING: gettext_lazy("Being sent"),
    queries.SENT: gettext_lazy("Sent"),
    queries.FAILED: gettext_lazy("Not sent"),
    queries.UNCONFIRMED: gettext_lazy("Unconfirmed: check on the platform"),
    queries.CANCELLED: gettext_lazy("Withdrawn or not approved; not sent"),
}


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = ConversationFilterForm(user, request.GET or None)
    qs = queries.apply_filters(queries.conversations_visible_to(user), user, form.filters())
    rows = queries.ordered(queries.conversation_rows(qs))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "now": clock.now(),
        "perms_manage": has_perm(user, Perm.MANAGE_ORGANISATION),
    }
    return render(request, "inbox/list.html", context)


def duration(minutes: int) -> str:
    hours_, mins = divmod(max(0, minutes), 60)
    if hours_ and mins:
        return _("%(h)d h %(m)d min") % {"h": hours_, "m": mins}
    if hours_:
        return _("%(h)d h") % {"h": hours_}
    return _("%(m)d min") % {"m": mins}


def due_info(conv: Conversation, now: dt.datetime) -> dict[str, Any] | None:
    """The target in business minutes, left or overdue, while the clock runs."""
    if not hours.clock_running(conv) or conv.due_at is None:
        return None
    cal = hours.calendar_for(conv.unit)
    if conv.due_at > now:
        left = cal.minutes_between(now, conv.due_at)
        text = _("%(time)s of business hours left") % {"time": duration(left)}
        return {"overdue": False, "text": text, "minutes": left}
    late = cal.minutes_between(conv.due_at, now)
    text = _("Overdue by %(time)s of business hours") % {"time": duration(late)}
    return {"overdue": True, "text": text, "minutes": late}


def _finding_rows(rows: list[replies.CheckRow]) -> list[dict[str, Any]]:
    return [
        {
            "f": r.finding,
            "hash": r.hash,
            "overridden": False,
            "rule_label": rule_label(r.finding.rule),
            "category_label": CATEGORY_LABELS.get(r.finding.category, ""),
            "severity_label": SEVERITY_LABELS.get(r.finding.severity, ""),
        }
        for r in rows
    ]


def _item_rows(
    user: User, conv: Conversation, items: list[InboxItem], crisis: CrisisMode | None
) -> list[dict[str, Any]]:
    owner = crisis is not None and can_switch(user, crisis.unit)
    handler = replies.can_handle(user, conv)
    out = []
    for item in items:
        state = item.delivery_state
        out.append(
            {
                "item": item,
                "reasons": [classify.describe_reason(r) for r in item.class_reasons or []],
                "delivery": DELIVERY_LABELS.get(state, ""),
                "approve": state == queries.AWAITING and (owner or (crisis is None and handler)),
                "withdraw": state == queries.AWAITING
                and (owner or handler or item.sent_by_id == user.pk),
                "settle": state == queries.UNCONFIRMED and handler,
            }
        )
    return out


def _composer(
    request: HttpRequest, conv: Conversation, items: list[InboxItem], given: dict[str, Any]
) -> dict[str, Any]:
    """The reply form: a chosen saved reply's text, else a failed reply's text kept, plus
    the findings of the last check and whether the writer may override them."""
    user = user_of(request)
    saved = queries.saved_replies_of(user)
    pick = SavedReplyPickForm(saved, request.GET if "saved" in request.GET else None)
    failed = replies.failed_draft(items)
    form = given.get("reply_form")
    if form is None:
        text = failed.text if failed else ""
        if pick.is_bound and pick.is_valid() and pick.cleaned_data["saved"]:
            text = pick.cleaned_data["saved"].text
        form = ReplyForm(initial={"text": text})
    rows: list[replies.CheckRow] = given.get("check_rows") or []
    blocks = [r for r in rows if r.finding.severity == "block"]
    return {
        "reply_form": form,
        "pick_form": pick,
        "has_saved": saved.exists(),
        "failed": failed,
        "unsendable": replies.unsendable(conv),
        "checked": "check_rows" in given,
        "finding_groups": [{"channel": conv.channel, "findings": _finding_rows(rows)}]
        if "check_rows" in given
        else [],
        "blocks": blocks,
        "overridable": [r.hash for r in blocks if r.can_override],
        "override_all": bool(blocks) and all(r.can_override for r in blocks),
    }


def render_conversation(
    request: HttpRequest,
    conv: Conversation,
    *,
    status: int = 200,
    conflict: str = "",
    given: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page; ``given`` carries bound forms (``note_form``, ``reply_form``...) and the
    last check's rows (``check_rows``) to show instead of fresh ones."""
    given = given or {}
    user = user_of(request)
    now = clock.now()
    items = queries.items_of(conv)
    latest_in = next((i for i in reversed(items) if i.direction == InboxItem.Direction.IN), None)
    handler = replies.can_handle(user, conv)
    editor = has_perm(user, Perm.EDIT_CHANNEL, conv.unit)
    crisis = crisis_for(conv.unit)
    context = {
        "conv": conv,
        "conflict": conflict,
        "items": _item_rows(user, conv, items, crisis),
        "route": routing.describe_route(conv),
        "due": due_info(conv, now),
        "notes": conv.notes.select_related("author"),
        "history": events_for(user, conv)[:100],
        "verbs": actions.verbs_for(user, conv),
        "can_reply": handler,
        "can_assign": editor,
        "can_correct": editor and latest_in is not None,
        "crisis": crisis,
        "note_form": given.get("note_form") or NoteForm(),
        "assign_form": given.get("assign_form") or AssignForm(conv),
        "correct_form": given.get("correct_form")
        or CorrectForm(initial={"item": latest_in.pk if latest_in else None, "klass": conv.klass}),
        **(_composer(request, conv, items, given) if handler else {}),
    }
    return render(request, "inbox/conversation.html", context, status=status)


def conversation_of(request: HttpRequest, pk: int) -> Conversation:
    return get_object_or_404(queries.conversation_detail(user_of(request)), pk=pk)


@login_required
@require_GET
def conversation_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_conversation(request, conversation_of(request, pk))


def _act(request: HttpRequest, conv: Conversation, verb: str) -> tuple[str, Any, str]:
    """(form name, form, success message); raises what the action raises."""
    user = user_of(request)
    if verb == "note":
        form: Any = NoteForm(request.POST)
        if form.is_valid():
            actions.add_note(user, conv, form.cleaned_data["text"])
            return "note_form", form, _("The note was added.")
        return "note_form", form, ""
    if verb == "assign":
        form = AssignForm(conv, request.POST)
        if form.is_valid():
            routing.assign(user, conv, form.cleaned_data["assignee"])
            return "assign_form", form, _("The conversation was assigned.")
        return "assign_form", form, ""
    if verb == "correct":
        form = CorrectForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            item = conv.items.filter(pk=d["item"], direction=InboxItem.Direction.IN).first()
            if item is None:
                raise Http404
            actions.correct_class(user, item, d["klass"], d["note"])
            return "correct_form", form, _("The class was corrected; the correction was kept.")
        return "correct_form", form, ""
    if verb in actions.VERBS:
        actions.change_state(user, conv, verb)
        return (
            "",
            None,
            _("The conversation is now “%(state)s”.") % {"state": conv.get_state_display()},
        )
    raise Http404


@login_required
@require_POST
def conversation_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    conv = conversation_of(request, pk)
    try:
        name, form, done = _act(request, conv, verb)
    except Conflict as e:
        return render_conversation(
            request, conversation_of(request, pk), status=409, conflict=str(e)
        )
    except ValidationError as e:
        forms = {"note": NoteForm, "correct": CorrectForm}
        form = (
            AssignForm(conv, request.POST)
            if verb == "assign"
            else forms.get(verb, NoteForm)(request.POST)
        )
        form.is_valid()
        add_form_errors(form, e)
        name = {"assign": "assign_form", "correct": "correct_form"}.get(verb, "note_form")
        fresh = conversation_of(request, pk)
        return render_conversation(request, fresh, status=400, given={name: form})
    if not done:
        return render_conversation(request, conv, status=400, given={name: form})
    messages.success(request, done)
    return redirect("inbox:conversation", pk=conv.pk)


urlpatterns: list[URLPattern] = [
    path("", conversation_list, name="list"),
    path("conversations/<int:pk>/", conversation_page, name="conversation"),
    path("conversations/<int:pk>/do/<slug:verb>/", conversation_act, name="act"),
]
