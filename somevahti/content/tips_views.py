"""Pages for staff tips: send, my tips, the triage queue and one tip with its actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.audit.queries import events_for
from somevahti.content import tips
from somevahti.content.forms import ChannelChoiceField
from somevahti.content.models import Tip, TipPhoto
from somevahti.content.queries import channels_to_post_to
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import Unit, User
from somevahti.core.permissions import require, units_for, user_of
from somevahti.core.roles import Perm
from somevahti.registry.forms.channels import UnitChoiceField

T = Tip.State


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of files; the action checks each one's type and size."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(d, initial) for d in items if d]


class TipForm(forms.Form):
    unit = UnitChoiceField(
        label=gettext_lazy("Unit"),
        queryset=Unit.objects.none(),
        help_text=gettext_lazy("The unit whose channels the tip is for."),
    )
    text = forms.CharField(
        label=gettext_lazy("Your tip"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("What happened or is coming, and why it would interest people."),
    )
    event_date = forms.DateField(
        label=gettext_lazy("Date of the event"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    photos = PhotosField(
        label=gettext_lazy("Photos (optional)"),
        help_text=gettext_lazy("JPEG, PNG, GIF or WebP, at most 16 MB each."),
    )
    shows_people = forms.BooleanField(
        label=gettext_lazy("The photos show people who can be recognised"), required=False
    )
    consent_confirmed = forms.BooleanField(
        label=gettext_lazy("The people in the photos agreed to them being published"),
        required=False,
    )
    consent_how = forms.CharField(
        label=gettext_lazy("How was their consent obtained?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For example: asked in person and signed the library's form."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for(user, Perm.VIEW_REGISTRY)  # type: ignore[attr-defined]


class DraftForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Working title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Empty: the first line of the tip."),
    )
    channels = ChannelChoiceField(
        label=gettext_lazy("Channels"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "draft-%s")
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = channels_to_post_to(user).order_by("name")  # type: ignore[attr-defined]


class AskForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Question to the sender"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ask-%s")
        super().__init__(*args, **kwargs)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why not, with thanks"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "decline-%s")
        super().__init__(*args, **kwargs)


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your answer"), widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=gettext_lazy("More photos (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "answer-%s")
        super().__init__(*args, **kwargs)


@login_required
def tip_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    require(user, Perm.VIEW_REGISTRY)
    form = TipForm(user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            tip = tips.send_tip(user, data.pop("unit"), data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Thank you! Your tip was sent."))
            return redirect("content:tip_detail", pk=tip.pk)
    status = 400 if form.errors else 200
    return render(request, "content/tips/new.html", {"form": form}, status=status)


@login_required
@require_GET
def tip_mine(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    rows = tips.my_tips(user).order_by("-created_at", "-id")[:200]
    return render(request, "content/tips/mine.html", {"tips": rows})


@login_required
@require_GET
def tip_queue(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not tips.is_triager(user):
        raise PermissionDenied
    show = "all" if request.GET.get("show") == "all" else "open"
    qs = tips.triage_queue(user)
    if show == "open":
        qs = qs.filter(state__in=tips.OPEN)
    rows = qs.order_by("state", "event_date", "id")[:200]
    return render(request, "content/tips/queue.html", {"tips": rows, "show": show})


def _detail(
    request: HttpRequest,
    tip: Tip,
    *,
    status: int = 200,
    conflict: str = "",
    forms_: dict[str, Any] | None = None,
) -> HttpResponse:
    user = user_of(request)
    triager = tips.can_triage(user, tip.unit)
    open_ = tip.state in tips.OPEN
    context = {
        "tip": tip,
        "conflict": conflict,
        "can_triage": triager and open_,
        "can_answer": tip.sender_id == user.pk and tip.state == T.WAITING,
        "draft_form": DraftForm(user) if triager and open_ else None,
        "ask_form": AskForm(),
        "decline_form": DeclineForm(),
        "answer_form": AnswerForm(),
        "history": events_for(user, tip)[:50] if triager else [],
        **(forms_ or {}),
    }
    return render(request, "content/tips/detail.html", context, status=status)


@login_required
@require_GET
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(tips.tips_visible_to(user_of(request)), pk=pk))


@login_required
@require_POST
def tip_act(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = user_of(request)
    tip = get_object_or_404(tips.tips_visible_to(user), pk=pk)
    form: forms.Form
    name = f"{verb}_form"
    if verb == "draft":
        form = DraftForm(user, request.POST)
    elif verb == "ask":
        form = AskForm(request.POST)
    elif verb == "decline":
        form = DeclineForm(request.POST)
    elif verb == "answer":
        form = AnswerForm(request.POST, request.FILES)
    else:
        raise Http404
    if form.is_valid():
        d = form.cleaned_data
        try:
            if verb == "draft":
                post = tips.to_draft(user, tip, d["title"], list(d["channels"]))
                messages.success(request, _("The draft was made. Add alt text to its photos."))
                return redirect("content:post_detail", pk=post.pk)
            if verb == "ask":
                tips.ask_more(user, tip, d["text"])
                done = _("Your question was sent.")
            elif verb == "decline":
                tips.decline(user, tip, d["reason"])
                done = _("The tip was declined; the sender was thanked.")
            else:
                tips.answer(user, tip, d["text"], d["photos"])
                done = _("Your answer was added to the tip.")
        except Conflict as exc:
            fresh = get_object_or_404(tips.tips_visible_to(user), pk=pk)
            return _detail(request, fresh, status=409, conflict=str(exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("content:tip_detail", pk=tip.pk)
    return _detail(request, tip, status=400, forms_={name: form})


@login_required
@require_GET
def tip_photo(request: HttpRequest, pk: int) -> FileResponse:
    """Tip photos are served only to the sender and the triagers."""
    item = get_object_or_404(
        TipPhoto.objects.filter(tip__in=tips.tips_visible_to(user_of(request))), pk=pk
    )
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns: list[URLPattern] = [
    path("tips/", tip_queue, name="tip_queue"),
    path("tips/new/", tip_new, name="tip_new"),
    path("tips/mine/", tip_mine, name="tip_mine"),
    path("tips/<int:pk>/", tip_detail, name="tip_detail"),
    path("tips/<int:pk>/do/<slug:verb>/", tip_act, name="tip_act"),
    path("tips/photos/<int:pk>/", tip_photo, name="tip_photo"),
]
