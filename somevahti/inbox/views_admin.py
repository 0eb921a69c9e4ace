"""Inbox settings pages: saved replies (fi/sv/en) and the events that could not be read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.core.forms import add_form_errors
from somevahti.core.permissions import require, user_of
from somevahti.core.roles import Perm
from somevahti.inbox import actions, queries
from somevahti.inbox.forms import SavedReplyForm
from somevahti.inbox.models import SavedReply

REJECTION_LABELS = {
    "unsigned": gettext_lazy("No signature"),
    "bad_signature": gettext_lazy("Wrong signature"),
    "replayed": gettext_lazy("Sent again too late"),
    "bad_timestamp": gettext_lazy("Unreadable time stamp"),
    "unknown_key": gettext_lazy("Unknown or revoked key"),
    "bad_verify_token": gettext_lazy("Wrong verification token"),
}
# The body of an unreadable event is shown up to this many characters (it is kept whole).
BODY_SHOWN = 20_000


def _saved_page(
    request: HttpRequest, form: SavedReplyForm, editing: SavedReply | None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    context = {
        "replies": queries.saved_replies_of(user),
        "form": form,
        "editing": editing,
        "can_edit": actions.can_edit_saved_replies(user),
    }
    return render(request, "inbox/saved_replies.html", context, status=status)


def _saved(request: HttpRequest, pk: int) -> SavedReply:
    return get_object_or_404(queries.saved_replies_of(user_of(request)), pk=pk)


@login_required
def saved_replies(request: HttpRequest) -> HttpResponse:
    """GET: the list (``?edit=<id>`` opens one in the form); POST: a new one."""
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    if request.method == "POST":
        return _save(request, None)
    editing = None
    if (pk := request.GET.get("edit", "")).isdigit():
        editing = _saved(request, int(pk))
    initial = (
        {"title": editing.title, "language": editing.language, "text": editing.text}
        if editing
        else {"language": request.LANGUAGE_CODE}
    )
    return _saved_page(request, SavedReplyForm(initial=initial), editing)


def _save(request: HttpRequest, editing: SavedReply | None) -> HttpResponse:
    form = SavedReplyForm(request.POST)
    if form.is_valid():
        try:
            actions.save_saved_reply(user_of(request), editing, form.cleaned_data)
        except ValidationError as e:
            add_form_errors(form, e)
        else:
            messages.success(request, _("The saved reply was stored."))
            return redirect("inbox:saved_replies")
    return _saved_page(request, form, editing, status=400)


@login_required
@require_POST
def saved_reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, _saved(request, pk))


@login_required
@require_POST
def saved_reply_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actions.delete_saved_reply(user_of(request), _saved(request, pk))
    messages.success(request, _("The saved reply was removed."))
    return redirect("inbox:saved_replies")


@login_required
@require_GET
def unreadable(request: HttpRequest) -> HttpResponse:
    """Events kept but not understood, with the error and the body as received, and how
    many webhooks were refused (forged, replayed, unsigned)."""
    user = user_of(request)
    require(user, Perm.MANAGE_ORGANISATION)
    events = queries.unreadable_events(user).order_by("-received_at", "-id")
    page = Paginator(events, 20).get_page(request.GET.get("page"))
    rejections = [
        {**r, "label": REJECTION_LABELS.get(r["reason"], r["reason"])}
        for r in queries.rejection_counts()
    ]
    context = {"page": page, "rejections": rejections, "shown": BODY_SHOWN}
    return render(request, "inbox/unreadable.html", context)


urlpatterns: list[URLPattern] = [
    path("saved-replies/", saved_replies, name="saved_replies"),
    path("saved-replies/<int:pk>/", saved_reply_edit, name="saved_reply_edit"),
    path("saved-replies/<int:pk>/delete/", saved_reply_delete, name="saved_reply_delete"),
    path("unreadable/", unreadable, name="unreadable"),
]
