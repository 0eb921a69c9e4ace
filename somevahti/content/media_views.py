"""Media of a post: upload (type and size checked per platform) and permission-checked download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from somevahti.content import actions
from somevahti.content.forms import MediaForm, PostForm, initial_for
from somevahti.content.models import PostMedia
from somevahti.content.queries import posts_visible_to
from somevahti.content.views import detail_qs, render_detail
from somevahti.core.errors import Conflict
from somevahti.core.forms import add_form_errors
from somevahti.core.permissions import user_of


@login_required
@require_POST
def media_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    post = get_object_or_404(detail_qs(user), pk=pk)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.add_media(
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
    context = {
        "form": PostForm(user, initial=initial_for(post)),
        "post": post,
        "media_form": form,
        "conflict": "",
    }
    return render(request, "content/edit.html", context, status=400)


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
    path("media/<int:pk>/<slug:part>/", media_file, name="media_file"),
]
