"""The composer's posts: check, send (with an override reason), and the held or unconfirmed
replies' buttons (approve in crisis mode, withdraw, settle after an unknown outcome)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.permissions import user_of
from somevahti.inbox import queries, replies
from somevahti.inbox.forms import CancelReplyForm, ReplyForm, SettleForm
from somevahti.inbox.models import InboxItem
from somevahti.inbox.views import conversation_of, render_conversation


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """``check`` shows the findings without sending; otherwise the reply is sent (or held
    for the crisis owner). A refusal re-renders the page with the text kept."""
    user = user_of(request)
    conv = conversation_of(request, pk)
    form = ReplyForm(request.POST)
    if not replies.can_handle(user, conv):
        raise PermissionDenied
    if not form.is_valid():
        return render_conversation(request, conv, status=400, given={"reply_form": form})
    d = form.cleaned_data
    if "check" in request.POST:
        rows = replies.check_reply(user, conv, d["text"])
        return render_conversation(request, conv, given={"reply_form": form, "check_rows": rows})
    try:
        item = replies.prepare_reply(
            user,
            conv,
            d["text"],
            override_reason=d["override_reason"],
            override_hashes=frozenset(d["overrides"]),
        )
    except replies.ReplyBlocked as e:
        add_form_errors(form, e)
        given = {"reply_form": form, "check_rows": e.rows}
        return render_conversation(request, conv, status=400, given=given)
    except ValidationError as e:
        add_form_errors(form, e)
        return render_conversation(request, conv, status=400, given={"reply_form": form})
    if item.delivery_state == queries.AWAITING:
        messages.info(
            request,
            _(
                "Crisis mode is on: the reply waits for the crisis owner's approval "
                "before it goes out."
            ),
        )
    else:
        messages.success(request, _("The reply is being sent."))
    return redirect("inbox:conversation", pk=conv.pk)


def _reply_item(request: HttpRequest, pk: int) -> InboxItem:
    visible = queries.items_visible_to(user_of(request)).filter(direction=InboxItem.Direction.OUT)
    return get_object_or_404(visible, pk=pk)


def _after(request: HttpRequest, item: InboxItem, action: object, done: str) -> HttpResponse:
    try:
        action()  # type: ignore[operator]
    except Conflict as e:
        conv = conversation_of(request, item.conversation_id)
        return render_conversation(request, conv, status=409, conflict=str(e))
    messages.success(request, done)
    return redirect("inbox:conversation", pk=item.conversation_id)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    item = _reply_item(request, pk)
    return _after(
        request,
        item,
        lambda: replies.approve_reply(user_of(request), item),
        _("The reply was approved and is being sent."),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = _reply_item(request, pk)
    form = CancelReplyForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _after(
        request,
        item,
        lambda: replies.cancel_reply(user_of(request), item, reason),
        _("The reply will not be sent."),
    )


@login_required
@require_POST
def settle(request: HttpRequest, pk: int, outcome: str) -> HttpResponse:
    if outcome not in ("sent", "not-sent"):
        raise Http404
    item = _reply_item(request, pk)
    form = SettleForm(request.POST)
    url = form.cleaned_data["url"] if form.is_valid() else ""
    sent = outcome == "sent"
    done = (
        _("The reply is marked as sent.")
        if sent
        else _("The reply is marked as not sent; its text is back in the composer.")
    )
    return _after(
        request, item, lambda: replies.settle_reply(user_of(request), item, sent, url), done
    )


urlpatterns: list[URLPattern] = [
    path("conversations/<int:pk>/reply/", reply, name="reply"),
    path("replies/<int:pk>/approve/", approve, name="reply_approve"),
    path("replies/<int:pk>/withdraw/", withdraw, name="reply_withdraw"),
    path("replies/<int:pk>/settle/<slug:outcome>/", settle, name="reply_settle"),
]
