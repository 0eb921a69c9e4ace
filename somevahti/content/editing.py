"""Helpers of the post actions: input validation, variant writes and notifications.
No transaction or permission handling here: the callers in actions.py own those."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from somevahti.content import rules
from somevahti.content.models import ContentTag, Post, PostVariant
from somevahti.core.actions import notify, url_for
from somevahti.core.models import Unit, User
from somevahti.core.permissions import users_with_role_over
from somevahti.core.roles import Role
from somevahti.registry.models import Channel


def clean_post_data(unit: Unit, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the post a working title.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(n)s characters.") % {"n": 200}]
    body = str(data.get("body") or "")
    channels: list[Channel] = list(data.get("channels") or [])
    for channel in channels:
        if channel.organisation_id != unit.organisation_id:
            errors["channels"] = [_("Choose channels of your organisation.")]
        elif channel.status not in rules.POSTABLE_STATUSES:
            errors["channels"] = [
                _("“%(name)s” is %(status)s; posts cannot go there.")
                % {"name": channel.name, "status": channel.get_status_display().lower()}
            ]
    tags: list[ContentTag] = list(data.get("tags") or [])
    if any(t.organisation_id != unit.organisation_id for t in tags):
        errors["tags"] = [_("Choose content types of your organisation.")]
    variants = {int(k): str(v or "") for k, v in (data.get("variants") or {}).items()}
    if errors:
        raise ValidationError(errors)
    return {"title": title, "body": body, "channels": channels, "tags": tags, "variants": variants}


def write_parts(post: Post, clean: dict[str, Any]) -> None:
    post.tags.set(clean["tags"])
    wanted = {c.pk: c for c in clean["channels"]}
    post.variants.exclude(channel_id__in=list(wanted)).delete()
    existing = {v.channel_id: v for v in post.variants.all()}
    for pk, channel in wanted.items():
        body = clean["variants"].get(pk, "")
        if pk in existing:
            if existing[pk].body != body:
                existing[pk].body = body
                existing[pk].save(update_fields=["body"])
        else:
            PostVariant.objects.create(post=post, channel=channel, body=body)


REVIEWER_ROLES = (Role.CHANNEL_OWNER, Role.COMMUNICATIONS, Role.UNIT_DIRECTOR)


def tell_reviewers(actor: User, post: Post) -> None:
    title = post.title
    for person in users_with_role_over(post.unit, REVIEWER_ROLES).exclude(pk=actor.pk):
        notify(
            person,
            lambda: _("“%(title)s” is waiting for your review.") % {"title": title},
            url_for(person, "content:post_detail", post.pk),
        )


def tell_author(actor: User, post: Post, approved: bool) -> None:
    author = User.objects.get(pk=post.author_id)
    if author.pk == actor.pk or not author.is_active:
        return
    title = post.title

    def text() -> str:
        if approved:
            return _("Your post “%(title)s” was approved.") % {"title": title}
        return _("Your post “%(title)s” was returned for changes.") % {"title": title}

    notify(author, text, url_for(author, "content:post_detail", post.pk))
