"""Media of a post: upload (type and size checked per platform), change alt text and captions,
replace or remove a file, and the permission-checked download."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from somevahti.content import media_actions, rules
from somevahti.content.forms import MediaForm, PostForm, initial_for
from somevahti.content.models import Post, PostMedia
from somevahti.content.queries import posts_visible_to
from somevahti.content.states import EDITABLE
from somevahti.content.views import detail_qs, render_detail
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.models import User
from somevahti.core.permissions import user_of


class _MediaItemForm(forms.Form):
    """The forms of one media page share it: each gets its own element ids."""

    id_prefix = "media"
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class MediaDetailsForm(_MediaItemForm):
    id_prefix = "details"
    alt_text = forms.CharField(
        label=gettext_lazy("Alt text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Describe what the image shows, for people who cannot see it."),
    )
    captions = forms.FileField(
        label=gettext_lazy("Captions file (SRT or WebVTT)"),
        required=False,
        help_text=gettext_lazy("A new file replaces the current captions."),
    )

    def __init__(self, item: PostMedia, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if item.kind != PostMedia.Kind.VIDEO:
            del self.fields["captions"]
        else:
            self.fields["alt_text"].help_text = gettext_lazy(
                "Describe briefly what the video shows, for people who cannot see it."
            )


class MediaReplaceForm(_MediaItemForm):
    id_prefix = "replace"
    file = forms.FileField(
        label=gettext_lazy("New file"),
        help_text=gettext_lazy("Images: JPEG, PNG, GIF or WebP. Videos: MP4 or MOV."),
    )
    alt_text = forms.CharField(
        label=gettext_lazy("New alt text (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Leave empty to keep the current alt text."),
    )


class MediaRemoveForm(_MediaItemForm):
    id_prefix = "remove"


@login_required
@require_POST
def media_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    post = get_object_or_404(detail_qs(user), pk=pk)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            media_actions.add_media(
                user,
                post,
                form.cleaned_data["file"],
                form.cleaned_data["alt_text"],
                form.cleaned_data["captions"],
            )
        except Conflict as exc:
            return render_detail(request, post, status=409, conflict=str(exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("The file was added."))
            return redirect("content:post_edit", pk=post.pk)
    return _editor(request, post, 400, media_form=form)


def _editor(
    request: HttpRequest, post: Post, status: int, *, conflict: str = "", media_form: Any = None
) -> HttpResponse:
    context = {
        "form": PostForm(user_of(request), initial=initial_for(post)),
        "post": post,
        "media_form": media_form or MediaForm(),
        "conflict": conflict,
    }
    return render(request, "content/edit.html", context, status=status)


def _media(user: User, pk: int, media_pk: int) -> tuple[Post, PostMedia]:
    """The post the user sees (another organisation's is 404) and one of its files."""
    post = get_object_or_404(detail_qs(user), pk=pk)
    item = next((m for m in post.media.all() if m.pk == media_pk), None)
    if item is None:
        raise Http404
    return post, item


def _media_page(
    request: HttpRequest,
    post: Post,
    item: PostMedia,
    *,
    status: int = 200,
    conflict: str = "",
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    user = user_of(request)
    initial = {"version": post.version}
    context = {
        "post": post,
        "item": item,
        "number": [m.pk for m in post.media.all()].index(item.pk) + 1,
        "editable": post.state in EDITABLE and rules.can_edit(user, post),
        "conflict": conflict,
        "details_form": MediaDetailsForm(item, initial={**initial, "alt_text": item.alt_text}),
        "replace_form": MediaReplaceForm(initial=initial),
        "remove_form": MediaRemoveForm(initial=initial),
        **(bound or {}),
    }
    return render(request, "content/media/edit.html", context, status=status)


@login_required
@require_GET
def media_edit(request: HttpRequest, pk: int, media_pk: int) -> HttpResponse:
    user = user_of(request)
    post, item = _media(user, pk, media_pk)
    if not rules.can_edit(user, post):
        raise PermissionDenied
    return _media_page(request, post, item)


def _bound(item: PostMedia, verb: str, request: HttpRequest) -> tuple[str, forms.Form]:
    if verb == "details":
        return "details_form", MediaDetailsForm(item, request.POST, request.FILES)
    if verb == "replace":
        return "replace_form", MediaReplaceForm(request.POST, request.FILES)
    if verb == "remove":
        return "remove_form", MediaRemoveForm(request.POST)
    raise Http404


def _apply(user: User, post: Post, item: PostMedia, verb: str, data: dict[str, Any]) -> str:
    """Run the verb's action; returns the success message."""
    version = data.get("version")
    if verb == "details":
        media_actions.update_media(
            user,
            post,
            item,
            alt_text=data["alt_text"],
            captions=data.get("captions") or None,
            version=version,
        )
        return _("The changes were saved.")
    if verb == "replace":
        media_actions.replace_media(user, post, item, data["file"], data["alt_text"], version)
        return _("The file was replaced.")
    media_actions.remove_media(user, post, item, version)
    return _("The file was removed from the post.")


@login_required
@require_POST
def media_act(request: HttpRequest, pk: int, media_pk: int, verb: str) -> HttpResponse:
    user = user_of(request)
    post, item = _media(user, pk, media_pk)
    name, form = _bound(item, verb, request)
    if form.is_valid():
        try:
            done = _apply(user, post, item, verb, form.cleaned_data)
        except Conflict as exc:
            fresh = get_object_or_404(detail_qs(user), pk=pk)
            still = next((m for m in fresh.media.all() if m.pk == item.pk), None)
            if still is None:
                return _editor(request, fresh, 409, conflict=str(exc))
            return _media_page(request, fresh, still, status=409, conflict=str(exc))
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, done)
            now = Post.objects.values_list("state", flat=True).get(pk=post.pk)
            if post.state != Post.State.DRAFT and now == Post.State.DRAFT:
                messages.warning(request, _("The post is a draft again: it needs a new review."))
            return redirect(reverse("content:post_edit", args=[post.pk]) + "#h-media")
    elif not rules.can_edit(user, post):
        raise PermissionDenied  # no form errors shown to someone who may not edit
    return _media_page(request, post, item, status=400, bound={name: form})


@login_required
@require_GET
def media_file(request: HttpRequest, pk: int, part: str) -> FileResponse:
    """Unpublished media are served only to those who can see the post."""
    user = user_of(request)
    item = get_object_or_404(PostMedia.objects.filter(post__in=posts_visible_to(user)), pk=pk)
    field = item.file if part == "file" else item.captions if part == "captions" else None
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), as_attachment=part == "captions")
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns: list[URLPattern] = [
    path("posts/<int:pk>/media/", media_add, name="media_add"),
    path("posts/<int:pk>/media/<int:media_pk>/", media_edit, name="media_edit"),
    path("posts/<int:pk>/media/<int:media_pk>/<slug:verb>/", media_act, name="media_act"),
    path("media/<int:pk>/<slug:part>/", media_file, name="media_file"),
]
