"""Builders for the content tests (kept here, not in the shared factories)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Town
from somevahti.content import actions
from somevahti.content.models import Post
from somevahti.core.models import User
from somevahti.core.roles import Role
from somevahti.registry.models import Channel
from tests import factories as f

HETU_TEXT = "Asiakkaan henkilötunnus on 131052-308T."
SENSITIVE_TEXT = "Matti Meikäläinen on ollut mielenterveyskuntoutuksessa."
IBAN_TEXT = "Maksa tilille FI21 1234 5600 0007 85 viimeistään perjantaina."
CLEAN_TEXT = "Tervetuloa kirjastoon satutuokioon keskiviikkona."
FUTURE = dt.datetime(2030, 3, 6, 10, 0, tzinfo=dt.UTC)


def channel(town: Town, platform: str = "facebook", **fields: Any) -> Channel:
    return f.channel(town.unit, town.users[Role.CHANNEL_OWNER], platform=platform, **fields)


def draft(
    town: Town, *channels: Channel, body: str = CLEAN_TEXT, author: User | None = None, **extra: Any
) -> Post:
    who = author or town.users[Role.CONTENT_PRODUCER]
    data = {"title": "Satutuokio", "body": body, "channels": list(channels), **extra}
    return actions.create_post(who, town.unit, data)


def in_review(town: Town, *channels: Channel, **kw: Any) -> Post:
    post = draft(town, *channels, **kw)
    return actions.submit_for_review(post.author, post)


def approved(town: Town, *channels: Channel, **kw: Any) -> Post:
    post = in_review(town, *channels, **kw)
    return actions.approve(town.users[Role.COMMUNICATIONS], post)


def fresh(post: Post) -> Post:
    return Post.objects.get(pk=post.pk)
