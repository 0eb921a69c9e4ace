"""Writes for posts and their review. One function per verb: permission and invariants, one
transaction, the audit entry, and a version check so concurrent edits never overwrite."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content import crisis, rules
from somevahti.content.checking import VariantResult, check_post
from somevahti.content.editing import clean_post_data, tell_author, tell_reviewers, write_parts
from somevahti.content.models import (
    CheckOverride,
    ContentTag,
    Post,
    PostVariant,
    ReviewComment,
)
from somevahti.content.states import EDITABLE, transition
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import Organisation, Unit, User
from somevahti.publishing.tasks import wake_at
from somevahti.registry.models import Channel

S = Post.State
# Names are organisation data, stored in Finnish; an organisation may rename or add its own.
DEFAULT_TAGS = (
    "Ihmiset kasvoineen",
    "Video",
    "Tarina",
    "Tapahtuma",
    "Vinkki",
    "Palvelutiedote",
    "Rekrytointi",
)


def ensure_default_tags(organisation: Organisation) -> None:
    """Create the default content types the first time an organisation needs them."""
    if ContentTag.objects.filter(organisation=organisation).exists():
        return
    with transaction.atomic():
        ContentTag.objects.bulk_create(
            [
                ContentTag(organisation=organisation, name=name, order=n)
                for n, name in enumerate(DEFAULT_TAGS)
            ],
            ignore_conflicts=True,
        )
        record(None, "content_tags.defaults_created", organisation, organisation=organisation)


def _locked(post: Post, version: int | None) -> Post:
    """The post locked for this transaction; a stale version means someone saved in between."""
    locked = Post.objects.select_for_update().select_related("unit").get(pk=post.pk)
    if version is not None and locked.version != version:
        raise Conflict(
            _(
                "Someone else saved this post while you were working on it. "
                "Nothing was overwritten: reload the page to see their changes."
            )
        )
    return locked


def _save(post: Post, actor: User, verb: str, *, reason: str = "", **data: Any) -> Post:
    post.version += 1
    post.updated_at = clock.now()
    post.save()
    record(actor, verb, post, reason=reason, data={"state": post.state, **data})
    return post


def create_post(actor: User, unit: Unit, data: dict[str, Any]) -> Post:
    if not rules.can_author(actor, unit):
        raise PermissionDenied
    clean = clean_post_data(unit, data)
    now = clock.now()
    with transaction.atomic():
        post = Post.objects.create(
            organisation_id=unit.organisation_id,
            unit=unit,
            author=actor,
            title=clean["title"],
            body=clean["body"],
            created_at=now,
            updated_at=now,
        )
        write_parts(post, clean)
        record(
            actor,
            "post.created",
            post,
            data={"unit": unit.name, "channels": sorted(c.pk for c in clean["channels"])},
        )
    return post


def update_post(actor: User, post: Post, data: dict[str, Any], version: int) -> Post:
    """Save new text, channels and tags. Editing after review started voids it: the post
    returns to draft and needs a new review."""
    with transaction.atomic():
        post = _locked(post, version)
        if not rules.can_edit(actor, post):
            raise PermissionDenied
        if post.state not in EDITABLE:
            raise Conflict(_("This post can no longer be edited."))
        clean = clean_post_data(post.unit, data)
        previous = post.state
        if previous != S.DRAFT:
            transition(post, S.DRAFT)
            post.approved_by, post.approved_at, post.scheduled_at = None, None, None
        post.title, post.body = clean["title"], clean["body"]
        write_parts(post, clean)
        return _save(post, actor, "post.updated", previous=previous)


def comment(actor: User, post: Post, text: str) -> ReviewComment:
    """Reviewers and the author discuss the post before it goes out."""
    text = (text or "").strip()
    if not (post.author_id == actor.pk or rules.can_review(actor, post.unit)):
        raise PermissionDenied
    if not text:
        raise ValidationError({"text": [_("Write a comment.")]})
    with transaction.atomic():
        note = ReviewComment.objects.create(
            post=post, author=actor, text=text, created_at=clock.now()
        )
        record(actor, "post.commented", post)
    return note


def _prefetched(post: Post) -> Post:
    return (
        Post.objects.select_related("unit")
        .prefetch_related(
            Prefetch("variants", PostVariant.objects.select_related("channel__unit")), "media"
        )
        .get(pk=post.pk)
    )


def _check_blocks(actor: User, post: Post, *, hard_length: bool) -> list[VariantResult]:
    """Refuse when a block finding stands without an override (and, when scheduling, when a
    text is over its platform's length, which no override can help)."""
    full = _prefetched(post)
    results = check_post(actor, full)
    errors: list[str] = []
    for res in results:
        name = res.variant.channel.name
        if hard_length and res.too_long:
            errors.append(_("The text for %(channel)s is too long for it.") % {"channel": name})
        if res.blocking:
            errors.append(
                _(
                    "%(channel)s: %(n)s finding(s) block publishing. Fix them or have them "
                    "overridden with a reason."
                )
                % {"channel": name, "n": len(res.blocking)}
            )
    if errors:
        raise ValidationError({"body": errors})
    return results


def _require_channels(post: Post) -> None:
    if not post.variants.exists():
        raise ValidationError({"channels": [_("Choose at least one channel.")]})


def submit_for_review(actor: User, post: Post, version: int | None = None) -> Post:
    with transaction.atomic():
        post = _locked(post, version)
        if post.author_id != actor.pk and not rules.can_review(actor, post.unit):
            raise PermissionDenied
        _require_channels(post)
        _check_blocks(actor, post, hard_length=False)
        transition(post, S.IN_REVIEW)
        _save(post, actor, "post.submitted")
        tell_reviewers(actor, post)
        return post


def approve(actor: User, post: Post, version: int | None = None, note: str = "") -> Post:
    """A reviewer approves. With four eyes the approver is never the author; without, the
    author who is also a reviewer may approve their own post, even straight from draft."""
    with transaction.atomic():
        post = _locked(post, version)
        if not crisis.may_approve(actor, post, rules.can_review(actor, post.unit)):
            raise PermissionDenied
        strict = rules.four_eyes(post.unit)
        if strict and post.author_id == actor.pk:
            raise PermissionDenied(_("Someone other than the author must approve this post."))
        if post.state == S.DRAFT and strict:
            raise Conflict(_("Send the post for review first."))
        if post.state == S.DRAFT:
            _require_channels(post)
            _check_blocks(actor, post, hard_length=False)
        transition(post, S.APPROVED)
        post.approved_by, post.approved_at = actor, clock.now()
        crisis.note_approval(actor, post)
        if note.strip():
            ReviewComment.objects.create(
                post=post, author=actor, text=note.strip(), created_at=clock.now()
            )
        _save(post, actor, "post.approved", reason=note.strip(), four_eyes=strict)
        tell_author(actor, post, approved=True)
        return post


def reject(actor: User, post: Post, note: str, version: int | None = None) -> Post:
    """Return the post to its author with a comment; they edit it back to a draft."""
    note = (note or "").strip()
    with transaction.atomic():
        post = _locked(post, version)
        if not rules.can_review(actor, post.unit):
            raise PermissionDenied
        if not note:
            raise ValidationError({"comment": [_("Tell the author what to change.")]})
        transition(post, S.REJECTED)
        ReviewComment.objects.create(post=post, author=actor, text=note, created_at=clock.now())
        _save(post, actor, "post.rejected", reason=note)
        tell_author(actor, post, approved=False)
        return post


def _require_scheduler(actor: User, post: Post) -> list[Channel]:
    channels = [v.channel for v in post.variants.select_related("channel__unit")]
    if not channels or not all(rules.can_schedule_on(actor, c) for c in channels):
        raise PermissionDenied
    return channels


def schedule(actor: User, post: Post, at: dt.datetime, version: int | None = None) -> Post:
    """Set the publication time; rescheduling a scheduled post only moves the time."""
    if at.tzinfo is None:
        raise ValidationError({"scheduled_at": [_("Give the time with its time zone.")]})
    with transaction.atomic():
        post = _locked(post, version)
        channels = _require_scheduler(actor, post)
        crisis.check_schedule(post)
        if at <= clock.now():
            raise ValidationError({"scheduled_at": [_("The time is in the past.")]})
        closed = [c for c in channels if c.status not in rules.POSTABLE_STATUSES]
        if closed:
            raise ValidationError(
                {
                    "scheduled_at": [
                        _("“%(name)s” is %(status)s; nothing can be scheduled there.")
                        % {"name": c.name, "status": c.get_status_display().lower()}
                        for c in closed
                    ]
                }
            )
        _check_blocks(actor, post, hard_length=True)
        if post.state != S.SCHEDULED:
            transition(post, S.SCHEDULED)
        post.scheduled_at = at.astimezone(dt.UTC)
        saved = _save(post, actor, "post.scheduled", at=post.scheduled_at.isoformat())
        transaction.on_commit(lambda: wake_at(saved.scheduled_at))
        return saved


def unschedule(actor: User, post: Post, version: int | None = None) -> Post:
    with transaction.atomic():
        post = _locked(post, version)
        _require_scheduler(actor, post)
        transition(post, S.APPROVED)
        post.scheduled_at = None
        return _save(post, actor, "post.unscheduled")


def withdraw(actor: User, post: Post, version: int | None = None) -> Post:
    """Back to draft from review or after rejection, to keep editing."""
    with transaction.atomic():
        post = _locked(post, version)
        if not rules.can_edit(actor, post):
            raise PermissionDenied
        if post.state not in (S.IN_REVIEW, S.REJECTED):
            raise Conflict(_("Only a post in review or returned for changes goes back to draft."))
        transition(post, S.DRAFT)
        return _save(post, actor, "post.returned_to_draft")


def cancel(actor: User, post: Post, reason: str = "", version: int | None = None) -> Post:
    with transaction.atomic():
        post = _locked(post, version)
        if post.state == S.SCHEDULED or post.state == S.FAILED:
            _require_scheduler(actor, post)
        elif not rules.can_edit(actor, post):
            raise PermissionDenied
        transition(post, S.CANCELLED)
        post.scheduled_at = None
        return _save(post, actor, "post.cancelled", reason=(reason or "").strip())


def mark_published_manually(actor: User, post: Post, url: str, version: int | None = None) -> Post:
    """For channels without an API: someone published it by hand and gives its address."""
    from django.core.validators import URLValidator

    url = (url or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise ValidationError({"url": [_("Give the address of the published post.")]}) from None
    with transaction.atomic():
        post = _locked(post, version)
        _require_scheduler(actor, post)
        transition(post, S.PUBLISHED_MANUALLY)
        post.published_url = url
        return _save(post, actor, "post.published_manually", url=url)


def override_check(
    actor: User, post: Post, channel: Channel, rule: str, text_hash: str, reason: str
) -> CheckOverride:
    """Let one blocking finding through with a written reason. Identity codes and sensitive
    data only by the data protection officer; other blocks by the channel owner or
    communications. Only the finding's keyed hash is stored."""
    reason = (reason or "").strip()
    with transaction.atomic():
        post = _locked(post, None)
        if not rules.can_override(actor, channel, rule, post.unit):
            raise PermissionDenied
        if not reason:
            raise ValidationError({"reason": [_("Write why this may be published anyway.")]})
        results = check_post(actor, _prefetched(post))
        match = [
            row
            for res in results
            if res.variant.channel_id == channel.pk
            for row in res.rows
            if row.finding.rule == rule
            and row.hash == text_hash
            and row.finding.severity == "block"
        ]
        if not match:
            raise Conflict(_("That finding is no longer in the text."))
        if match[0].overridden:
            raise Conflict(_("That finding has already been overridden."))
        item = CheckOverride.objects.create(
            post=post,
            channel=channel,
            rule=rule,
            text_hash=text_hash,
            reason=reason,
            by=actor,
            at=clock.now(),
        )
        _save(post, actor, "post.check_overridden", reason=reason, rule=rule, channel=channel.pk)
    return item


# --- Media on an editable post: remove, replace, alt text and captions -----------------------
