"""iCalendar feeds: making and revoking secret addresses, and the feed itself.

The token is 256 random bits; only its SHA-256 is stored (a fast hash suffices for a random
secret of that size). The raw token is returned once, to be shown to its owner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import icalendar
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from somevahti.audit.actions import record
from somevahti.content.calendar import FEED_STATES, placed_at, placed_between, with_parts
from somevahti.content.models import FeedToken, Post
from somevahti.content.queries import posts_visible_to
from somevahti.core import clock
from somevahti.core.errors import Conflict
from somevahti.core.models import Unit, User
from somevahti.core.permissions import has_perm, require
from somevahti.core.roles import Perm

# A feed covers half a year back and everything ahead, which keeps it small but useful.
FEED_PAST = dt.timedelta(days=183)
FEED_FUTURE = dt.timedelta(days=3660)
EVENT_LENGTH = dt.timedelta(minutes=15)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_feed(actor: User, unit: Unit | None = None) -> tuple[FeedToken, str]:
    """A new feed for the actor: personal (their own posts) or a unit subtree they work in.
    Returns the row and the raw token, which is never stored."""
    require(actor, Perm.VIEW_REGISTRY)
    if unit is not None and not has_perm(actor, Perm.VIEW_REGISTRY, unit):
        raise PermissionDenied
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = FeedToken.objects.create(
            owner=actor, unit=unit, token_hash=hash_token(raw), created_at=clock.now()
        )
        record(
            actor,
            "calendar_feed.created",
            feed,
            data={"unit": unit.pk if unit else None},
            organisation=actor.organisation,
        )
    return feed, raw


def revoke_feed(actor: User, feed: FeedToken) -> FeedToken:
    """Only the owner revokes their address; the old address stops working at once."""
    with transaction.atomic():
        locked = FeedToken.objects.select_for_update().get(pk=feed.pk)
        if locked.owner_id != actor.pk:
            raise PermissionDenied
        if locked.revoked_at is not None:
            raise Conflict(_("This calendar address has already been revoked."))
        locked.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        record(actor, "calendar_feed.revoked", locked, organisation=actor.organisation)
    return locked


def feeds_of(user: User) -> QuerySet[FeedToken]:
    return FeedToken.objects.filter(owner=user).select_related("unit")


def feed_by_token(raw: str) -> FeedToken | None:
    """The active feed for a token whose owner can still sign in; else None (→ 404)."""
    if not raw:
        return None
    feed = (
        FeedToken.objects.select_related("owner", "unit")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if feed is None or feed.owner.organisation_id is None:
        return None
    if feed.unit is not None and feed.unit.organisation_id != feed.owner.organisation_id:
        return None
    return feed


def feed_posts(feed: FeedToken) -> list[Post]:
    """Posts in the feed's scope that the owner may see today (access is checked at every
    fetch, so a removed role empties the feed)."""
    owner = feed.owner
    qs = posts_visible_to(owner).filter(state__in=FEED_STATES)
    if feed.unit is None:
        qs = qs.filter(author=owner)
    else:
        qs = qs.filter(
            unit__organisation_id=feed.unit.organisation_id, unit__path__startswith=feed.unit.path
        )
    now = clock.now()
    return list(with_parts(placed_between(qs, now - FEED_PAST, now + FEED_FUTURE)))


def uid_for(post: Post) -> str:
    """Stable across edits and reschedules so calendar apps update the event in place."""
    return f"somevahti-post-{post.pk}@somevahti"


def build_ics(feed: FeedToken, posts: list[Post], link_for: dict[int, str]) -> bytes:
    """The feed as iCalendar, times in UTC. Texts in the owner's language."""
    owner = feed.owner
    with translation.override(owner.language or translation.get_language()):
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Somevahti//Editorial calendar//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        name = feed.unit.name if feed.unit else _("My posts")
        cal.add("x-wr-calname", f"Somevahti: {name}")
        cal.add("x-wr-timezone", "UTC")
        for post in posts:
            at = placed_at(post)
            if at is None:
                continue
            start = at.astimezone(dt.UTC)
            channels = ", ".join(v.channel.name for v in post.variants.all())
            event = icalendar.Event()
            event.add("uid", uid_for(post))
            event.add("dtstamp", post.updated_at.astimezone(dt.UTC))
            event.add("last-modified", post.updated_at.astimezone(dt.UTC))
            event.add("dtstart", start)
            event.add("dtend", start + EVENT_LENGTH)
            event.add("sequence", post.version)
            event.add("summary", post.title)
            state = str(Post.State(post.state).label)
            event.add(
                "description",
                "\n".join(
                    [
                        _("State: %(state)s") % {"state": state},
                        _("Channels: %(channels)s") % {"channels": channels or "–"},
                        _("Unit: %(unit)s") % {"unit": post.unit.name},
                    ]
                ),
            )
            event.add("status", "CONFIRMED")
            if post.pk in link_for:
                event.add("url", link_for[post.pk])
            cal.add_component(event)
        return cal.to_ical()
