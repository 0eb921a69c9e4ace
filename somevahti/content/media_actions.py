"""Writes on a post's images and videos: add, describe, replace, remove, captions.

Editing media of a post under review, approved or scheduled voids the approval, as editing
its text does; files leave storage only after the transaction commits.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from somevahti.content import rules
from somevahti.content.actions import _locked, _save
from somevahti.content.media import captions_name, validate_captions, validate_upload
from somevahti.content.models import Post, PostMedia
from somevahti.content.states import EDITABLE, transition
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import User

S = Post.State


def add_media(
    actor: User,
    post: Post,
    upload: UploadedFile,
    alt_text: str = "",
    captions: UploadedFile | None = None,
) -> PostMedia:
    with transaction.atomic():
        post = _locked(post, None)
        if not rules.can_edit(actor, post):
            raise PermissionDenied
        if post.state not in EDITABLE:
            raise Conflict(_("This post can no longer be edited."))
        platforms = post.variants.values_list("channel__platform", flat=True)
        kind, content_type = validate_upload(upload, platforms)
        if captions is not None:
            if kind != "video":
                raise ValidationError({"captions": _("Captions belong to a video.")})
            validate_captions(captions)
        item = PostMedia.objects.create(
            post=post,
            kind=kind,
            file=upload,
            content_type=content_type,
            size=upload.size or 0,
            alt_text=(alt_text or "").strip(),
            captions=captions or "",
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        _save(post, actor, "post.media_added", kind=kind, size=item.size, media=item.pk)
    return item


def _media_for_edit(
    actor: User, post: Post, media: PostMedia, version: int | None
) -> tuple[Post, PostMedia]:
    """The locked post and its media item, after the same checks as editing the text.
    Permission comes before the version, so someone without the right never learns more."""
    if not rules.can_edit(actor, post):
        raise PermissionDenied
    post = _locked(post, version)
    if post.state not in EDITABLE:
        raise Conflict(_("This post can no longer be edited."))
    item = PostMedia.objects.select_for_update().filter(post=post, pk=media.pk).first()
    if item is None:
        raise Conflict(_("That file is no longer on this post. Reload the page."))
    return post, item


def _void_review(post: Post) -> str:
    """Changed media void a review or approval, as changed text does (see update_post)."""
    previous = post.state
    if previous != S.DRAFT:
        transition(post, S.DRAFT)
        post.approved_by, post.approved_at, post.scheduled_at = None, None, None
    return previous


def _delete_after_commit(*files: FieldFile) -> None:
    """Delete replaced or removed files only once the change is committed: a rolled-back
    change still points at them."""
    for field in files:
        if field and field.name:
            transaction.on_commit(partial(field.storage.delete, field.name))


def remove_media(actor: User, post: Post, media: PostMedia, version: int | None = None) -> Post:
    with transaction.atomic():
        post, item = _media_for_edit(actor, post, media, version)
        previous = _void_review(post)
        media_id, kind, files = item.pk, item.kind, (item.file, item.captions)
        item.delete()
        _delete_after_commit(*files)
        return _save(
            post, actor, "post.media_removed", previous=previous, media=media_id, kind=kind
        )


def replace_media(
    actor: User,
    post: Post,
    media: PostMedia,
    upload: UploadedFile,
    alt_text: str | None = None,
    version: int | None = None,
) -> PostMedia:
    """A new file in place of the old one. The alt text (and a video's captions) stay unless
    new alt text is given."""
    with transaction.atomic():
        post, item = _media_for_edit(actor, post, media, version)
        platforms = post.variants.values_list("channel__platform", flat=True)
        kind, content_type = validate_upload(upload, platforms)
        if kind != item.kind:
            raise ValidationError(
                {
                    "file": _(
                        "Replace an image with an image and a video with a video. To change "
                        "the kind, remove this file and upload the new one."
                    )
                }
            )
        previous = _void_review(post)
        old = item.file
        new_alt = (alt_text or "").strip()
        alt_changed = bool(new_alt) and new_alt != item.alt_text
        item.file = upload  # type: ignore[assignment]
        item.content_type, item.size = content_type, upload.size or 0
        item.alt_text = new_alt or item.alt_text
        item.uploaded_by, item.uploaded_at = actor, clock.now()
        item.save()
        _delete_after_commit(old)
        _save(
            post,
            actor,
            "post.media_replaced",
            previous=previous,
            media=item.pk,
            kind=kind,
            size=item.size,
            alt_text_changed=alt_changed,
        )
    return item


def update_media(
    actor: User,
    post: Post,
    media: PostMedia,
    *,
    alt_text: str | None = None,
    captions: UploadedFile | None = None,
    version: int | None = None,
) -> PostMedia:
    """New alt text and/or a new captions file (SRT or WebVTT, videos only). Nothing changed:
    nothing is saved and a review stands."""
    with transaction.atomic():
        post, item = _media_for_edit(actor, post, media, version)
        changed: list[str] = []
        old_captions = None
        if alt_text is not None and alt_text.strip() != item.alt_text:
            item.alt_text = alt_text.strip()
            changed.append("alt_text")
        if captions is not None:
            if item.kind != PostMedia.Kind.VIDEO:
                raise ValidationError({"captions": _("Captions belong to a video.")})
            captions.name = captions_name(captions.name or "", validate_captions(captions))
            old_captions = item.captions
            item.captions = captions  # type: ignore[assignment]
            changed.append("captions")
        if not changed:
            return item
        previous = _void_review(post)
        item.save()
        if old_captions is not None:
            _delete_after_commit(old_captions)
        _save(post, actor, "post.media_updated", previous=previous, media=item.pk, changed=changed)
    return item
