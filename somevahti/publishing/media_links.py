"""Signed, expiring addresses for post media, for platforms that fetch files by URL
(Instagram). Post media are otherwise private; a link works only while the post is being
published or after it was, and only for a day."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from somevahti.content.models import Post, PostMedia

SALT = "somevahti.publishing.media"
MAX_AGE = 24 * 3600
LIVE = (Post.State.PUBLISHING, Post.State.PUBLISHED)


def signed_url(media: PostMedia) -> str:
    """The public address, or "" when the site has no public address configured."""
    base = settings.PUBLIC_URL
    if not base:
        return ""
    token = signing.dumps(media.pk, salt=SALT, compress=True)
    return base.rstrip("/") + reverse("publishing_media", args=[token])


@require_GET
def public_media(request: HttpRequest, token: str) -> FileResponse:
    try:
        pk = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    media = PostMedia.objects.filter(pk=pk, post__state__in=LIVE).first()
    if media is None:
        raise Http404
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [path("m/<str:token>", public_media, name="publishing_media")]
